"""The category stage: its scores, its naming, its storage in the artifact, and its place in the
pipeline (the category tagger proposes, the resolver names what a judge removed)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from winnow.document import LABELS, Decision, Span, Verdicts
from winnow.model.artifact import ModelError, SegmentModel
from winnow.model.categories import CATEGORY_SIZE, CategoryModel, category_inputs, fold, input_width
from winnow.model.features import DENSE_NAMES, SegmentFeatures
from winnow.model.train_categories import CHAFF_LABELS, category_targets
from winnow.resolve import _name_chaff

CLASSES = ("navigation", "social", "related")


def _feats(n: int, grams: list[tuple[int, int]]) -> SegmentFeatures:
    seg = np.array([s for s, _ in grams], dtype=np.int64)
    bucket = np.array([b for _, b in grams], dtype=np.int64)
    return SegmentFeatures(dense=np.zeros((n, len(DENSE_NAMES))), gram_segment=seg, gram_bucket=bucket,
                           gram_weight=np.ones(len(grams)))


def _model(smoothing: float = 0.0, min_probability: float = 0.0) -> CategoryModel:
    width = input_width(len(DENSE_NAMES), len(LABELS))
    hash_coef = np.zeros((CATEGORY_SIZE, len(CLASSES)), dtype=np.float32)
    hash_coef[fold(np.array([1 << 10]))[0], 1] = 5.0  # this n-gram says social
    hash_coef[fold(np.array([1 << 12]))[0], 2] = 5.0  # this one related
    return CategoryModel(labels=CLASSES, hash_coef=hash_coef, input_coef=np.zeros((width, len(CLASSES))),
                         intercept=np.array([1.0, 0.0, 0.0]), smoothing=smoothing, min_probability=min_probability)


def _scores(model: CategoryModel, feats: SegmentFeatures) -> np.ndarray:
    n = len(feats.dense)
    return model.scores(feats, feats.dense, np.zeros((n, len(LABELS))), np.zeros(n))


def test_category_scores_follow_the_ngrams_and_the_intercept() -> None:
    feats = _feats(3, [(1, 1 << 10), (2, 1 << 12)])
    labels, probability = _model().name_each(_scores(_model(), feats))
    assert labels == ["navigation", "social", "related"]
    assert np.all(probability > 0.5) and np.all(probability <= 1.0)
    logp = _scores(_model(), feats)
    assert np.allclose(np.exp(logp).sum(axis=1), 1.0)


def test_category_unsure_segments_are_boilerplate() -> None:
    feats = _feats(2, [(1, 1 << 10)])
    labels, _ = _model(min_probability=0.9).name_each(_scores(_model(min_probability=0.9), feats))
    assert labels == ["boilerplate", "social"]  # the intercept alone is not sure enough


def test_category_boilerplate_wins_over_a_category_only_by_its_margin() -> None:
    model = replace(_model(), labels=("navigation", "boilerplate", "social"))
    probabilities = np.array([[0.30, 0.50, 0.20],   # boilerplate 1.67 times navigation
                              [0.20, 0.70, 0.10],   # 3.5 times
                              [0.60, 0.30, 0.10],   # navigation first anyway
                              [0.10, 0.45, 0.45]])  # a tie between boilerplate and social
    logp = np.log(probabilities)
    assert model.name_each(logp)[0] == ["boilerplate", "boilerplate", "navigation", "boilerplate"]
    assert model.name_each(logp, 1.0)[0] == model.name_each(logp)[0]
    labels, probability = model.name_each(logp, 2.0)
    assert labels == ["navigation", "boilerplate", "navigation", "social"]
    assert np.allclose(probability, [0.30, 0.70, 0.60, 0.45])  # the named class's own probability
    assert model.name_each(logp, 4.0)[0] == ["navigation", "navigation", "navigation", "social"]
    # a named class still needs min_probability
    assert replace(model, min_probability=0.35).name_each(logp, 2.0)[0] == \
        ["boilerplate", "boilerplate", "navigation", "social"]
    # a model without a boilerplate class names as before
    plain = np.log(np.array([[0.5, 0.3, 0.2]]))
    assert _model().name_each(plain, 3.0)[0] == _model().name_each(plain)[0] == ["navigation"]


def test_category_smoothing_lets_neighbours_carry_a_run() -> None:
    # five segments; the middle one has no n-gram of its own, its neighbours say "related"
    feats = _feats(5, [(0, 1 << 12), (1, 1 << 12), (3, 1 << 12), (4, 1 << 12)])
    alone, _ = _model().name_each(_scores(_model(), feats))
    smooth, _ = _model(smoothing=0.5).name_each(_scores(_model(smoothing=0.5), feats))
    assert alone[2] == "navigation" and smooth[2] == "related"


def test_category_inputs_have_the_declared_width() -> None:
    n = 4
    x = category_inputs(np.zeros((n, len(DENSE_NAMES))), np.zeros((n, len(LABELS))), np.array([-3.0, 2.0, 2.0, -3.0]))
    assert x.shape == (n, input_width(len(DENSE_NAMES), len(LABELS)))
    before, after = x[:, -2], x[:, -1]
    assert before.tolist() == [1, 0, 0, 0] and after.tolist() == [0, 0, 0, 1]
    assert category_inputs(np.zeros((0, len(DENSE_NAMES))), np.zeros((0, len(LABELS))), np.zeros(0)).shape[0] == 0


def test_category_stage_survives_the_artifact_round_trip(engine, tmp_path) -> None:
    if engine.model is None:
        pytest.skip("the built-in model is off")
    model = replace(engine.model, categories=_model(smoothing=0.25, min_probability=0.3))
    path = tmp_path / "m.npz"
    model.save(path)
    back = SegmentModel.load(path)
    assert back.categories is not None
    assert back.categories.labels == CLASSES and back.categories.smoothing == 0.25
    assert np.array_equal(back.categories.hash_coef, model.categories.hash_coef)
    assert "category_labels" not in back.card  # the stage's settings are not left in the card
    # a stage whose weights do not fit its labels is refused at load
    bad = replace(engine.model, categories=replace(_model(), intercept=np.zeros(5)))
    bad.save(path)
    with pytest.raises(ModelError):
        SegmentModel.load(path)


def test_category_targets_keep_only_named_chaff() -> None:
    labels = np.array([1, 0, 0, 0])
    silver = [("content", "gold"), ("navigation", "tag:nav"), ("boilerplate", ""), ("social", "class:share")]
    targets = category_targets(labels, silver)
    assert targets.tolist() == [-1, CHAFF_LABELS.index("navigation"), -1, CHAFF_LABELS.index("social")]


def test_markup_that_calls_the_gold_comments_names_post_metadata_not_a_comment_section() -> None:
    # a forum: every post in a class="comment" box, the posts in the gold; the user names and
    # "Reply" links in the same boxes are the posts' metadata (boilerplate by the guide)
    labels = np.array([1, 0, 1, 0, 0])
    silver = [("comments", "class:comment"), ("comments", "class:comment"), ("comments", "class:comment"),
              ("comments", "class:comment"), ("comments", "id:disqus")]
    targets = category_targets(labels, silver)
    boilerplate, comments = CHAFF_LABELS.index("boilerplate"), CHAFF_LABELS.index("comments")
    assert targets.tolist() == [-1, boilerplate, -1, boilerplate, comments]  # other evidence still names comments
    # an article: one stray gold line in the comment box is not enough to call the box posts
    labels = np.array([1, 0, 0])
    targets = category_targets(labels, [("comments", "class:comment")] * 3)
    assert targets.tolist() == [-1, comments, comments]


def test_resolver_names_what_a_judge_removed_not_what_a_rule_named() -> None:
    decisions = Verdicts.of([Decision("boilerplate", 0.9, "segment_model_v1", "model.bad"),
                              Decision("ad", 0.95, "phrases_v1", "ad.advertisement"),
                              Decision("boilerplate", 0.6, "resolver_v1", "resolve.outside_main_block"),
                              Decision("content", 0.8, "segment_model_v1", "model.good"),
                              Decision("boilerplate", 0.7, "segment_model_v1", "model.bad")])
    classes = ["bad", "rule", "good", "good", "bad"]
    categories = Verdicts.of([Decision("navigation", 0.8, "m.categories", "category.navigation"),
                              Decision("social", 0.8, "m.categories", "category.social"),
                              Decision("related", 0.7, "m.categories", "category.related"),
                              Decision("navigation", 0.6, "m.categories", "category.navigation"),
                              Decision("boilerplate", 0.4, "m.categories", "category.boilerplate")])
    before = decisions.copy()
    _name_chaff(decisions, classes, categories, {}, [], 0.5)
    assert [d.label for d in decisions] == ["navigation", "ad", "related", "content", "boilerplate"]
    # the rule id still says why the segment was removed; the tagger, who named it
    assert decisions[2] == Decision("related", 0.6, "m.categories", "resolve.outside_main_block")
    # HTML input: what the markup names comes first; a rule's label still stands
    dom = {0: Span(0, 1, "comments", 0.9, "dom_v1", "dom.class:comments"),
           1: Span(1, 2, "navigation", 0.9, "dom_v1", "dom.tag:nav")}
    _name_chaff(before, classes, categories, dom, [], 0.5)
    assert [d.label for d in before] == ["comments", "ad", "related", "content", "boilerplate"]
    assert before[0] == Decision("comments", 0.9, "dom_v1", "model.bad")


def test_build_examples_reads_the_chaff_categories_from_the_pages_html(rules_engine, stop_hashes) -> None:
    from winnow.model.features import DENSE_NAMES, DOM_COLUMNS
    from winnow.model.train import build_examples

    prose = ("The council said on Tuesday that it would review the plan for the old bridge, and residents "
             "asked whether the work could start before the winter, when traffic is lower.")
    html = (f"<html><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
            f"<article><p>{prose}</p><p>{prose}</p></article>"
            f"<div class='share-bar'><a href='/fb'>Share on Facebook</a></div></body></html>")
    text = "\n".join(["Home", "News", prose, prose, "Share on Facebook"])
    record = {"id": "p1", "html": html, "gold": f"{prose}\n\n{prose}", "views": {"text": text}}
    (view, rendered, gold) = build_examples(rules_engine, stop_hashes, [record], views=("text",))
    assert view.labels.tolist() == [0, 0, 1, 1, 0]
    assert [CHAFF_LABELS[k] if k >= 0 else None for k in view.categories.tolist()] == [
        "navigation", "navigation", None, None, "social"]
    # the page's HTML is a view of its own, rendered as the service renders it, with the markup's
    # columns filled: what the model reads of HTML input
    assert rendered.labels.tolist() == [0, 0, 1, 1, 0]
    assert [CHAFF_LABELS[k] if k >= 0 else None for k in rendered.categories.tolist()] == [
        "navigation", "navigation", None, None, "social"]
    html_col = DENSE_NAMES.index("html")
    assert (rendered.feats.dense[:, html_col] == 1).all() and (view.feats.dense[:, DOM_COLUMNS] == 0).all()
    assert rendered.feats.dense[:, DENSE_NAMES.index("dom_chaff")].tolist() == [1, 1, 0, 0, 1]
    assert gold.categories is None  # the gold text as a page of its own has no HTML
    (plain,) = build_examples(rules_engine, stop_hashes, [record], views=("text",), with_gold=False, silver=False,
                              html=False)
    assert plain.categories is None


def test_category_tagger_names_wordless_segments_markup(engine) -> None:
    if engine.model is None or engine.model.categories is None:
        pytest.skip("the built-in model has no category stage")
    from winnow.taggers.categories import CategoryTagger

    prose = ("The council said on Tuesday that it would review the plan for the old bridge, and residents "
             "asked whether the work could start before the winter.")
    page = "\n".join(["Home", "News", "Sport", "Log in", "Subscribe", "* * *"] + [prose] * 18
                     + ["|", "Share on Facebook", "Privacy Policy", "Terms of Use", "Contact Us", "Follow us"])
    doc = engine.document(page)
    tagger = next(t for t in engine.taggers if isinstance(t, CategoryTagger))
    verdicts = tagger.tag(doc)
    assert len(verdicts) == len(doc.segments)  # one per segment, in order
    named = {page[s.start:s.end]: v for s, v in zip(doc.segments, verdicts, strict=True)}
    assert named["* * *"].label == "markup" and named["|"].label == "markup"
    assert named["Home"].label in engine.model.categories.labels + ("boilerplate",)
    assert all(v.tagger == f"{engine.model.name}.categories" for v in named.values())


def _menu_and_share_page(rules_engine, stop_hashes, menus: int, shares: int):
    """One page's text view: ``menus`` links in a <nav>, a paragraph, ``shares`` links in a share
    bar; its examples (silver categories from the markup), their data and flat stage-one verdicts."""
    from winnow.model.train import build_examples, prepare

    prose = ("The council said on Tuesday that it would review the plan for the old bridge, and residents "
             "asked whether the work could start before the winter, when traffic is lower.")
    menu = [f"Section {k}" for k in range(menus)]
    share = [f"Share on network {k}" for k in range(shares)]
    html = ("<html><body><nav>" + "".join(f"<a href='/s{k}'>{m}</a><br>" for k, m in enumerate(menu))
            + f"</nav><article><p>{prose}</p></article><div class='share-bar'>"
            + "".join(f"<a href='/x{k}'>{s}</a><br>" for k, s in enumerate(share)) + "</div></body></html>")
    record = {"id": "p1", "html": html, "gold": prose, "views": {"text": "\n".join(menu + [prose] + share)}}
    examples = build_examples(rules_engine, stop_hashes, [record], views=("text",), with_gold=False)
    return examples, prepare(examples), [np.zeros(len(ex.labels)) for ex in examples]


def _named(model, ex, data, first) -> list[str]:
    from winnow.model.features import standardise

    dense = standardise(ex.feats.dense, data.dense_mean, data.dense_scale)
    return model.name_each(model.scores(ex.feats, dense, ex.rules, first))[0]


def test_category_stage_of_two_classes_keeps_a_column_for_each(rules_engine, stop_hashes) -> None:
    """scikit-learn fits two classes as one column of log-odds; the stage stores one per class, so
    that scoring (a column per label) works and names each page's menu and share bar apart."""
    from winnow.model.train_categories import fit_categories

    examples, data, first = _menu_and_share_page(rules_engine, stop_hashes, 30, 30)
    model = fit_categories(examples, first, data.dense_mean, data.dense_scale, seed=0, log=lambda _m: None)
    assert model.labels == ("navigation", "social")
    assert model.hash_coef.shape[1] == 2 and model.intercept.shape == (2,)
    named = _named(model, examples[0], data, first[0])
    assert named[:30] == ["navigation"] * 30 and named[31:] == ["social"] * 30


def test_category_stage_balance_evens_the_classes_out(rules_engine, stop_hashes) -> None:
    """A page with four times more menu lines than share lines: with ``balance`` 1 both classes weigh
    alike in the fit, so the share bar's prior (intercept) rises against the menu's; at 0 the
    classes weigh as they come. Either way each line is named by its own class."""
    from winnow.model.train_categories import fit_categories

    examples, data, first = _menu_and_share_page(rules_engine, stop_hashes, 240, 60)
    prior = {}
    for balance in (0.0, 1.0):
        model = fit_categories(examples, first, data.dense_mean, data.dense_scale, seed=0, balance=balance,
                               log=lambda _m: None)
        assert model.labels == ("navigation", "social")
        prior[balance] = model.intercept[1] - model.intercept[0]
        named = _named(model, examples[0], data, first[0])
        assert named[:240] == ["navigation"] * 240 and named[241:] == ["social"] * 60
    assert prior[1.0] > prior[0.0] + 0.1, prior
