"""Short lines that occur more than once in a document are page furniture (menus twice, share bars).

Lines are compared as they read (the visible text: "[Share](/a)" and "[Share](/b)" are one line)."""

from __future__ import annotations

import re
from collections import Counter
from itertools import repeat

import numpy as np

from ..document import Document, Span, spans_of

# punctuation and spaces: "Share | Facebook" is "share facebook". A run of them becomes one space;
# a run that is one space already is left alone (most runs, between words: no substitution each)
_FOLD = re.compile(r"[^\w\n ][^\w\n]*| [^\w\n]+")


class RepetitionTagger:
    name = "repetition_v1"
    role = "repetition"
    requires = ("residue",)

    def __init__(self, max_chars: int, score: float) -> None:
        self.max_chars = max_chars
        self.score = score

    def tag(self, doc: Document) -> list[Span]:
        vstarts, vends = doc.visible_bounds
        size = vends - vstarts
        short = np.flatnonzero((size > 0) & (size <= self.max_chars))
        if len(short) < 2:
            return []
        # one lower() and one substitution over the short lines joined, not one per line
        # (a segment never holds a newline: segment.py cuts at every one)
        text = doc.visible.text
        lines = zip(vstarts[short].tolist(), vends[short].tolist(), strict=True)
        joined = "\n".join([text[a:b] for a, b in lines]).lower()
        keys = [k.strip() for k in _FOLD.sub(" ", joined).split("\n")]
        counts = Counter(keys)
        found = [i for i, k in zip(short.tolist(), keys, strict=True) if k and counts[k] > 1]
        starts, ends = (b[found].tolist() for b in doc.bounds[:2])
        return spans_of(starts, ends, repeat("boilerplate"), repeat(self.score), repeat(self.name),
                        repeat("repetition.repeated_line"))
