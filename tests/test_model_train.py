"""`winnow train`: deterministic weights from the same inputs, a loadable plain-data artifact, and a model
that learns prose from chaff on a small hand-made corpus."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="training needs the [train] extra (scikit-learn)")

from winnow.engine import Engine  # noqa: E402
from winnow.model.artifact import ModelError, SegmentModel  # noqa: E402
from winnow.model.train import train  # noqa: E402
from winnow.model.train_categories import HAND_WEIGHT  # noqa: E402
from winnow.model.trees import TreeEnsemble  # noqa: E402

WORDS = ("the council said that it would review the plan for the old bridge and the new road after "
         "residents asked whether the work could start before the winter when traffic is lower").split()
CHAFF = ["Home", "News", "Sport", "Weather", "Share on Facebook", "Tweet", "Sign up for our newsletter",
         "Most read", "Contact us", "Privacy policy", "© 2024 Example Media", "Advertisement", "Log in"]


def _page(rng: random.Random, n: int) -> dict:
    prose = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60))).capitalize() + "."
             for _ in range(rng.randint(3, 6))]
    head = rng.sample(CHAFF, 4)
    tail = rng.sample(CHAFF, 4)
    text = "\n".join(head + prose + tail)
    return {"id": f"page{n:03d}", "split": "train" if n % 5 else "dev", "gold": "\n".join(prose),
            "views": {"text": text, "markdown": text, "wet": text}}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    rng = random.Random(7)
    path = tmp_path_factory.mktemp("corpus") / "tiny.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for n in range(30):
            f.write(json.dumps(_page(rng, n)) + "\n")
    return path


def _quiet(_msg: str) -> None:
    pass


def test_train_is_deterministic(corpus, rules_engine, stop_hashes, tmp_path):
    a = train(rules_engine, stop_hashes, [corpus], tmp_path / "a.npz", seed=3, log=_quiet)
    b = train(rules_engine, stop_hashes, [corpus], tmp_path / "b.npz", seed=3, log=_quiet)
    for name in ("dense_coef", "hash_coef", "dense_mean"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("features", "thresholds", "leaves"):
        assert np.array_equal(getattr(a.context, name), getattr(b.context, name)), name
    assert a.first_intercept == b.first_intercept and a.context.base == b.context.base
    assert a.card == b.card
    assert a.card["pages"] == 24  # split train only: every fifth page is dev and never read
    assert a.card["rules_version"] == rules_engine.rules.version  # the rules whose hits it learned to weigh
    loaded = SegmentModel.load(tmp_path / "a.npz")
    assert loaded.version == f"segment_model_v1@{hashlib.sha256((tmp_path / 'a.npz').read_bytes()).hexdigest()[:12]}"
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()  # byte for byte
    assert np.array_equal(loaded.context.leaves, a.context.leaves)
    assert np.array_equal(loaded.context.thresholds, a.context.thresholds)
    assert a.card["context_trees"] == {"trees": 100, "depth": 6, "learning_rate": 0.1, "min_leaf": 40,
                                      "max_features": 1.0, "l2": 0.0}
    assert np.allclose(loaded.hash_coef, a.hash_coef)


def test_trained_model_separates_prose_from_chaff(corpus, rules_engine, stop_hashes, tmp_path):
    model = train(rules_engine, stop_hashes, [corpus], tmp_path / "m.npz", log=_quiet)
    thresholds = replace(rules_engine.thresholds,  # these pages are short
                         model=replace(rules_engine.thresholds.model, min_segments=1))
    engine = Engine(rules_engine.rules, rules_engine.stop, thresholds, model=model, stop_hashes=stop_hashes)
    page = _page(random.Random(99), 0)
    result = engine.clean(page["views"]["text"])
    assert result.text.split("\n") == page["gold"].split("\n")
    assert any(s.tagger == "segment_model_v1" for s in result.spans)


def test_pages_shorter_than_the_models_range_are_left_to_the_rules(corpus, rules_engine, stop_hashes, tmp_path):
    """Below the gate no segment is judged by context (neither the model nor the heuristic): only rules remove."""
    model = train(rules_engine, stop_hashes, [corpus], tmp_path / "m.npz", log=_quiet)
    page = _page(random.Random(99), 0)["views"]["text"]
    segments = page.count("\n") + 1
    for min_segments, tagger in ((segments + 1, "unjudged_v1"), (segments, "segment_model_v1")):
        model_settings = replace(rules_engine.thresholds.model, min_segments=min_segments)
        thresholds = replace(rules_engine.thresholds, model=model_settings)
        engine = Engine(rules_engine.rules, rules_engine.stop, thresholds, model=model, stop_hashes=stop_hashes)
        spans = engine.clean(page).spans
        taggers = {s.tagger for s in spans}
        assert tagger in taggers, (min_segments, taggers)
        assert ({"quality_v1", "unjudged_v1", "segment_model_v1"} - {tagger}).isdisjoint(taggers)
        if tagger == "unjudged_v1":  # everything not removed by a rule is kept
            assert {s.label for s in spans if s.tagger == "unjudged_v1"} == {"content"}
            assert all(s.tagger in ("phrases_v1", "residue_v1", "block_v1", "section_v1", "segment_v1", "title_v1")
                       for s in spans if s.label != "content"), spans


def test_artifact_is_plain_data_and_checks_its_feature_version(corpus, rules_engine, stop_hashes, tmp_path):
    path = tmp_path / "m.npz"
    model = train(rules_engine, stop_hashes, [corpus], path, log=_quiet)
    with np.load(path, allow_pickle=False) as data:  # would raise if anything needed pickle
        assert data["hash_coef"].dtype == np.float32
    bad = replace(model, card=dict(model.card, feature_version=-1))
    bad.save(tmp_path / "bad.npz")
    with pytest.raises(ModelError, match="feature version"):
        SegmentModel.load(tmp_path / "bad.npz")
    short = replace(model, card=dict(model.card, context_features=model.card["context_features"] - 1))
    short.save(tmp_path / "short.npz")  # same feature version, but context features added since
    with pytest.raises(ModelError, match="context features"):
        SegmentModel.load(tmp_path / "short.npz")
    trees = model.context
    beyond = replace(model, context=TreeEnsemble(np.full_like(trees.features, model.card["context_features"]),
                                                 trees.thresholds, trees.leaves, trees.base))
    beyond.save(tmp_path / "beyond.npz")  # a tree that tests a feature the engine does not compute
    with pytest.raises(ModelError, match="context features"):
        SegmentModel.load(tmp_path / "beyond.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["tree_leaves"] = arrays["tree_leaves"][:, :-1]
    np.savez(tmp_path / "torn.npz", **arrays)
    with pytest.raises(ModelError, match="heap-ordered"):
        SegmentModel.load(tmp_path / "torn.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    with pytest.raises(ModelError):
        SegmentModel.load(tmp_path / "junk.npz")


def test_cli_train_writes_a_loadable_model(corpus, tmp_path):
    out = tmp_path / "cli.npz"
    argv = [sys.executable, "-m", "winnow.cli", "train", str(corpus), "--out", str(out), "--limit", "10"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "stage one, fold 5/5" in proc.stderr  # progress is shown
    assert SegmentModel.load(out).card["pages"] == 10


def test_cli_train_refuses_a_missing_corpus(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "winnow.cli", "train", str(tmp_path / "none.jsonl.gz"),
                           "--out", str(tmp_path / "x.npz")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no such corpus" in proc.stderr


def test_every_page_weighs_the_same_in_training(corpus, rules_engine, stop_hashes):
    """The judge averages pages, so training does too: a long page's segments share the weight a short
    page's segments have, and inside a page a long paragraph still weighs more than a one-word line."""
    from winnow.model.train import PAGE_WEIGHT, _sample_weight, build_examples, read_records

    examples = build_examples(rules_engine, stop_hashes, read_records(corpus)[:6])
    sizes = {len(ex.labels) for ex in examples}
    assert len(sizes) > 1, "the sample should hold pages of different lengths"
    for ex in examples:
        weight = _sample_weight(ex)
        assert weight.sum() == pytest.approx(PAGE_WEIGHT)
        longest, shortest = np.argmax(ex.feats.dense[:, 1]), np.argmin(ex.feats.dense[:, 1])
        assert weight[longest] > weight[shortest]


