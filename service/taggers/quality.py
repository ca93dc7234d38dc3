"""Segment quality, jusText-style: length, stop-word density and link density.

Each segment gets a class that the resolver smooths with its neighbours:
``good`` (long prose), ``neargood`` (prose-like), ``short`` (too short to tell)
and ``bad`` (link lists, menus, labels). The class travels as the span's rule id
(``quality.good`` ...), the label is ``content`` or ``boilerplate``.

The measurements are made once over the whole document and summed per segment
with numpy, so the cost does not grow with a Python loop per segment or per rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..budget import checked
from ..document import Document, Verdicts
from ..text import CLAUSE_END_TABLE, ends_like, markdown_images, markdown_links

# Markdown syntax is measured, not read: links count as link text, images as nothing (text.py finds
# both in linear time).
_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"\W")

CLASSES = ("good", "neargood", "short", "bad")


@dataclass(frozen=True)
class QualityThresholds:
    length_low: int = 70
    length_high: int = 200
    stopwords_low: float = 0.35
    stopwords_high: float = 0.36
    max_link_density: float = 0.35
    sentence_stopwords_low: float = 0.25


@dataclass(frozen=True)
class SegmentStats:
    """Per-segment measurements, one numpy array each (index = segment index)."""

    chars: np.ndarray  # visible characters (images and link targets removed)
    words: np.ndarray
    stopwords: np.ndarray
    link_chars: np.ndarray
    terminal: np.ndarray  # ends like a sentence


class StopWords:
    """Per-language stop-word lists; a document is measured against its best-matching language."""

    def __init__(self, lists: dict[str, frozenset[str]]) -> None:
        self.languages = tuple(sorted(lists))
        if len(self.languages) > 64:
            raise ValueError("at most 64 stop-word lists")
        masks: dict[str, int] = {}
        for bit, lang in enumerate(self.languages):
            for word in lists[lang]:
                masks[word] = masks.get(word, 0) | (1 << bit)
        self._masks = masks

    def masks(self, words: list[str]) -> np.ndarray:
        """Bit mask of the languages each word is a stop word of."""
        get = self._masks.get
        return np.fromiter((get(w, 0) for w in words), dtype=np.uint64, count=len(words))

    def best_language(self, masks: np.ndarray) -> int:
        """The bit of the language whose stop words occur most often (0 if none does)."""
        if not masks.any():
            return 0
        bits = np.unpackbits(masks.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
        per_language = bits.sum(axis=0)[: len(self.languages)]
        return 1 << int(np.argmax(per_language))


def _segment_index(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Index of the segment each position falls in, or -1 between segments."""
    idx = np.searchsorted(starts, positions, side="right") - 1
    inside = (idx >= 0) & (positions < ends[np.maximum(idx, 0)])
    return np.where(inside, idx, -1)


def _per_segment(index: np.ndarray, values: np.ndarray | None, n: int) -> np.ndarray:
    keep = index >= 0
    weights = None if values is None else values[keep]
    return np.bincount(index[keep], weights=weights, minlength=n)[:n]


def measure(doc: Document, stop: StopWords) -> tuple[SegmentStats, bool]:
    """Measure every segment; also tell whether a stop-word list fits the document."""
    text, segments = doc.text, doc.segments
    n = len(segments)
    starts, ends = doc.bounds[0], doc.bounds[1]
    chars = (ends - starts).astype(np.float64)

    # words: the runs of word characters, found once; their starts come from a mask
    word_mask = np.frombuffer(_NOT_WORD.sub("\0", text).encode("utf-32-le"), dtype=np.uint32) != 0
    word_starts = np.flatnonzero(word_mask & ~np.concatenate(([False], word_mask[:-1])))
    words = _WORD.findall(text.lower())
    if len(words) != len(word_starts):  # lower() changed the word runs (rare scripts): slow path
        words = [w.lower() for w in _WORD.findall(text)]
    word_segment = _segment_index(word_starts, starts, ends)
    masks = stop.masks(words)
    language = stop.best_language(masks[word_segment >= 0]) if len(masks) else 0
    is_stop = (masks & np.uint64(language)) != 0 if language else np.zeros(len(words), dtype=bool)

    # Markdown: images are invisible, link syntax is invisible, anchors are link text
    link_chars = np.zeros(n)
    if "](" in text:
        for matches, group in ((markdown_images, 0), (markdown_links, 1)):
            found = [(m.start(), m.end() - m.start(), len(m.group(1)) if group else 0)
                     for m in checked(matches(text), "tagging")]
            if not found:
                continue
            pos, length, anchor = (np.array(col, dtype=np.int64) for col in zip(*found, strict=True))
            seg = _segment_index(pos, starts, ends)
            chars -= _per_segment(seg, (length - anchor).astype(np.float64), n)
            link_chars += _per_segment(seg, anchor.astype(np.float64), n)

    last = ends_like(text, ends, CLAUSE_END_TABLE)
    return SegmentStats(
        chars=np.maximum(chars, 0),
        words=_per_segment(word_segment, None, n),
        stopwords=_per_segment(word_segment, is_stop.astype(np.float64), n),
        link_chars=link_chars,
        terminal=last,
    ), bool(language)


def link_density(stats: SegmentStats) -> np.ndarray:
    """Share of each segment's visible characters that is link text (0 for an empty segment)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(stats.chars > 0, stats.link_chars / stats.chars, 0.0)


def classify(stats: SegmentStats, t: QualityThresholds, known_language: bool) -> tuple[np.ndarray, np.ndarray]:
    """jusText's context-free classes (as indices into CLASSES) and a content score per segment.

    Without a stop-word list for the document's language, length and punctuation decide.
    """
    links = link_density(stats)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(stats.words > 0, stats.stopwords / stats.words, 0.0)
    if not known_language:
        density = np.full_like(density, t.stopwords_high)
    neargood = (
        (density >= min(t.stopwords_low, t.stopwords_high))
        | (stats.terminal & (density >= t.sentence_stopwords_low))
    )
    good = (density >= t.stopwords_high) & (stats.chars > t.length_high)
    cls = np.select(
        [links > t.max_link_density, stats.chars < t.length_low, good, neargood],
        [3, 2, 0, 1],
        default=3,
    )
    score = np.array([0.9, 0.7, 0.4, 0.2])[cls]
    score = np.where(links > t.max_link_density, 0.1, score)
    return cls, score


class QualityTagger:
    name = "quality_v1"
    role = "content"
    requires = ()

    def __init__(self, stop: StopWords, thresholds: QualityThresholds) -> None:
        self.stop = stop
        self.thresholds = thresholds

    def tag(self, doc: Document) -> Verdicts:
        if not doc.segments:
            return Verdicts()
        stats, known_language = measure(doc, self.stop)
        classes, scores = classify(stats, self.thresholds, known_language)
        classes, scores = classes.tolist(), scores.tolist()
        # classes 0 and 1 (good, neargood) are content, with the class's score; the others are
        # boilerplate, scored by how sure that is
        return Verdicts(["content" if cls <= 1 else "boilerplate" for cls in classes],
                        [score if cls <= 1 else 1 - score for cls, score in zip(classes, scores, strict=True)],
                        [self.name] * len(classes), [f"quality.{CLASSES[cls]}" for cls in classes])
