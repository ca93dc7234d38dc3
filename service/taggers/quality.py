"""Segment quality, jusText-style: length, stop-word density and link density.

Each segment gets a class that the resolver smooths with its neighbours:
``good`` (long prose), ``neargood`` (prose-like), ``short`` (too short to tell)
and ``bad`` (link lists, menus, labels). The class travels as the span's rule id
(``quality.good`` ...), the label is ``content`` or ``boilerplate``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..document import Document, Span

# Markdown syntax is measured, not read: links count as link text, images as nothing.
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_WORD = re.compile(r"\w+")
_TERMINAL = re.compile(r"[.!?…:;\"”’»)\]]\W*$")

CLASSES = ("good", "neargood", "short", "bad")


@dataclass(frozen=True)
class QualityThresholds:
    length_low: int = 70
    length_high: int = 200
    stopwords_low: float = 0.30
    stopwords_high: float = 0.32
    max_link_density: float = 0.20
    sentence_stopwords_low: float = 0.15


@dataclass(frozen=True, slots=True)
class SegmentStats:
    chars: int  # visible characters
    words: int
    stopwords: int
    link_chars: int
    terminal: bool  # ends like a sentence

    @property
    def stop_density(self) -> float:
        return self.stopwords / self.words if self.words else 0.0

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0


class StopWords:
    """Per-language stop-word lists; a document is measured against its best-matching language."""

    def __init__(self, lists: dict[str, frozenset[str]]) -> None:
        self.languages = tuple(sorted(lists))
        masks: dict[str, int] = {}
        for bit, lang in enumerate(self.languages):
            for word in lists[lang]:
                masks[word] = masks.get(word, 0) | (1 << bit)
        self._masks = masks

    def language_mask(self, words: list[str]) -> int:
        """The bit of the language whose stop words occur most often among ``words``."""
        counts: Counter[int] = Counter()
        masks = self._masks
        for word in words:
            mask = masks.get(word)
            if mask:
                counts[mask] += 1
        per_language = [0] * len(self.languages)
        for mask, n in counts.items():
            for bit in range(len(self.languages)):
                if mask >> bit & 1:
                    per_language[bit] += n
        if not any(per_language):
            return 0
        return 1 << max(range(len(per_language)), key=per_language.__getitem__)

    def mask(self, word: str) -> int:
        return self._masks.get(word, 0)


def segment_stats(text: str, stop: StopWords, language: int) -> SegmentStats:
    visible = _IMAGE.sub("", text)
    link_chars = 0
    if "](" in visible:
        link_chars = sum(len(m.group(1)) for m in _LINK.finditer(visible))
        visible = _LINK.sub(r"\1", visible)
    words = _WORD.findall(visible.lower())
    stopwords = sum(1 for w in words if stop.mask(w) & language) if language else 0
    return SegmentStats(len(visible.strip()), len(words), stopwords, link_chars,
                        bool(_TERMINAL.search(visible)))


def classify(stats: SegmentStats, t: QualityThresholds, known_language: bool) -> tuple[str, float]:
    """jusText's context-free classification, with a score for the content label.

    Without a stop-word list for the document's language, length and punctuation decide.
    """
    if stats.link_density > t.max_link_density:
        return "bad", 0.1
    if stats.chars < t.length_low:
        return "short", 0.4
    density = stats.stop_density if known_language else t.stopwords_high
    if density >= t.stopwords_high:
        return ("good", 0.9) if stats.chars > t.length_high else ("neargood", 0.7)
    if density >= t.stopwords_low or (stats.terminal and density >= t.sentence_stopwords_low):
        return "neargood", 0.6
    return "bad", 0.2


class QualityTagger:
    name = "quality_v1"

    def __init__(self, stop: StopWords, thresholds: QualityThresholds) -> None:
        self.stop = stop
        self.thresholds = thresholds

    def tag(self, doc: Document) -> list[Span]:
        text = doc.text
        pieces = [text[s.start:s.end] for s in doc.segments]
        language = self.stop.language_mask(_WORD.findall(" ".join(pieces).lower()))
        spans = []
        for seg, piece in zip(doc.segments, pieces, strict=True):
            cls, score = classify(segment_stats(piece, self.stop, language), self.thresholds, bool(language))
            label = "content" if cls in ("good", "neargood") else "boilerplate"
            spans.append(Span(seg.start, seg.end, label, score if label == "content" else 1 - score,
                              self.name, f"quality.{cls}"))
        return spans
