import numpy as np

from winnow.blocks import MAX_MORE_BLOCKS, main_block, more_blocks
from winnow.document import Decision, Document, PageHints, Span, Verdicts
from winnow.resolve import Policy, Proposals, _main_block, _smooth, resolve
from winnow.segment import split_segments


def test_resolve_main_block_is_the_max_weighted_run() -> None:
    lengths = np.array([10, 100, 10, 100, 500, 10], dtype=float)
    weights = np.array([-0.5, 1.0, -0.5, 1.0, -0.5, 1.0])
    assert _main_block(lengths, weights) == (1, 4)
    assert _main_block(lengths, -np.ones(6)) == (0, 0)


def test_resolve_smoothing_keeps_short_lines_between_prose() -> None:
    classes = ["good", "short", "good", "short", "bad", "short"]
    assert _smooth(classes, 0, 6) == [True, True, True, False, False, False]


def _proposals(doc: Document, classes: list[str], rules: list[Span] = (), openers=frozenset()) -> Proposals:
    quality = Verdicts.of([Decision("content" if c in ("good", "neargood") else "boilerplate", 0.5, "q", f"quality.{c}")
                           for _, c in zip(doc.segments, classes, strict=True)])
    return Proposals(rules=list(rules), residue=[], quality=quality, repetition=[], title=[],
                     block_openers=openers)


def test_resolve_block_opener_runs_until_prose_resumes() -> None:
    text = "Subscribe to read:\nor\n$1 a week\nA long sentence of prose resumes here and it ends like one.\nMore prose."
    doc = Document(text, split_segments(text))
    s0 = doc.segments[0]
    opener = Span(s0.start, s0.end, "paywall", 0.97, "phrases_v1", "paywall.x")
    decisions = resolve(doc, _proposals(doc, ["short", "short", "short", "good", "good"], [opener],
                                        frozenset({"paywall.x"})), Policy(block_end_min_chars=40)).decisions
    assert [d.label for d in decisions] == ["paywall", "paywall", "paywall", "content", "content"]
    assert decisions[1].tagger == "block_v1" and decisions[1].rule == "paywall.x"


def test_resolve_lines_a_block_took_over_take_a_surer_chaff_label() -> None:
    """"Read more" opens a related block that runs over the menu after it; a line the category stage
    names another kind of chaff surely enough takes that label, the opener keeps its own, and a
    weak guess, a ``boilerplate`` guess or a guess of the same label leaves the block's label."""
    text = "Read more\nHome\nSports\nWeather\nTerms\nA long sentence of prose resumes here and it ends like one."
    doc = Document(text, split_segments(text))
    s0 = doc.segments[0]
    opener = Span(s0.start, s0.end, "related", 0.9, "phrases_v1", "related.section_header")
    guesses = [("navigation", 0.9), ("navigation", 0.8), ("navigation", 0.4), ("boilerplate", 0.9),
               ("related", 0.9), ("content", 0.9)]
    categories = Verdicts.of([Decision(label, score, "m.categories", f"category.{label}")
                              for _, (label, score) in zip(doc.segments, guesses, strict=True)])

    def decide(rename: float) -> list:
        proposals = Proposals(rules=[opener], residue=[], quality=_proposals(doc, ["short"] * 5 + ["good"]).quality,
                              repetition=[], title=[], block_openers=frozenset({"related.section_header"}),
                              categories=categories)
        return resolve(doc, proposals, Policy(block_end_min_chars=40, block_rename_probability=rename)).decisions

    decisions = decide(0.5)
    assert [d.label for d in decisions] == ["related", "navigation", "related", "related", "related", "content"]
    assert decisions[1].tagger == "m.categories" and decisions[1].rule == "related.section_header"
    assert [d.label for d in decide(1.01)] == ["related"] * 5 + ["content"]


