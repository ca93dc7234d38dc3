"""Short lines that occur more than once in a document are page furniture (menus twice, share bars)."""

from __future__ import annotations

import re
from collections import Counter

from ..document import Document, Span

_FOLD = re.compile(r"[^\w\n]+")  # punctuation and spaces: "Share | Facebook" is "share facebook"


class RepetitionTagger:
    name = "repetition_v1"

    def __init__(self, max_chars: int, score: float) -> None:
        self.max_chars = max_chars
        self.score = score

    def tag(self, doc: Document) -> list[Span]:
        short = [s for s in doc.segments if s.end - s.start <= self.max_chars]
        if len(short) < 2:
            return []
        # one lower() and one substitution over the short lines joined, not one per line
        # (a segment never holds a newline: segment.py cuts at every one)
        joined = "\n".join([doc.text[s.start:s.end] for s in short]).lower()
        keys = [k.strip() for k in _FOLD.sub(" ", joined).split("\n")]
        counts = Counter(keys)
        return [
            Span(s.start, s.end, "boilerplate", self.score, self.name, "repetition.repeated_line")
            for s, k in zip(short, keys, strict=True)
            if k and counts[k] > 1
        ]
