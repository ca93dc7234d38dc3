"""Short lines that occur more than once in a document are page furniture (menus twice, share bars)."""

from __future__ import annotations

import re
from collections import Counter

from ..document import Document, Span

_NOT_WORD = re.compile(r"\W")


class RepetitionTagger:
    name = "repetition_v1"

    def __init__(self, max_chars: int, score: float) -> None:
        self.max_chars = max_chars
        self.score = score

    def tag(self, doc: Document) -> list[Span]:
        folded = _NOT_WORD.sub(" ", doc.text)  # one pass, same length: offsets still hold
        keys = [
            " ".join(folded[s.start:s.end].lower().split()) if s.end - s.start <= self.max_chars else ""
            for s in doc.segments
        ]
        counts = Counter(k for k in keys if k)
        return [
            Span(s.start, s.end, "boilerplate", self.score, self.name, "repetition.repeated_line")
            for s, k in zip(doc.segments, keys, strict=True)
            if k and counts[k] > 1
        ]