def test_resolve_markup_names_lines_a_block_took_over() -> None:
    """On HTML input the markup's evidence (the dom tagger, score 0.9) names a block's line first."""
    text = "Read more\nHome\nA long sentence of prose resumes here and it ends like one."
    doc = Document(text, split_segments(text))
    s0, s1 = doc.segments[0], doc.segments[1]
    opener = Span(s0.start, s0.end, "related", 0.9, "phrases_v1", "related.section_header")
    dom = [Span(s1.start, s1.end, "navigation", 0.9, "dom_v1", "dom.tag:nav")]
    proposals = Proposals(rules=[opener], residue=[], quality=_proposals(doc, ["short", "short", "good"]).quality,
                          repetition=[], title=[], block_openers=frozenset({"related.section_header"}), dom=dom)
    decisions = resolve(doc, proposals, Policy(block_end_min_chars=40)).decisions
    assert [d.label for d in decisions] == ["related", "navigation", "content"]
    assert decisions[1].tagger == "dom_v1"


def test_resolve_short_good_lines_do_not_end_an_offer() -> None:
    """The model may read "or" or a perk bullet as prose; a line that short never ends the offer,
    a long good segment does."""
    text = ("Subscribe to read:\nor\n- Play interactive puzzles\n$1 a week\n"
            "A long paragraph of prose resumes here, judged good by the model all along\nMore prose.")
    doc = Document(text, split_segments(text))
    s0 = doc.segments[0]
    opener = Span(s0.start, s0.end, "paywall", 0.97, "phrases_v1", "paywall.x")
    decisions = resolve(doc, _proposals(doc, ["short", "good", "good", "short", "good", "good"], [opener],
                                        frozenset({"paywall.x"})), Policy(block_end_min_chars=40)).decisions
    assert [d.label for d in decisions] == ["paywall"] * 4 + ["content", "content"]


def test_resolve_content_far_from_the_main_block_is_dropped() -> None:
    text = "\n".join(["x" * 300] + ["menu entry " * 6] * 5 + ["y" * 2000])
    doc = Document(text, split_segments(text))
    classes = ["good", "bad", "bad", "bad", "bad", "bad", "good"]
    decisions = resolve(doc, _proposals(doc, classes), Policy(weight_bad=-5.0)).decisions
    assert decisions[0].rule == "resolve.outside_main_block"
    assert decisions[-1].label == "content"


def test_resolve_without_context_only_rules_remove() -> None:
    """context="none" (a page too short to judge): no main block, no smoothing; a rule still removes."""
    text = "\n".join(["x" * 300] + ["menu entry " * 6] * 5 + ["Subscribe now"])
    doc = Document(text, split_segments(text))
    unjudged = Verdicts.of([Decision("content", 0.5, "unjudged_v1", "unjudged.good") for _ in doc.segments])
    last = doc.segments[-1]
    rule = Span(last.start, last.end, "paywall", 0.9, "phrases_v1", "paywall.x")
    proposals = Proposals(rules=[rule], residue=[], quality=unjudged, repetition=[], title=[],
                          block_openers=frozenset(), context="none")
    decisions = resolve(doc, proposals, Policy(weight_bad=-5.0)).decisions
    assert [d.label for d in decisions] == ["content"] * 6 + ["paywall"]
    # the same page judged by the heuristic loses the menu lines far from the prose
    heuristic = resolve(doc, _proposals(doc, ["good"] + ["bad"] * 5 + ["short"], [rule]), Policy()).decisions
    assert [d.label for d in heuristic][1:6] == ["boilerplate"] * 5


