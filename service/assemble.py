"""Turn per-segment decisions into spans that cover the whole input, in order, without overlap.

Every character gets an owner: its segment's decision, the residue span cut out of a
kept segment, or, between segments, a separator (pipes: markup) or the whitespace's
neighbour (whitespace belongs to the span before it). Runs of one owner become spans.
"""

from __future__ import annotations

import numpy as np

from .document import Decision, Document, Span, spans_of
from .resolve import Resolution
from .segment import segment_of_each_char
from .text import blank_at, codepoints

_SEPARATOR = Decision("markup", 0.99, "segment_v1", "segment.cell_separator")
_EMPTY = Decision("boilerplate", 1.0, "segment_v1", "segment.blank")


def assemble(doc: Document, resolution: Resolution) -> tuple[Span, ...]:
    text = doc.text
    if not text:
        return ()
    # what each owner says: (label, score, tagger, rule), a Decision's fields as a plain tuple
    owners: list[tuple] = resolution.decisions.tuples()
    owner = segment_of_each_char(len(text), doc.bounds[0], doc.bounds[1])
    for span in resolution.inline:
        owner[span.start:span.end] = len(owners)
        owners.append(span[2:])
    if not owners:
        return (Span(0, len(text), _EMPTY.label, _EMPTY.score, _EMPTY.tagger, _EMPTY.rule),)

    gap = owner < 0
    if gap.any():
        blank = blank_at(codepoints(text))
        separator = gap & ~blank
        if separator.any():
            owner[separator] = len(owners)
            owners.append(_SEPARATOR)
        # whitespace joins the span before it; leading whitespace the span after it
        positions = np.arange(len(text))
        filled = np.maximum.accumulate(np.where(owner >= 0, positions, -1))
        leading = filled < 0
        owner = np.where(owner >= 0, owner, owner[np.maximum(filled, 0)])
        if leading.any():
            first = int(np.argmax(~leading))
            owner[leading] = owner[first]

    # merge neighbouring owners that say exactly the same thing (what an owner says is its own key);
    # every owner is known by the last position its decision holds, one id per distinct decision
    last = dict(zip(owners, range(len(owners)), strict=True))
    canonical = np.array(list(map(last.__getitem__, owners)), dtype=np.int64)[owner]
    bounds = np.flatnonzero(canonical[1:] != canonical[:-1]) + 1
    starts = np.concatenate(([0], bounds)).tolist()
    ends = np.concatenate((bounds, [len(text)])).tolist()
    labels, scores, taggers, rules = zip(*map(owners.__getitem__, owner[starts].tolist()), strict=True)
    return tuple(spans_of(starts, ends, labels, scores, taggers, rules))
