"""Decide one label per segment from the taggers' proposals, as a few pure passes.

1. base: a line rule beats residue, residue beats the quality heuristic;
2. blocks: a rule that opens a block (a paywall offer) covers what follows until prose resumes;
3. smoothing: short and near-good segments take their neighbours' verdict (jusText);
4. main block: content far from the article's main body is dropped (max-sum run);
5. title: the headline is kept when nothing else claimed it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from .blocks import block_gain, main_block, more_blocks
from .document import HEADLINE_REPEAT, NOT_SHOWN, Document, Span, Verdicts
from .text import SENTENCE_END

RESOLVER = "resolver_v1"
HEADLINE = "title.headline"  # the title tagger's rule for the headline a page shows below its menus
CONTENT_CLASSES = ("good", "neargood")
UNRENAMED_BLOCKS = ("content", "title", "paywall")  # a block of these keeps its label throughout
FIXED_CLASSES = ("rule", "repeated", "residue")  # decided before context: smoothing leaves them alone
_SENTENCE_END = frozenset(SENTENCE_END)
# which judge the content tagger's verdicts come from, told by their rule ids ("model.good")
CONTEXT_OF_JUDGE = {"model": "model", "quality": "heuristic", "unjudged": "none"}


@dataclass(frozen=True)
class Policy:
    block_end_min_chars: int = 80
    residue_cover: float = 0.9
    # weight per character of each class when choosing the main block
    weight_good: float = 1.0
    weight_neargood: float = 0.3
    weight_short: float = -0.5
    weight_bad: float = -0.5
    weight_residue: float = 0.0
    penalty_cap_chars: int = 100  # a long link or image line costs no more than this many characters
    # with the learned model: the main block maximises (probability - bias) x min(length, cap)
    model_block_bias: float = 0.5
    # Markdown input: a kept line with links in it reads less like prose to the model, so the main
    # block asks for less (chosen by cross-validation on train, bench/model_cv.py)
    model_block_bias_markdown: float = 0.3
    model_block_cap_chars: int = 400
    # with the model: past a section opener that may head a thread's replies ("name said:"), a
    # segment is kept from this probability of content (above 1: nothing past the opener is kept)
    model_section_threshold: float = 0.6
    # the same past the header of comments under an article ("12 thoughts on", "name says:")
    model_comment_section_threshold: float = 1.01
    # such a header opens the section only once this many characters of prose stand before it in
    # the main block ("124 Comments" beside the byline links to the comments)
    comment_section_min_prose: float = 500.0
    # with the model: an opened block (a related list, an offer) also ends at a segment the model
    # holds content with this probability, however short ("Read more" that expands a product's
    # details is no list header to the model); above 1: only long prose ends a block
    model_block_end: float = 0.8
    # with the model: runs outside the main block with at least this share of its gain are kept
    # too (0: one block)
    model_more_blocks: float = 0.2
    # with the model, HTML input: a segment outside the kept blocks is kept too when readability's
    # pick holds it, its markup names no chaff, and the model holds it content with at least this
    # probability (above 1: never)
    model_keep_picked: float = 0.1
    # a line an opened block took over is named by the markup or the category stage instead of
    # the opener when they name another kind of chaff with this probability (above 1: never)
    block_rename_probability: float = 0.5

    def weights(self) -> dict[str, float]:
        return {"good": self.weight_good, "neargood": self.weight_neargood, "short": self.weight_short,
                "bad": self.weight_bad, "rule": self.weight_bad, "repeated": self.weight_bad,
                "residue": self.weight_residue}


@dataclass(frozen=True)
class Proposals:
    """Every tagger's spans, grouped by what they are about."""

    rules: list[Span]  # segment-aligned, from line rules
    residue: list[Span]  # inline, from residue rules
    quality: Verdicts  # one per segment, in order (the content tagger's), rule = "<tagger>.<class>"
    repetition: list[Span]
    title: list[Span]
    block_openers: frozenset[str]  # ids of rules that open a block
    section_openers: frozenset[str] = frozenset()  # ids of rules that end the article
    article_openers: frozenset[str] = frozenset()  # ids of rules that begin it (a dateline)
    # ids of section openers whose section may be a thread's replies (the rest head an article's comments)
    thread_openers: frozenset[str] = frozenset()
    # what ``quality`` holds: the heuristic's classes (smoothed here), the segment model's verdicts
    # (read in context already), or nothing judged (a page too short for context: only rules remove)
    context: str = "heuristic"
    markdown: bool = False  # the input is Markdown (links written as [text](target))
    # one per segment, in order, or none: the kind of chaff each segment would be (category tagger)
    categories: Verdicts = field(default_factory=Verdicts)
    dom: list[Span] = field(default_factory=list)  # HTML: segments whose markup names a category


    @classmethod
    def of(cls, doc: Document, block_openers: frozenset[str], section_openers: frozenset[str],
           article_openers: frozenset[str], thread_openers: frozenset[str] = frozenset()) -> Proposals:
        """The document's proposals by role, grouped for the resolver: a line rule that fired on a
        sentence cut out of a longer line acts like inline residue."""
        end_of = dict(zip(*(b.tolist() for b in doc.bounds[:2]), strict=True))  # each segment's end, by its start
        rules, sentences = [], []
        for span in doc.proposals.get("lines", []):
            (rules if end_of.get(span.start) == span.end else sentences).append(span)
        residue = doc.proposals.get("residue", [])
        if sentences:
            residue = sorted(residue + sentences, key=lambda s: (s.start, -s.end))
        quality = doc.proposals["content"]
        judge = quality.rules[0].split(".", 1)[0] if quality else "unjudged"
        return cls(rules=rules, residue=residue, quality=quality, repetition=doc.proposals.get("repetition", []),
                   title=doc.proposals.get("title", []), block_openers=block_openers,
                   section_openers=section_openers, article_openers=article_openers, thread_openers=thread_openers,
                   context=CONTEXT_OF_JUDGE[judge], markdown=doc.markdown,
                   categories=doc.proposals.get("category", Verdicts()), dom=doc.proposals.get("dom", []))