def test_resolve_markdown_input_asks_less_of_the_main_block() -> None:
    """Verdicts of 0.42 (prose lines with links in them) join the main block of Markdown input, not of text."""
    probabilities = (0.9, 0.42, 0.42, 0.42, 0.42, 0.42, 0.6)
    text = "\n".join(["a" * 300] + ["b" * 400] * 5 + ["c" * 100])
    doc = Document(text, split_segments(text))
    verdicts = Verdicts.of([Decision("content" if p >= 0.5 else "boilerplate", max(p, 1 - p), "model",
                                     "model.good" if p >= 0.5 else "model.bad")
                            for _, p in zip(doc.segments, probabilities, strict=True)])

    def rules(markdown: bool) -> list[str]:
        proposals = Proposals(rules=[], residue=[], quality=verdicts, repetition=[], title=[],
                              block_openers=frozenset(), context="model", markdown=markdown)
        policy = Policy(model_block_bias=0.5, model_block_bias_markdown=0.4)
        return [d.rule for d in resolve(doc, proposals, policy).decisions]

    assert rules(markdown=False) == ["model.good"] + ["resolve.outside_main_block"] * 6
    assert rules(markdown=True) == ["model.good"] + ["model.bad"] * 5 + ["model.good"]


def test_resolve_article_opener_cuts_what_the_main_block_took_in_before_it() -> None:
    """Teasers read as prose join the main block; a news dateline says where the story begins."""
    text = "\n".join(["Teaser headline one and its summary " * 8, "Sports", "Teaser headline two and its summary " * 8,
                      "BEIJING (AP) — the story begins here " * 6, "and goes on in a second paragraph " * 6])
    doc = Document(text, split_segments(text))
    probabilities = (0.95, 0.2, 0.95, 0.9, 0.95)
    verdicts = Verdicts.of([Decision("content" if p >= 0.5 else "boilerplate", max(p, 1 - p), "model",
                                     "model.good" if p >= 0.5 else "model.bad")
                            for _, p in zip(doc.segments, probabilities, strict=True)])
    dateline = doc.segments[3]
    rule = Span(dateline.start, dateline.end, "content", 0.9, "phrases_v1", "content.dateline")

    def labels(openers: frozenset[str], context: str = "model") -> list[str]:
        proposals = Proposals(rules=[rule], residue=[], quality=verdicts, repetition=[], title=[],
                              block_openers=frozenset(), article_openers=openers, context=context)
        return [d.label for d in resolve(doc, proposals, Policy()).decisions]

    assert labels(frozenset()) == ["content", "boilerplate", "content", "content", "content"]
    assert labels(frozenset({"content.dateline"})) == ["boilerplate"] * 3 + ["content", "content"]
    # a page too short to judge has no main block: nothing is cut before the dateline
    assert labels(frozenset({"content.dateline"}), context="none") == ["content", "boilerplate"] + ["content"] * 3


def test_resolve_past_a_section_opener_the_model_keeps_only_what_it_is_sure_of() -> None:
    """A forum's replies after "X said:" are its content, an article's comments are not: past a
    comments opener the model's sure verdicts are kept, the rest takes the section's label. Past a
    header of a thread's replies the bar is ``model_section_threshold``; past the header of an
    article's comments, ``model_comment_section_threshold``."""
    text = "\n".join(["The first post of the thread, long enough to be prose. " * 4, "jane said:",
                      "A reply the model is sure of, long enough to be prose too. " * 4,
                      "A reply the model doubts, long enough to be prose as well. " * 4])
    doc = Document(text, split_segments(text))
    probabilities = (0.95, 0.1, 0.9, 0.55)
    verdicts = _model_verdicts(doc, probabilities)
    said = doc.segments[1]

    def labels(policy: Policy, rule: str = "comments.quote_header") -> list[str]:
        opener = Span(said.start, said.end, "comments", 0.9, "phrases_v1", rule)
        proposals = Proposals(rules=[opener], residue=[], quality=verdicts, repetition=[], title=[],
                              block_openers=frozenset(),
                              section_openers=frozenset({"comments.quote_header", "comments.author_says"}),
                              thread_openers=frozenset({"comments.quote_header"}), context="model")
        return [d.label for d in resolve(doc, proposals, policy).decisions]

    assert labels(Policy(model_section_threshold=0.6)) == ["content", "comments", "content", "comments"]
    # nothing past the opener
    assert labels(Policy(model_section_threshold=1.01)) == ["content", "comments", "comments", "comments"]
    # the thread's bar does not apply under an article's comment header, nor the comments' bar to a thread
    # (the article here is shorter than the prose an article's comment header asks before it)
    strict = Policy(model_section_threshold=0.6, model_comment_section_threshold=1.01, comment_section_min_prose=0)
    assert labels(strict) == ["content", "comments", "content", "comments"]
    assert labels(strict, "comments.author_says") == ["content", "comments", "comments", "comments"]
    lenient = Policy(model_section_threshold=1.01, model_comment_section_threshold=0.6, comment_section_min_prose=0)
    assert labels(lenient, "comments.author_says") == ["content", "comments", "content", "comments"]


