"""Text predicates shared by the stages, and the visible view of a text: one definition each.

Character classes are kept both as strings (for readers and small checks) and as lookup tables
over the Basic Multilingual Plane, so that a stage tests every character of a page in one numpy
gather instead of a Python loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# A line ends like a sentence: terminal punctuation, or a closing quote or bracket after it.
SENTENCE_END = ".!?…\"”’»)"
# The heuristic's wider "ends like a clause" (jusText counts a colon or semicolon as an end too).
CLAUSE_END = SENTENCE_END + ":;]"
# A headline never ends in these (the title tagger).
HEADLINE_NOT_END = ".!?:;,"
# What a bulleted line starts with.
BULLETS = "-*•·–—>+"
# Blanks that trimming removes (a segment never starts or ends with one); newlines cut segments.
BLANKS = " \t\r\f\v\xa0\u2028\u2029\u200b\ufeff"
# A sentence break inside a line: terminal punctuation (and closing quotes or brackets) before blanks.
SENTENCE_BREAK = re.compile(r"[.!?…][\"”’»)\]]*[ \t\xa0]+")


def code_table(points: list[int]) -> np.ndarray:
    """A set of Basic Multilingual Plane code points as a lookup table (one gather per test)."""
    table = np.zeros(0x10000, dtype=bool)
    table[points] = True
    return table


def in_code_table(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which code points are in ``table`` (astral ones never are)."""
    return table[np.minimum(codes, 0xFFFF)] & (codes <= 0xFFFF)


def codepoints(text: str) -> np.ndarray:
    """The text's code points, one uint32 per character (lone surrogates included): offsets hold."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


SENTENCE_END_TABLE = code_table([ord(c) for c in SENTENCE_END])
CLAUSE_END_TABLE = code_table([ord(c) for c in CLAUSE_END])
BULLET_TABLE = code_table([ord(c) for c in BULLETS])
_BLANK_TABLE = code_table([ord(c) for c in BLANKS + "\n"])


def blank_at(codes: np.ndarray) -> np.ndarray:
    """Which code points are blanks or newlines (what trimming removes and segments never hold)."""
    return in_code_table(codes, _BLANK_TABLE)


def ends_like(text: str, ends: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Whether the character before each offset in ``ends`` is in ``table`` (segment ends)."""
    if not len(ends):
        return np.zeros(0, dtype=bool)
    last = np.frombuffer("".join([text[e - 1] for e in ends.tolist()]).encode("utf-32-le", "surrogatepass"),
                         dtype=np.uint32)
    return in_code_table(last, table)


@dataclass(frozen=True)
class Visible:
    """The text as a reader sees it once inline residue (link targets, image syntax, pipes) is cut out:
    what a clean answer holds of each line, and so what a re-sent answer is read as.

    ``text`` is the input with the residue characters deleted; ``source[i]`` is the input offset of
    its character ``i`` (one past the last input offset at ``len(text)``)."""

    text: str
    source: np.ndarray  # int64, len(text) + 1

    @classmethod
    def of(cls, text: str, cut: list[tuple[int, int]]) -> Visible:
        """``text`` without the ``cut`` ranges (sorted by start; they may overlap)."""
        if not cut:
            return cls(text, np.arange(len(text) + 1, dtype=np.int64))
        mark = np.zeros(len(text) + 1, dtype=np.int64)
        bounds = np.array(cut, dtype=np.int64)
        np.add.at(mark, bounds[:, 0], 1)
        np.add.at(mark, bounds[:, 1], -1)
        keep = np.cumsum(mark[:-1]) == 0
        source = np.append(np.flatnonzero(keep), len(text))
        codes = codepoints(text)[keep]
        return cls(codes.tobytes().decode("utf-32-le", "surrogatepass"), source)

    def position(self, offsets: np.ndarray) -> np.ndarray:
        """The visible offset of each input offset (where a cut lies, the next visible character)."""
        return np.searchsorted(self.source, offsets)