@dataclass(frozen=True)
class Resolution:
    decisions: Verdicts  # one per segment
    inline: list[Span]  # residue to cut out of kept segments


def _by_segment(spans: list[Span], index: dict[int, int]) -> dict[int, list[Span]]:
    out: dict[int, list[Span]] = {}
    for span in spans:
        i = index.get(span.start)
        if i is not None:
            out.setdefault(i, []).append(span)
    return out


def _residue_cover(doc: Document, residue: list[Span]) -> tuple[dict[int, dict[str, int]], dict]:
    """Characters of each segment covered by residue, by label (overlaps counted once),
    and the first residue span of each (segment, label), whose rule gets the credit."""
    starts = [s.start for s in doc.segments]
    covered: dict[int, dict[str, int]] = {}
    first: dict[tuple[int, str], Span] = {}
    reach: dict[int, int] = {}
    for span in residue:  # sorted by start
        i = bisect_right(starts, span.start) - 1
        if i < 0 or span.start >= doc.segments[i].end:
            continue
        seg = doc.segments[i]
        start = max(span.start, reach.get(i, seg.start))
        end = min(span.end, seg.end)
        if end > start:
            per_label = covered.setdefault(i, {})
            per_label[span.label] = per_label.get(span.label, 0) + end - start
            first.setdefault((i, span.label), span)
            reach[i] = end
    return covered, first


def _base(doc: Document, p: Proposals, policy: Policy, index: dict[int, int]) -> tuple[Verdicts, list[str]]:
    """Each segment's verdict before context, and its class: a line rule on it (the surest) beats
    the residue that covers it, residue beats the repetition tagger (unless the judge holds the
    segment good prose), and that beats the judge (``p.quality``, the content tagger's verdicts).
    The judge's verdicts are taken whole, then each stronger proposal overwrites its segments,
    weakest first."""
    decisions = p.quality.copy()  # the judge's own stay as they were proposed
    # "model.good" -> "good": a few rules, many segments
    class_of = {rule: rule.split(".", 1)[1] if rule else "bad" for rule in set(decisions.rules)}
    classes = list(map(class_of.__getitem__, decisions.rules))
    for i, spans in _by_segment(p.repetition, index).items():
        if classes[i] != "good":
            decisions.take(i, spans[0])
            classes[i] = "repeated"
    cover, first_residue = _residue_cover(doc, p.residue)
    segments = doc.segments
    for i, per_label in cover.items():
        if sum(per_label.values()) >= policy.residue_cover * (segments[i].end - segments[i].start):
            decisions.take(i, first_residue[(i, max(per_label, key=per_label.__getitem__))])
            classes[i] = "residue"
    for i, spans in _by_segment(p.rules, index).items():
        best = max(spans, key=lambda s: s.score)
        decisions.take(i, best)
        classes[i] = "good" if best.label == "content" else "rule"  # a content rule vouches for prose
    return decisions, classes


