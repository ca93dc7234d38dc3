"""Turn per-segment decisions into spans that cover the whole input, in order, without overlap.

Every character gets an owner: its segment's decision, the residue span cut out of a
kept segment, or, between segments, a separator (pipes: markup) or the whitespace's
neighbour (whitespace belongs to the span before it). Runs of one owner become spans.

The owners are found where they change, not character by character: each segment's start, each
residue span's start and end, and the first character that is not a blank in each gap between
segments (a separator owns the rest of the gap: its blanks follow it). Neighbours that say exactly
the same thing merge into one span.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from .document import Decision, Document, Span, spans_of
from .resolve import Resolution
from .text import BLANKS

_SEPARATOR = Decision("markup", 0.99, "segment_v1", "segment.cell_separator")
_EMPTY = Decision("boilerplate", 1.0, "segment_v1", "segment.blank")
_GAP_BLANKS = BLANKS + "\n"  # what a gap between segments holds, but for separators (text.blank_at)


def _inline_changes(inline: list[Span], first: int, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """(position, owner) wherever residue cut out of kept segments changes the owner: each span
    owns its characters from its start (a span listed later paints over an earlier one), and where
    it ends, what lies under it owns again (an earlier span still open, else the segment), unless
    its segment ends there. ``inline`` is sorted by start, each span inside one segment; span k is
    owner ``first + k``. One pass: every span is opened and closed once."""
    changes: list[tuple[int, int]] = []
    open_spans: list[tuple[int, int]] = []  # (end, owner) of the spans over the position, latest on top
    segment = -1

    def close(until: int) -> None:
        """Close the open spans that end at or before ``until``, in the order they end."""
        while open_spans and open_spans[-1][0] <= until:
            end = open_spans.pop()[0]
            while open_spans and open_spans[-1][0] <= end:  # ended under it already
                open_spans.pop()
            if end < ends[segment]:
                changes.append((end, open_spans[-1][1] if open_spans else segment))

    for k, span in enumerate(inline):
        i = bisect_right(starts, span.start) - 1
        if i != segment:
            if segment >= 0:
                close(ends[segment])  # every span of the segment ends by its end
            segment = i
        close(span.start)
        open_spans.append((span.end, first + k))
        changes.append((span.start, first + k))
    if inline:
        close(ends[segment])
    return changes


def assemble(doc: Document, resolution: Resolution) -> tuple[Span, ...]:
    text = doc.text
    if not text:
        return ()
    # what each owner says: (label, score, tagger, rule), a Decision's fields as a plain tuple
    owners: list[tuple] = resolution.decisions.tuples()
    if not owners:
        return (Span(0, len(text), _EMPTY.label, _EMPTY.score, _EMPTY.tagger, _EMPTY.rule),)
    n = len(owners)
    starts, ends = doc.bounds[0].tolist(), doc.bounds[1].tolist()

    # the gaps: before the first segment, between segments, after the last; where each one's first
    # character that is not a blank stands (its end when it holds none)
    gap_starts, gap_ends = [0, *ends], [*starts, len(text)]
    solid = np.array([b - len(text[a:b].lstrip(_GAP_BLANKS)) for a, b in zip(gap_starts, gap_ends, strict=True)])
    separated = solid < gap_ends
    # the changes of owner in order: a gap's separator, then the segment after it, ...
    at = np.empty(2 * n + 1, dtype=np.int64)
    at[0::2], at[1::2] = solid, starts
    who = np.empty(2 * n + 1, dtype=np.int64)
    who[0::2], who[1::2] = n, np.arange(n)
    keep = np.ones(2 * n + 1, dtype=bool)
    keep[0::2] = separated
    at, who = at[keep], who[keep]
    if separated.any():
        owners.append(_SEPARATOR)
    if resolution.inline:
        changes = np.array(_inline_changes(resolution.inline, len(owners), starts, ends), dtype=np.int64)
        owners += [span[2:] for span in resolution.inline]
        at, who = np.concatenate((at, changes[:, 0])), np.concatenate((who, changes[:, 1]))
        order = np.argsort(at, kind="stable")  # at one position, the residue's change comes last
        at, who = at[order], who[order]
        last = np.append(at[1:] != at[:-1], True)  # of the changes at one position, the last stands
        at, who = at[last], who[last]

    # merge neighbouring owners that say exactly the same thing (what an owner says is its own key);
    # every owner is known by the last position its decision holds, one id per distinct decision
    same = dict(zip(owners, range(len(owners)), strict=True))
    canonical = np.array(list(map(same.__getitem__, owners)), dtype=np.int64)[who]
    runs = np.flatnonzero(np.append(True, canonical[1:] != canonical[:-1]))
    span_starts = at[runs].tolist()
    span_starts[0] = 0  # leading blanks belong to the first owner
    span_ends = [*span_starts[1:], len(text)]
    labels, scores, taggers, rules = zip(*map(owners.__getitem__, who[runs].tolist()), strict=True)
    return tuple(spans_of(span_starts, span_ends, labels, scores, taggers, rules))