def test_resolve_an_article_comment_header_opens_the_section_only_after_enough_prose() -> None:
    """"124 Comments" beside the byline links to the comments: before ``comment_section_min_prose``
    characters of prose it opens nothing (the article after it stays), after them it does. A
    thread's header ("name said:") opens its section once any prose stands before it."""
    lead = "The lead paragraph of the story, long enough to read as prose. " * 2
    body = "The body of the story goes on here, long enough to read as prose too. " * 4
    text = "\n".join([lead, "124 Comments", body, body])
    doc = Document(text, split_segments(text))
    verdicts = _model_verdicts(doc, (0.95, 0.1, 0.9, 0.55))
    header = doc.segments[1]

    def labels(rule: str, min_prose: float) -> list[str]:
        opener = Span(header.start, header.end, "comments", 0.9, "phrases_v1", rule)
        proposals = Proposals(rules=[opener], residue=[], quality=verdicts, repetition=[], title=[],
                              block_openers=frozenset(),
                              section_openers=frozenset({"comments.section_header", "comments.quote_header"}),
                              thread_openers=frozenset({"comments.quote_header"}), context="model")
        policy = Policy(model_comment_section_threshold=1.01, comment_section_min_prose=min_prose)
        return [d.label for d in resolve(doc, proposals, policy).decisions]

    assert len(lead) < 1000
    assert labels("comments.section_header", 1000) == ["content", "comments", "content", "content"]
    assert labels("comments.section_header", 0) == ["content", "comments", "comments", "comments"]
    # opened: past it the thread's bar (0.6) keeps the 0.9 line and not the 0.55 one
    assert labels("comments.quote_header", 1000) == ["content", "comments", "content", "comments"]


def _model_verdicts(doc: Document, probabilities: tuple[float, ...], threshold: float = 0.3) -> Verdicts:
    return Verdicts.of([Decision("content" if p >= threshold else "boilerplate", p if p >= threshold else 1 - p,
                                 "model", "model.good" if p >= threshold else "model.bad")
                        for _, p in zip(doc.segments, probabilities, strict=True)])


def test_resolve_a_segment_the_model_is_sure_of_ends_an_opened_block() -> None:
    """"Read more" that expands a product's details opens a related block by rule; the short detail
    lines after it end it when the model is sure they are content (model_block_end), not before."""
    text = "\n".join(["A product description long enough to be prose for the main block here. " * 3,
                      "Read more", "Print length", "320 pages",
                      "More of the description, long enough to be prose again for the block. " * 3])
    doc = Document(text, split_segments(text))
    verdicts = _model_verdicts(doc, (0.95, 0.2, 0.92, 0.93, 0.95))
    header = doc.segments[1]
    opener = Span(header.start, header.end, "related", 0.9, "phrases_v1", "related.section_header")

    def labels(block_end: float) -> list[str]:
        proposals = Proposals(rules=[opener], residue=[], quality=verdicts, repetition=[], title=[],
                              block_openers=frozenset({"related.section_header"}), context="model")
        return [d.label for d in resolve(doc, proposals, Policy(model_block_end=block_end)).decisions]

    assert labels(1.01) == ["content", "related", "related", "related", "content"]
    assert labels(0.9) == ["content", "related", "content", "content", "content"]
    assert labels(0.925) == ["content", "related", "related", "content", "content"]


