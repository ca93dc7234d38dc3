"""The headline: the first segment of the document, when it is shaped like one."""

from __future__ import annotations

import re

from ..document import Document, Span

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?:;,]\s*$")
_MARKUP = re.compile(r"[\[\]()!|<>{}]|https?://")


class TitleTagger:
    name = "title_v1"

    def __init__(self, max_chars: int, min_words: int, max_words: int, score: float) -> None:
        self.max_chars = max_chars
        self.min_words = min_words
        self.max_words = max_words
        self.score = score

    def tag(self, doc: Document) -> list[Span]:
        if not doc.segments:
            return []
        seg = doc.segments[0]
        piece = doc.text[seg.start:seg.end].lstrip("# ")
        words = len(_WORD.findall(piece))
        if (
            len(piece) > self.max_chars
            or not self.min_words <= words <= self.max_words
            or _SENTENCE_END.search(piece)
            or _MARKUP.search(piece)
        ):
            return []
        return [Span(seg.start, seg.end, "title", self.score, self.name, "title.first_line")]
