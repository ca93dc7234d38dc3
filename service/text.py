"""Text predicates shared by the stages, and the visible view of a text: one definition each.

Character classes are kept both as strings (for readers and small checks) and as lookup tables
over the Basic Multilingual Plane, so that a stage tests every character of a page in one numpy
gather instead of a Python loop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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

# Markdown images ``![alt](target)`` and links ``[anchor](target)`` (a link's target may hold one level
# of brackets), on one line. As plain patterns, ``!\[[^\]\n]*\]\([^)\n]*\)`` and
# ``\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)`` are quadratic: Python's re tries every "[" afresh,
# and each try scans to the end of the line when nothing closes it ("![](" or "[" repeated). These
# scanners also match each failed try, and go on past it only where no later match can start (a
# later "[" before the same "]" meets the same fate; so does any image start on a line with no ")"
# after the "]("; a link target that fails may hold links, so a failed link goes on after its "]"),
# and the functions below drop the failures: every character is scanned a bounded number of times,
# and the matches are exactly the plain patterns' (tests/test_linear_patterns.py checks both).
_IMAGE_SCAN = re.compile(r"!\[[^\]\n]*+(?:\]\([^)\n]*+(\))?)?")  # group 1: the closing ")"
_LINK_SCAN = re.compile(r"\[([^\]\n]*+)(?:\]\((?:[^()\n]|\([^()\n]*+\))*+(\)))?")  # 1: anchor, 2: ")"
# an image whose target may hold brackets, as a link's (the silver labels')
_BRACKETED_IMAGE_SCAN = re.compile(r"!\[[^\]\n]*+(?:\]\((?:[^()\n]|\([^()\n]*+\))*+(\)))?")


def markdown_images(text: str) -> Iterator[re.Match]:
    """The images ``![alt](target)`` of ``text``, no bracket in the target: the matches of the first
    plain pattern above, in linear time."""
    for m in _IMAGE_SCAN.finditer(text):
        if m.lastindex:
            yield m


def markdown_links(text: str) -> Iterator[re.Match]:
    """The links ``[anchor](target)`` of ``text`` (group 1: the anchor): the matches of the second plain
    pattern above, in linear time."""
    for m in _LINK_SCAN.finditer(text):
        if m.lastindex == 2:
            yield m


def markdown_bracketed_images(text: str) -> Iterator[re.Match]:
    """The images of ``text`` whose target may hold one level of brackets, as a link's: the matches of
    ``!`` and the second plain pattern above without its group, in linear time."""
    for m in _BRACKETED_IMAGE_SCAN.finditer(text):
        if m.lastindex:
            yield m


def code_table(points: list[int]) -> np.ndarray:
    """A set of Basic Multilingual Plane code points as a lookup table (one gather per test)."""
    table = np.zeros(0x10000, dtype=bool)
    table[points] = True
    return table


def in_code_table(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which code points are in ``table`` (astral ones never are)."""
    return np.take(table, np.minimum(codes, 0xFFFF)) & (codes <= 0xFFFF)


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