def test_resolve_more_blocks_keep_a_second_run_of_prose_cut_off_by_chaff() -> None:
    """A thread's later posts, cut off from the first by a long run of chaff, are kept when their
    run gains at least model_more_blocks of what the main block gains; a lone good line is not."""
    text = "\n".join(["First post of a thread, long enough to read as prose to the model. " * 5]
                     + ["An advertisement block with many words in it for sure. " * 4] * 4
                     + ["A later post of the thread, again long enough to be prose. " * 4]
                     + ["Menu item and more menu items here " * 6] * 4 + ["Lone teaser line here " * 2])
    doc = Document(text, split_segments(text))
    verdicts = _model_verdicts(doc, (0.95, 0.05, 0.05, 0.05, 0.05, 0.95, 0.05, 0.05, 0.05, 0.05, 0.7))

    def labels(share: float) -> list[str]:
        proposals = Proposals(rules=[], residue=[], quality=verdicts, repetition=[], title=[],
                              block_openers=frozenset(), context="model")
        return [d.label for d in resolve(doc, proposals, Policy(model_more_blocks=share)).decisions]

    assert labels(0.0) == ["content"] + ["boilerplate"] * 10
    assert labels(0.3) == ["content"] + ["boilerplate"] * 4 + ["content"] + ["boilerplate"] * 5
    assert labels(0.95) == ["content"] + ["boilerplate"] * 10


def test_more_blocks_searches_both_sides_until_no_run_is_worth_enough() -> None:
    gain = np.array([5.0, -20.0, 10.0, -1.0, 50.0, -30.0, 6.0, -30.0, 12.0])
    assert main_block(gain) == (2, 5)
    assert more_blocks(gain, 2, 5, 0.08) == [(0, 1), (6, 7), (8, 9)]  # the main block gains 59
    assert more_blocks(gain, 2, 5, 0.2) == [(8, 9)]
    assert more_blocks(gain, 2, 5, 0.0) == []


def test_more_blocks_takes_a_bounded_number_of_runs() -> None:
    """Alternating prose and chaff of equal weight: every prose line is a run of its own, worth as
    much as the main block; the searches stop at MAX_MORE_BLOCKS, whatever the page's length."""
    gain = np.tile([1.0, -5.0], 50_000)
    lo, hi = main_block(gain)
    found = more_blocks(gain, lo, hi, 0.5)
    assert len(found) == MAX_MORE_BLOCKS and all(gain[a:b].sum() == 1.0 for a, b in found)


def test_resolve_a_removed_line_without_a_letter_or_digit_is_markup_whichever_rule_removed_it() -> None:
    """The guide: a line with no letter or digit is markup ("×" was navigation by a rule). The
    category stage names such a line markup; a kept line and an image placeholder keep their labels."""
    text = "×\n![](a.png)\n★★★\nA long sentence of prose is here and it ends like one.\nHome"
    doc = Document(text, split_segments(text))
    seg = doc.segments
    rules = [Span(seg[0].start, seg[0].end, "navigation", 0.9, "phrases_v1", "navigation.controls")]
    residue = [Span(seg[1].start, seg[1].end, "image", 0.99, "residue_v1", "image.markdown")]
    named = ["markup", "markup", "markup", "related", "navigation"]
    categories = Verdicts.of([Decision(label, 1.0, "m.categories", f"category.{label}")
                              for _, label in zip(seg, named, strict=True)])
    quality = _proposals(doc, ["bad", "bad", "good", "good", "bad"]).quality
    proposals = Proposals(rules=rules, residue=residue, quality=quality, repetition=[], title=[],
                          block_openers=frozenset(), categories=categories)
    decisions = resolve(doc, proposals, Policy()).decisions
    assert [d.label for d in decisions] == ["markup", "image", "content", "content", "navigation"]
    assert decisions[0].rule == "navigation.controls" and decisions[0].tagger == "m.categories"


