"""The data types that flow through the engine, in one place.

Offsets are half-open ``[start, end)`` in Unicode code points over the
original input (``Document.text``), which is never modified.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from typing import NamedTuple

import numpy as np

from .text import Visible

LABELS: tuple[str, ...] = (
    "content",
    "title",
    "paywall",
    "ad",
    "image",
    "copyright",
    "navigation",
    "social",
    "newsletter",
    "cookie",
    "related",
    "comments",
    "markup",
    "boilerplate",
)
LABEL_SET = frozenset(LABELS)
LABEL_DESCRIPTIONS: dict[str, str] = {
    "content": "article prose",
    "title": "the article headline",
    "paywall": "subscription offers, price plans, log-in prompts of a paywall",
    "ad": "advertisement markers and sponsored blocks",
    "image": "image placeholders and captions residue such as ![]()",
    "copyright": "copyright and rights-reserved footers",
    "navigation": "menus, breadcrumbs, section lists, skip links",
    "social": "share buttons and follow-us prompts",
    "newsletter": "newsletter and e-mail sign-up prompts",
    "cookie": "cookie and consent notices",
    "related": "related, recommended and most-read article lists",
    "comments": "comment sections and their prompts",
    "markup": "scrape residue: lone pipes, link targets, empty links, table rules",
    "boilerplate": "other page furniture (bylines, dates, widgets) judged not to be prose",
}
KEPT_LABELS_DEFAULT = frozenset({"content", "title"})
# the page's <title> element as text renderers put it first ("Headline | Site"): labelled title,
# like the headline, but never shown, so that the clean text keeps the headline once (the
# headline the page shows, or none where the page shows none)
PAGE_TITLE = "title.page_title"
# the headline shown again further down (a breadcrumb, a related box): labelled title, never
# shown, so the clean text keeps the headline once (docs/labelling.md, convention 1)
HEADLINE_REPEAT = "title.headline_repeat"
NOT_SHOWN = frozenset({PAGE_TITLE, HEADLINE_REPEAT})



class Segment(NamedTuple):
    """A piece of the input the engine labels as a unit: a line, or a cell of a line. A named tuple,
    as Span: a page makes one per line, and a tuple is built in half the time of a frozen dataclass.
    """

    start: int
    end: int
    line: int  # index of the input line the segment lies on


class Span(NamedTuple):
    """A labelled region proposed by a tagger or decided by the resolver.

    ``tagger`` names the tagger with its version (``phrases_v1``); ``rule`` the
    rule id when a rule decided it. Together they answer "why?" from the span alone.
    A named tuple, not a dataclass: a page makes hundreds of spans per pass, and a tuple
    is built in a third of the time of a frozen dataclass.
    """

    start: int
    end: int
    label: str
    score: float
    tagger: str
    rule: str | None = None


def spans_of(starts: Iterable[int], ends: Iterable[int], labels: Iterable[str], scores: Iterable[float],
             taggers: Iterable[str], rules: Iterable[str | None]) -> list[Span]:
    """One Span per row of the columns, made in C: ``tuple.__new__`` over the zipped rows (a named
    tuple's own ``__new__`` is a Python function, and costs half as much again per span). The rows
    end with ``starts``; a column the same in every row may be endless (``itertools.repeat``)."""
    return list(map(tuple.__new__, repeat(Span), zip(starts, ends, labels, scores, taggers, rules, strict=False)))


# the evidence model/silver.py gives a line its markup names for being mostly link text alone
# ("link-density", "link-density+long", "link-density+tag:footer"): not what an element names
LINKS_ONLY = "link-density"


@dataclass(frozen=True)
class PageHints:
    """What an HTML page's markup says about each line of its rendering (html.py, page.py).

    ``starts``/``ends`` are the non-empty lines of the rendered text; ``picked`` whether
    readability-lxml's pick (the page's densest block of prose) holds the line; ``evidence`` the
    category the line's element or its ancestors name (``("navigation", "tag:nav")``), or None;
    ``link_share`` the share of its characters inside ``<a>``; ``structured`` the share of its
    word 4-grams the page's JSON-LD calls its main text, ``reviews`` the share it holds as reviews
    of what the page describes. Raw text input has no hints."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    picked: tuple[bool, ...]
    evidence: tuple[tuple[str, str] | None, ...]
    link_share: tuple[float, ...] = ()  # the share of each line's characters inside links
    # the share of each line's word 4-grams that the page's JSON-LD holds as its main text
    # (structured.py: evidence only, never text)
    structured: tuple[float, ...] = ()
    # the share of each line's word 4-grams that the page's JSON-LD holds as reviews of what the
    # page describes (Product.review: a shop's customer reviews)
    reviews: tuple[float, ...] = ()

    def line_of(self, offset: int) -> int:
        """The line holding ``offset``, or -1."""
        k = bisect_right(self.starts, offset) - 1
        return k if k >= 0 and offset < self.ends[k] else -1

    def lines_of(self, offsets: np.ndarray) -> np.ndarray:
        """``line_of`` for every offset at once (int64, -1 outside every line)."""
        line = np.searchsorted(np.asarray(self.starts, dtype=np.int64), offsets, side="right") - 1
        if not len(self.starts):
            return line
        inside = (line >= 0) & (offsets < np.asarray(self.ends, dtype=np.int64)[np.maximum(line, 0)])
        return np.where(inside, line, -1)