def _prose_resumes(doc: Document, i: int, cls: str, policy: Policy, sure: float | None) -> bool:
    """A segment of prose: long enough, and judged good or ending like a sentence. A short line
    never ends an offer, however prose-like it reads alone ("or" between two plans, a perk),
    unless the model (``sure``: its probability of content, None without it) is sure of it."""
    if cls in FIXED_CLASSES:
        return False
    if sure is not None and sure >= policy.model_block_end:
        return True
    seg = doc.segments[i]
    if seg.end - seg.start < policy.block_end_min_chars:
        return False
    return cls in CONTENT_CLASSES or doc.text[seg.end - 1] in _SENTENCE_END


def _extend_blocks(doc: Document, decisions: Verdicts, classes: list[str], openers: frozenset[str],
                   policy: Policy, sure: list[float] | None) -> list[int]:
    """An opened block (paywall offer) covers everything that is not prose until prose resumes.

    A line a rule named only ``boilerplate`` (a date, a byline) is part of the block it stands
    in: the date of a related headline is related. Returns the segments a block took over (not
    the openers)."""
    i, n = 0, len(decisions)
    labels, rules = decisions.labels, decisions.rules
    taken: list[int] = []
    while i < n:
        if rules[i] not in openers:
            i += 1
            continue
        block = (labels[i], decisions.scores[i], "block_v1", rules[i])
        j = i + 1
        while j < n and not _prose_resumes(doc, j, classes[j], policy, sure[j] if sure else None):
            if classes[j] not in ("rule", "residue") or (classes[j] == "rule" and labels[j] == "boilerplate"):
                decisions.set(j, *block)
                classes[j] = "rule"
                taken.append(j)
            j += 1
        i = j
    return taken


def _smooth(classes: list[str], lo: int, hi: int) -> list[bool]:
    """jusText's context pass inside the main block: short segments follow their neighbours.

    Near-good counts as good here: the main block was chosen for its prose.
    """
    n = len(classes)
    solid = ["bad" if c in FIXED_CLASSES else ("good" if c == "neargood" else c) for c in classes]

    def nearest(i: int, step: int) -> str:
        j = i + step
        while lo <= j < hi:
            if solid[j] != "short":
                return solid[j]
            j += step
        return "edge"

    keep = [False] * n
    for i in range(lo, hi):
        c = solid[i]
        if c == "good":
            keep[i] = True
        elif c == "short":
            keep[i] = {nearest(i, -1), nearest(i, 1)} <= {"good", "edge"} and "good" in (
                nearest(i, -1), nearest(i, 1))
    return keep


def _section_start(decisions: Verdicts, classes: list[str], openers: frozenset[str], start: int, end: int,
                   lengths: np.ndarray, threads: frozenset[str] = frozenset(), min_prose: float = 0.0) -> int:
    """Where a section that ends the article (comments) opens, once prose has begun. The header of
    an article's comments (an opener not in ``threads``) opens it only once ``min_prose`` characters
    of prose stand before it: "124 Comments" beside the byline is a link to them, not their head."""
    prose = 0.0
    rules = decisions.rules
    for i in range(start, end):
        if prose and classes[i] == "rule" and rules[i] in openers and (rules[i] in threads or prose >= min_prose):
            return i
        if classes[i] in CONTENT_CLASSES:
            prose += lengths[i]
    return end


def _article_start(decisions: Verdicts, openers: frozenset[str], start: int, end: int) -> int:
    """Where a rule says the story begins (a news dateline), if it does inside the main block: the
    headlines and teasers the block took in before it are not the article."""
    rules = decisions.rules
    return next((i for i in range(start, end) if rules[i] in openers), start)


def _main_block(lengths: np.ndarray, weights: np.ndarray) -> tuple[int, int]:
    """The run of segments with the largest sum of weighted characters (prose +, chaff -)."""
    return main_block(lengths * weights)


