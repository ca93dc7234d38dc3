"""Short lines that occur more than once in a document are page furniture (menus twice, share bars).

Lines are compared as they read (the visible text: "[Share](/a)" and "[Share](/b)" are one line)."""

from __future__ import annotations

import re
from collections import Counter

from ..document import Document, Span

_FOLD = re.compile(r"[^\w\n]+")  # punctuation and spaces: "Share | Facebook" is "share facebook"


class RepetitionTagger:
    name = "repetition_v1"
    role = "repetition"
    requires = ("residue",)

    def __init__(self, max_chars: int, score: float) -> None:
        self.max_chars = max_chars
        self.score = score

    def tag(self, doc: Document) -> list[Span]:
        vstarts, vends = (b.tolist() for b in doc.visible_bounds)
        short = [i for i, (a, b) in enumerate(zip(vstarts, vends, strict=True)) if 0 < b - a <= self.max_chars]
        if len(short) < 2:
            return []
        # one lower() and one substitution over the short lines joined, not one per line
        # (a segment never holds a newline: segment.py cuts at every one)
        text = doc.visible.text
        joined = "\n".join([text[vstarts[i]:vends[i]] for i in short]).lower()
        keys = [k.strip() for k in _FOLD.sub(" ", joined).split("\n")]
        counts = Counter(keys)
        segments = doc.segments
        return [
            Span(segments[i].start, segments[i].end, "boilerplate", self.score, self.name, "repetition.repeated_line")
            for i, k in zip(short, keys, strict=True)
            if k and counts[k] > 1
        ]