def test_page_types_can_be_balanced(corpus, rules_engine, stop_hashes):
    """With a balance power, a page of a rare type weighs more than a page of a common one; power 1
    gives each type the same total weight, power 0 leaves every page alike."""
    from winnow.model.train import PAGE_WEIGHT, build_examples, prepare, read_records, type_balance

    records = read_records(corpus)[:8]
    for rec in records[:2]:
        rec["page_type"] = "product"  # 2 product pages beside 6 articles
    examples = build_examples(rules_engine, stop_hashes, records)
    assert {ex.page_type for ex in examples} == {"product", "article"}
    assert type_balance(examples, 0.0) == [1.0] * len(examples)

    def total(data, kind):
        return sum(data.weight[data.bounds[i]:data.bounds[i + 1]].sum()
                   for i, ex in enumerate(examples) if ex.page_type == kind)

    views_per_page = len(examples) / 8
    alike, balanced, halfway = prepare(examples), prepare(examples, 1.0), prepare(examples, 0.5)
    assert total(alike, "product") == pytest.approx(2 * views_per_page * PAGE_WEIGHT)
    assert total(balanced, "product") == pytest.approx(total(balanced, "article"))
    assert total(alike, "product") < total(halfway, "product") < total(balanced, "product")
    assert np.array_equal(alike.y, balanced.y)


@pytest.mark.parametrize(("argv", "weight"), [([], HAND_WEIGHT), (["--hand-weight", "25"], 25.0)])
def test_cli_train_passes_the_hand_weight_to_the_fit(corpus, tmp_path, monkeypatch, argv, weight):
    """`winnow train --hand-weight W` fits the category stage with W (default: the shipped HAND_WEIGHT)."""
    import winnow.model.train as train_module
    from winnow.cli import main

    seen = []

    class Stop(Exception):
        pass

    def fake_fit(examples, seed=0, log=None, hand_weight=None, **kwargs):
        seen.append(hand_weight)
        raise Stop

    monkeypatch.setattr(train_module, "fit", fake_fit)
    with pytest.raises(Stop):
        main(["train", str(corpus), "--out", str(tmp_path / "m.npz"), "--limit", "2", *argv])
    assert seen == [weight]


def test_stage_two_regularisation_defaults_are_sklearns_and_take_effect() -> None:
    """`--max-features` and `--l2` (bench/model_cv.py) reach the trees; their defaults are sklearn's,
    so `winnow train` fits the trees it fitted before they existed."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from winnow.model.train import TreeParams, _fit_trees

    defaults = HistGradientBoostingClassifier()
    assert (TreeParams().max_features, TreeParams().l2) == (defaults.max_features, defaults.l2_regularization)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 6))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=400) > 0).astype(np.int64)
    weight = np.ones(400)
    small = TreeParams(trees=5, depth=3, min_leaf=10)
    base = _fit_trees(x, y, weight, small, seed=0).decision(x)
    np.testing.assert_array_equal(base, _fit_trees(x, y, weight, small, seed=0).decision(x))
    for changed in (replace(small, max_features=0.5), replace(small, l2=10.0)):
        assert not np.array_equal(base, _fit_trees(x, y, weight, changed, seed=0).decision(x))