def test_resolve_a_headline_shaped_first_line_said_again_is_the_title_not_a_repeated_line() -> None:
    """The page's <title> without the site's name comes first, and the page shows it again below
    its menu: the repetition tagger finds the line twice, yet the first line, before the main
    block, is the title (kept); a rule's line stays the rule's."""
    head = "Code Kata: Formatting Compound Strings In ColdFusion"
    prose = "A long sentence of prose resumes here and it ends like one, as an article's do."
    text = "\n".join([head, "Home", head, prose, prose + " Again."])
    doc = Document(text, split_segments(text))
    segs = doc.segments
    repeated = [Span(segs[i].start, segs[i].end, "navigation", 0.7, "repetition_v1", "repetition.repeated_line")
                for i in (0, 2)]
    title = [Span(segs[0].start, segs[0].end, "title", 0.8, "title_v1", "title.first_line")]
    base = _proposals(doc, ["short", "short", "short", "good", "good"])

    def decide(rules=(), title=title) -> list:
        proposals = Proposals(rules=list(rules), residue=[], quality=base.quality, repetition=repeated, title=title,
                              block_openers=frozenset())
        return resolve(doc, proposals, Policy(block_end_min_chars=40)).decisions

    decisions = decide()
    assert (decisions[0].label, decisions[0].rule) == ("title", "title.first_line")
    assert decisions[2].rule == "repetition.repeated_line" and decisions[2].label != "content"
    assert decide(title=[])[0].rule == "repetition.repeated_line"
    menu = Span(segs[0].start, segs[0].end, "navigation", 0.9, "phrases_v1", "navigation.x")
    assert decide(rules=[menu])[0].rule == "navigation.x"


def test_resolve_html_keeps_what_the_pick_holds_and_the_markup_does_not_name_past_the_main_block() -> None:
    """HTML input: a line past the kept blocks stays when readability's pick holds it, no markup
    names it chaff, and the model gives it at least model_keep_picked (a wiki's references after a
    table); a picked line the markup names (a consent dialog readability took for prose), a line
    outside the pick, and a picked line the model rejects outright go."""
    lines = ["The body of the article, long enough to read as prose to the model for sure. " * 4] \
        + ["A widget of many words that the model holds for chaff without a doubt. " * 3] * 4 \
        + ["^ A reference the pick holds", "Cookie settings the pick holds", "A line outside the pick",
           "A picked line the model rejects"]
    text = "\n".join(lines)
    starts = [sum(len(x) + 1 for x in lines[:k]) for k in range(len(lines))]
    hints = PageHints(tuple(starts), tuple(s + len(x) for s, x in zip(starts, lines, strict=True)),
                      picked=(True, False, False, False, False, True, True, False, True),
                      evidence=(None,) * 6 + (("cookie", "class:consent"), None, None))
    doc = Document(text, split_segments(text), page=hints)
    verdicts = _model_verdicts(doc, (0.95, 0.05, 0.05, 0.05, 0.05, 0.2, 0.2, 0.2, 0.05))

    def kept(bar: float) -> list[bool]:
        proposals = Proposals(rules=[], residue=[], quality=verdicts, repetition=[], title=[],
                              block_openers=frozenset(), context="model")
        return [d.label == "content" for d in resolve(doc, proposals, Policy(model_keep_picked=bar)).decisions]

    assert kept(0.1) == [True, False, False, False, False, True, False, False, False]
    assert kept(0.0) == [True, False, False, False, False, True, False, False, True]
    assert kept(1.01) == [True] + [False] * 8  # off
    raw = Document(text, split_segments(text))  # raw text has no pick: nothing changes
    proposals = Proposals(rules=[], residue=[], quality=_model_verdicts(raw, (0.95, 0.05, 0.05, 0.05, 0.05, 0.2, 0.2,
                                                                             0.2, 0.05)),
                          repetition=[], title=[], block_openers=frozenset(), context="model")
    assert [d.label == "content" for d in resolve(raw, proposals, Policy(model_keep_picked=0.0)).decisions] == \
        [True] + [False] * 8