def _model_main_block(probability: np.ndarray, lengths: np.ndarray, policy: Policy,
                      markdown: bool) -> tuple[int, int, list[tuple[int, int]]]:
    """The main block by the model's probabilities (likely prose adds, likely chaff subtracts), and
    the other blocks worth keeping beside it."""
    bias = policy.model_block_bias_markdown if markdown else policy.model_block_bias
    gain = block_gain(probability, lengths, bias, policy.model_block_cap_chars)
    start, end = main_block(gain)
    return start, end, more_blocks(gain, start, end, policy.model_more_blocks)


def _name_chaff(decisions: Verdicts, classes: list[str], categories: Verdicts,
                dom: dict[int, Span], in_blocks: list[int], block_rename: float) -> None:
    """What was removed as plain ``boilerplate`` by a judge (model, context, repetition), not by a
    rule that named it, takes the label the page's markup names (HTML input), else the category
    stage's. The rule id still says why it was removed; the tagger names the stage that said what
    it is. A removed line without a letter or digit is ``markup``, whichever rule removed it
    (docs/labelling.md).

    A line an opened block took over (``in_blocks``) keeps the opener's label unless the markup or
    the category stage names another kind of chaff with at least ``block_rename`` probability: a
    "Read more" header opens a related block, but the menu that follows it is navigation. A
    paywall offer is one piece, whatever its lines look like alone ("or", "Log in here", a price):
    its block is never renamed (seed 000: the category stage, fitted with its classes evened out,
    calls an offer's "Read unlimited articles for free today: / or" a newsletter prompt)."""
    labels, taggers = decisions.labels, decisions.taggers
    n = len(labels)
    # what names each segment: its markup, else the category stage's guess (a label of None: nothing)
    names = categories.copy() if categories else Verdicts([None] * n, [0.0] * n, [None] * n, [None] * n)
    for i, span in dom.items():
        names.take(i, span)
    guesses = categories.labels if categories else [None] * n  # the category stage's own
    # a verdict renamed keeps its score and rule: only its label and tagger change
    for i, (label, cls, guess, named) in enumerate(zip(labels, classes, guesses, names.labels, strict=True)):
        if guess == "markup" and cls != "residue" and label not in ("content", "title", "markup", "image"):
            # no letter or digit (the category stage's only certain name): markup, whichever rule
            # removed it; residue named by its own rule (an image placeholder) keeps its name
            labels[i], taggers[i] = "markup", categories.taggers[i]
        elif label == "boilerplate" and cls not in ("rule", "residue"):
            if named is not None and named != "boilerplate":
                labels[i], taggers[i] = named, names.taggers[i]
    for i in in_blocks:
        label, named = labels[i], names.labels[i]
        if (named is not None and names.scores[i] >= block_rename and label not in UNRENAMED_BLOCKS
                and named not in ("boilerplate", "markup", label)):
            labels[i], taggers[i] = named, names.taggers[i]


def _keep_picked(doc: Document, keep: list[bool], classes: list[str], content_p: list[float], bar: float,
                 opened: int, sure: float) -> None:
    """HTML input: keep (in place) the segments the model judged (not a rule's, a repeat's or
    residue) that readability's pick holds and no markup names chaff, when the model holds them
    content with at least ``bar`` probability; past the section the main block opened, as inside
    it, only what the model is sure of. The main block is one run of the page and the blocks kept
    beside it must gain a share of what it gains: a wiki's references, a product's details or a
    post's later paragraphs, split off by a table, a gallery or a widget, fall outside them, while
    readability, judging elements, picks them with the body. Chosen by cross-validation on train
    (rules/settings/thresholds.yaml)."""
    line = doc.page.lines_of(doc.bounds[0])
    unnamed = np.array([e is None for e in doc.page.evidence], dtype=bool)
    picked = (np.asarray(doc.page.picked, dtype=bool) & unnamed)[np.maximum(line, 0)] & (line >= 0)
    for i in np.flatnonzero(picked).tolist():
        if not keep[i] and classes[i] in ("good", "bad") and content_p[i] >= bar \
                and (i < opened or content_p[i] >= sure):
            keep[i] = True


