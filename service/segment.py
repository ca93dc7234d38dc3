"""Split raw text into segments with exact offsets.

A segment is a line with its surrounding blanks trimmed, or, on a line that glues
several things together with pipes (``Home | News | Sport``, Markdown table rows),
each cell between the pipes. Pipes at the start or end of a line stay inside the
segment: they are inline residue that a tagger labels, not a cell boundary.
"""

from __future__ import annotations

import re

import numpy as np

from .document import Segment
from .text import BLANKS as _BLANK
from .text import SENTENCE_BREAK, codepoints

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


def _line_numbers(text: str, starts: list[int]) -> list[int]:
    """For each offset, the index of its line among the lines that hold any character (blank
    lines of zero length do not count)."""
    newlines = np.flatnonzero(codepoints(text) == 10)
    line_start = np.concatenate(([0], newlines + 1))
    line_end = np.concatenate((newlines, [len(text)]))
    rank = np.cumsum(line_end > line_start) - 1
    return rank[np.searchsorted(newlines, starts)].tolist()


def split_segments(text: str) -> list[Segment]:
    """Segments in input order; whitespace-only lines yield none."""
    bounds = [m.span() for m in _TRIMMED_LINE.finditer(text)]
    if not bounds:
        return []
    line_numbers = _line_numbers(text, [start for start, _ in bounds])
    segments: list[Segment] = []
    for (start, end), line_no in zip(bounds, line_numbers, strict=True):
        if "|" not in text[start:end]:
            segments.append(Segment(start, end, line_no))
            continue
        cursor = start
        for pipe in _INNER_PIPE.finditer(text, start, end):
            if pipe.start() == start or pipe.end() == end:
                continue  # leading or trailing pipe: residue inside the cell
            cell = _trimmed(text, cursor, pipe.start())
            if cell[0] < cell[1]:
                segments.append(Segment(cell[0], cell[1], line_no))
            cursor = pipe.end()
        cell = _trimmed(text, cursor, end)
        if cell[0] < cell[1]:
            segments.append(Segment(cell[0], cell[1], line_no))
    return segments


def sentence_at(text: str, segment: Segment, position: int) -> tuple[int, int]:
    """The sentence of ``segment`` that contains ``position``: where a long line glues prose and chaff."""
    start, end = segment.start, segment.end
    for m in SENTENCE_BREAK.finditer(text, segment.start, segment.end):
        if m.end() <= position:
            start = m.end()
        else:
            end = min(end, m.end())
            break
    return _trimmed(text, start, end)
