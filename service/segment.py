"""Split raw text into segments with exact offsets.

A segment is a line with its surrounding blanks trimmed, or, on a line that glues
several things together with pipes (``Home | News | Sport``, Markdown table rows),
each cell between the pipes. Pipes at the start or end of a line stay inside the
segment: they are inline residue that a tagger labels, not a cell boundary.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import islice

import numpy as np

from .document import Segment
from .text import BLANKS as _BLANK
from .text import SENTENCE_BREAK, blank_at, codepoints

# An inner pipe: blanks, one or more pipes, blanks, with text on both sides. A match starts only
# where a run of blanks (or the pipes) starts and never gives back, so a long run of blanks with
# no pipe after it is scanned once, not once per position.
_INNER_PIPE = re.compile(r"(?:(?<![ \t\xa0])[ \t\xa0]*+|(?<=[ \t\xa0]))\|+[ \t\xa0]*+")
# a line with its blanks trimmed: from its first solid character to its last (the greedy run
# gives back only the trailing blanks)
_TRIMMED_LINE = re.compile(f"[^\\n{_BLANK}](?:[^\\n]*[^\\n{_BLANK}])?")


def segment_of_each_char(size: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Index of the segment each of ``size`` characters lies in, -1 between segments (a difference
    array: segments are sorted and do not overlap)."""
    n = len(starts)
    mark = np.zeros(size + 1, dtype=np.int64)
    if n:  # starts are distinct, and so are ends: plain fancy-index updates add each one once
        mark[starts] += np.arange(1, n + 1)
        mark[ends] -= np.arange(1, n + 1)
    return np.cumsum(mark[:-1]) - 1


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    stripped = piece.strip(_BLANK)
    if not stripped:
        return start, start
    lead = len(piece) - len(piece.lstrip(_BLANK))
    return start + lead, start + lead + len(stripped)


def _cells(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The cells of the line ``[start, end)``, which holds a pipe, trimmed, empty ones left out."""
    cursor = start
    for pipe in _INNER_PIPE.finditer(text, start, end):
        if pipe.start() == start or pipe.end() == end:
            continue  # leading or trailing pipe: residue inside the cell
        cell = _trimmed(text, cursor, pipe.start())
        if cell[0] < cell[1]:
            yield cell
        cursor = pipe.end()
    cell = _trimmed(text, cursor, end)
    if cell[0] < cell[1]:
        yield cell


def split_segments(text: str) -> list[Segment]:
    """Segments in input order; whitespace-only lines yield none.

    Lines and their trimmed bounds come from whole-array steps over the code points (the first and
    last solid character of each line, found by bisecting the solid characters' positions); only
    a line that holds a pipe is cut into cells one by one."""
    if not text:
        return []
    codes = codepoints(text)
    solid = np.flatnonzero(~blank_at(codes))
    if not len(solid):
        return []
    newlines = np.flatnonzero(codes == 10)
    line_start = np.concatenate(([0], newlines + 1))
    line_end = np.concatenate((newlines, [len(text)]))
    rank = np.cumsum(line_end > line_start) - 1  # a line's number among the lines that hold a character
    first = np.searchsorted(solid, line_start)
    last = np.searchsorted(solid, line_end) - 1
    held = first <= last  # a solid character between the line's bounds
    starts = solid[first[held]]
    ends = solid[last[held]] + 1
    numbers = rank[held]
    pipes = np.flatnonzero(codes == 124)
    if not len(pipes):
        return list(map(Segment, starts.tolist(), ends.tolist(), numbers.tolist()))
    piped = (np.searchsorted(pipes, ends) - np.searchsorted(pipes, starts)) > 0
    lines = list(map(Segment, starts.tolist(), ends.tolist(), numbers.tolist()))
    segments: list[Segment] = []
    done = 0  # the lines before this one are in ``segments``
    for k in np.flatnonzero(piped).tolist():  # the lines without a pipe go in whole runs
        segments += lines[done:k]
        start, end, line_no = lines[k]
        segments += [Segment(a, b, line_no) for a, b in _cells(text, start, end)]
        done = k + 1
    segments += lines[done:]
    return segments


def more_segments_than(text: str, limit: int) -> bool:
    """Whether ``split_segments(text)`` gives more than ``limit`` segments, found in time bounded by the
    limit (and a count of the text's newlines and pipes), not by the segments of a hostile text."""
    newlines = text.count("\n")
    if newlines + text.count("|") < limit:  # a segment is a line or a cell: one per newline or pipe, + 1
        return False
    # a tighter bound, in whole-array steps: every segment holds a run of solid characters that are
    # not pipes, except the cell a line's leading or trailing pipes make (at most two a line); a
    # line of a million "| " holds no such run and is not walked cell by cell
    if not text:
        return limit < 0
    codes = codepoints(text)
    word = ~blank_at(codes) & (codes != 124)
    runs = int(np.count_nonzero(word[1:] & ~word[:-1])) + int(word[0])
    if runs + 2 * (newlines + 1) <= limit:
        return False
    count = 0
    for m in _TRIMMED_LINE.finditer(text):
        start, end = m.span()
        if "|" not in text[start:end]:
            count += 1
        else:
            count += sum(1 for _ in islice(_cells(text, start, end), limit - count + 1))
        if count > limit:
            return True
    return False


class Sentences:
    """The sentences of a text's segments, for many positions: a long line glues prose and chaff.

    Each segment's sentence breaks are found once and each sentence is trimmed once, so a line with
    thousands of rule hits costs one pass, not one pass per hit (which made 600 KB of "we use cookies"
    on one line take 40 s)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._ends: dict[tuple[int, int], list[int]] = {}
        self._found: dict[tuple[int, int, int], tuple[int, int]] = {}

    def at(self, segment: Segment, position: int) -> tuple[int, int]:
        """The sentence of ``segment`` that contains ``position``, trimmed: from the end of the last
        break ending at or before ``position`` to the end of the first break after it."""
        key = (segment.start, segment.end)
        ends = self._ends.get(key)
        if ends is None:
            ends = self._ends[key] = [m.end() for m in SENTENCE_BREAK.finditer(self.text, segment.start, segment.end)]
        k = bisect_right(ends, position)
        found = self._found.get((*key, k))
        if found is None:
            start = ends[k - 1] if k else segment.start
            end = ends[k] if k < len(ends) else segment.end
            found = self._found[(*key, k)] = _trimmed(self.text, start, end)
        return found


def sentence_at(text: str, segment: Segment, position: int) -> tuple[int, int]:
    """The sentence of ``segment`` that contains ``position`` (one question: ``Sentences`` for many)."""
    return Sentences(text).at(segment, position)