def resolve(doc: Document, p: Proposals, policy: Policy) -> Resolution:
    segments = doc.segments
    if not segments:
        return Resolution(Verdicts(), [])
    starts = doc.bounds[0].tolist()
    index = dict(zip(starts, range(len(starts)), strict=True))  # segment of each start offset
    decisions, classes = _base(doc, p, policy, index)
    judged = p.quality
    # the model's probability of content for each segment (its verdicts say how sure they are)
    content_p = ([score if label == "content" else 1.0 - score
                  for label, score in zip(judged.labels, judged.scores, strict=True)]
                 if p.context == "model" else None)
    in_blocks = _extend_blocks(doc, decisions, classes, p.block_openers, policy,
                               content_p if policy.model_block_end <= 1.0 else None)
    lengths = (doc.bounds[1] - doc.bounds[0]).astype(np.float64)
    others: list[tuple[int, int]] = []  # with the model: blocks kept beside the main one
    if p.context == "model":
        start, end, others = _model_main_block(np.array(content_p), lengths, policy, p.markdown)
    elif p.context == "none":
        start, end = 0, len(segments)
    else:
        weight_of = policy.weights()
        weights = np.array([weight_of[c] for c in classes])
        lengths = np.where(weights < 0, np.minimum(lengths, policy.penalty_cap_chars), lengths)
        start, end = _main_block(lengths, weights)
    if p.article_openers and p.context != "none":
        start = _article_start(decisions, p.article_openers, start, end)
    section = _section_start(decisions, classes, p.section_openers, start, end, lengths, p.thread_openers,
                             policy.comment_section_min_prose)
    if p.context == "model":  # the model has read the context already: no jusText smoothing
        # past a comments opener, only what the model is sure of is kept (a forum's replies after
        # "X said:" are the page's content; an article's comments are not), and under an article's
        # comment header ("12 thoughts on") surer still
        opener = decisions.rules[section] if section < end else None
        sure = (policy.model_section_threshold if opener in p.thread_openers
                else policy.model_comment_section_threshold)
        judge_scores = judged.scores
        keep = [start <= i < end and c == "good" and (i < section or score >= sure)
                for i, (c, score) in enumerate(zip(classes, judge_scores, strict=True))]
        opened = section if section < end else len(segments)  # a section the main block opened
        for a, b in others:  # past a section opener, again only what the model is sure of
            keep[a:b] = [c == "good" and (i < opened or score >= sure)
                         for i, c, score in zip(range(a, b), classes[a:b], judge_scores[a:b], strict=True)]
        if policy.model_keep_picked <= 1.0 and doc.page is not None:
            _keep_picked(doc, keep, classes, content_p, policy.model_keep_picked, opened, sure)
    elif p.context != "heuristic":
        keep = [start <= i < section and c == "good" for i, c in enumerate(classes)]
    else:
        keep = _smooth(classes, start, section)

    labels, scores = decisions.labels, decisions.scores
    for i, cls in enumerate(classes):
        if cls in FIXED_CLASSES:
            continue
        if keep[i]:
            if labels[i] != "content":
                labels[i], scores[i] = "content", 0.6
        elif section <= i < end:  # the opener is a rule's segment: this pass leaves it as it is
            decisions.set(i, labels[section], scores[section], "section_v1", decisions.rules[section])
        elif start <= i < end:
            if labels[i] == "content":
                decisions.set(i, "boilerplate", 0.6, RESOLVER, f"resolve.context_{cls}")
        else:
            decisions.set(i, "boilerplate", 0.6 if labels[i] == "content" else scores[i], RESOLVER,
                          "resolve.outside_main_block")

    for span in p.title:
        i = index.get(span.start)
        # the headline the page shows (the <title> line's repeat) is the headline wherever it
        # stands, and the <title> line and the headline's repeats are title (never shown; a repeat
        # in a rule's list, "Related" or a breadcrumb, too); a first line shaped like a headline
        # is the title only before the main block
        if i is None or classes[i] == "residue" or (classes[i] == "rule" and span.rule != HEADLINE_REPEAT):
            continue
        # (a repeated line too: the <title> line's words are said again by the headline below)
        before_main = classes[i] not in ("rule", "residue") and i < max(start, 1)
        if span.rule == HEADLINE or span.rule in NOT_SHOWN or before_main:
            decisions.take(i, span)

    if p.categories or p.dom:
        _name_chaff(decisions, classes, p.categories, {index[s.start]: s for s in p.dom}, in_blocks,
                    policy.block_rename_probability)
    kept = {i for i, label in enumerate(labels) if label in ("content", "title")}
    inline = []
    for span in p.residue:
        i = bisect_right(starts, span.start) - 1
        if i in kept and span.end <= segments[i].end:
            inline.append(span)
    return Resolution(decisions, inline)