@dataclass
class Document:
    """The input, what the segmenter found in it, and what each tagger proposed, by role.

    The text and segments never change once made. The pipeline runs the taggers in their
    declared order and files each one's proposals under its role in ``proposals``; a tagger reads
    only the roles it declares in ``requires`` (the model reads the line rules' findings)."""

    text: str
    segments: list[Segment] = field(default_factory=list)
    extracted: bool = False  # the text is a page's main content already (options.extracted): no context
    markdown: bool = False  # Markdown input: links written as [text](target)
    page: PageHints | None = None  # HTML input: what the markup says of each line
    # a tagger that judges every segment files its verdicts (Verdicts), the others their spans
    proposals: dict[str, list[Span] | Verdicts] = field(default_factory=dict)
    # what the segment model measured and concluded, for the stages after it (the category stage):
    # set by the content tagger when the model judged the page, else None
    reading: ModelReading | None = None

    @cached_property
    def bounds(self) -> np.ndarray:
        """(3, segments) int64: every segment's start, end and line, for the stages that work on
        whole arrays (made once per document, not once per stage)."""
        segments = self.segments
        return np.array([[s.start for s in segments], [s.end for s in segments], [s.line for s in segments]],
                        dtype=np.int64).reshape(3, len(segments))

    @cached_property
    def visible(self) -> Visible:
        """The text without its inline residue (the ``residue`` role's spans): what a kept line
        reads as in the clean text, and so what rules and line keys are matched against."""
        residue = self.proposals.get("residue")
        if residue is None:
            raise RuntimeError("the visible text needs the residue tagger to run first")
        return Visible.of(self.text, [(s.start, s.end) for s in residue])

    @cached_property
    def visible_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Every segment's start and end in the visible text (equal where a segment is all residue)."""
        return self.visible.position(self.bounds[0]), self.visible.position(self.bounds[1])


@dataclass(frozen=True)
class ModelReading:
    """The segment model's reading of a page: features, rule scores per label, verdicts."""

    features: object  # model.features.SegmentFeatures
    dense_std: np.ndarray  # (segments, dense) standardised as the model's first stage reads them
    rules: np.ndarray  # (segments, labels) the line rules' scores
    first: np.ndarray  # (segments,) log-odds of content from each segment alone (the first stage)
    logit: np.ndarray  # (segments,) log-odds of content, read in context


def shown(span: Span, keep: frozenset[str]) -> bool:
    """Whether the span's text is in the clean text: its label is kept, and it is not the <title>
    line or a repeat of the headline (the places the answer's text and a span's label part:
    ``kept`` in the answer says it)."""
    return span.label in keep and span.rule not in NOT_SHOWN


class Decision(NamedTuple):
    """The resolver's verdict on one segment: its label and the span that decided it (a named
    tuple, as Span)."""

    label: str
    score: float
    tagger: str
    rule: str | None = None


@dataclass(slots=True)
class Verdicts:
    """A verdict on every segment of a document, in order, held as four columns (what a Decision
    holds): what a tagger that judges each segment proposes (the content and category taggers),
    and what the resolver decides, its passes rewriting entries in place. No tuple is made per
    segment and per change; read as a sequence, it gives one Decision per segment."""

    labels: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    taggers: list[str] = field(default_factory=list)
    rules: list[str | None] = field(default_factory=list)

    @classmethod
    def of(cls, decisions: Iterable[Decision]) -> Verdicts:
        columns = list(zip(*decisions, strict=True))
        return cls(*map(list, columns)) if columns else cls()

    def copy(self) -> Verdicts:
        return Verdicts(self.labels.copy(), self.scores.copy(), self.taggers.copy(), self.rules.copy())

    def set(self, i: int, label: str, score: float, tagger: str, rule: str | None) -> None:
        self.labels[i], self.scores[i], self.taggers[i], self.rules[i] = label, score, tagger, rule

    def take(self, i: int, span: Span) -> None:
        """Segment ``i`` takes the span's verdict: its label, score, tagger and rule."""
        _, _, self.labels[i], self.scores[i], self.taggers[i], self.rules[i] = span

    def tuples(self) -> list[tuple[str, float, str, str | None]]:
        """Every segment's verdict as a plain tuple (equal to its Decision, made faster)."""
        return list(zip(self.labels, self.scores, self.taggers, self.rules, strict=True))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> Decision:
        return Decision(self.labels[i], self.scores[i], self.taggers[i], self.rules[i])

    def __iter__(self) -> Iterator[Decision]:
        return map(Decision, self.labels, self.scores, self.taggers, self.rules)


@dataclass(frozen=True, slots=True)
class Result:
    """What the engine returns: the clean text and spans covering the whole input in order."""

    text: str
    spans: tuple[Span, ...]
    paywalled: bool
    chars_in: int
    chars_out: int
    removed_chars_by_label: dict[str, int]
