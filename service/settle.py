"""Make cleaning a fixed point: what the engine returns, it would return unchanged if sent again.

The segment model and the main block read each line in its page. Once the chaff is gone a
line's context is different, and so a second cleaning could remove what the first kept; a line
rule can also match a line only once the residue inside it is gone. Clients re-send text that
was cleaned already (pipelines that store and re-process), so the engine checks its own
answer: it cleans the clean text once more, and anything that pass removes is removed from
the answer too (mapped back to the input's offsets), until a pass removes nothing.

The clean text is the kept input with only whitespace changed (render), so a character of the
clean text is found in the input by counting non-whitespace characters: no offset table is
carried through rendering.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

from .document import Span
from .render import render
from .segment import code_table, codepoints, in_code_table

SETTLE = "settle_v1"
# every code point that str.isspace() accepts: render() only adds, removes or changes these (all lie
# in the Basic Multilingual Plane; code_table would fail at import otherwise)
_SPACE_TABLE = code_table([c for c in range(sys.maxunicode + 1) if chr(c).isspace()])


def _solid(text: str) -> np.ndarray:
    """Positions of the characters that are not whitespace."""
    return np.flatnonzero(~in_code_table(codepoints(text), _SPACE_TABLE))


def _kept_solid(text: str, spans: tuple[Span, ...], keep: frozenset[str]) -> np.ndarray:
    kept = np.zeros(len(text), dtype=bool)
    for span in spans:
        if span.label in keep:
            kept[span.start:span.end] = True
    solid = _solid(text)
    return solid[kept[solid]]


def _relabel(spans: tuple[Span, ...], regions: list[tuple[int, int, Span]], keep: frozenset[str]) -> tuple[Span, ...]:
    """Kept parts of ``spans`` inside each region take the region's decision; the rest is unchanged."""
    out: list[Span] = []
    r = 0
    for span in spans:
        if span.label not in keep:
            out.append(span)
            continue
        pos = span.start
        while r < len(regions) and regions[r][1] <= pos:
            r += 1
        k = r
        while pos < span.end:
            if k < len(regions) and regions[k][0] < span.end:
                start, end, decided = regions[k]
                if pos < start:
                    out.append(Span(pos, start, span.label, span.score, span.tagger, span.rule))
                    pos = start
                cut = min(end, span.end)
                if pos < cut:
                    out.append(Span(pos, cut, decided.label, decided.score, decided.tagger, decided.rule))
                    pos = cut
                if end <= span.end:
                    k += 1
            else:
                out.append(Span(pos, span.end, span.label, span.score, span.tagger, span.rule))
                pos = span.end
    return tuple(out)


def settle(text: str, spans: tuple[Span, ...], keep: frozenset[str],
           clean_pass: Callable[[str], tuple[Span, ...]], passes: int) -> tuple[tuple[Span, ...], str]:
    """Re-clean the clean text up to ``passes`` times, folding what each pass removes into ``spans``.

    Returns the spans and their clean text. Stops as soon as a pass over the clean text removes
    nothing; the answer is then a fixed point of the engine. A pass is skipped when the clean
    text is the input itself.
    """
    clean = render(text, spans, keep)
    for _ in range(passes):
        if clean == text:
            break
        removed = [s for s in clean_pass(clean) if s.label not in keep]
        if not removed:
            break
        clean_solid = _solid(clean)
        regions = []
        for s in removed:
            first, last = np.searchsorted(clean_solid, (s.start, s.end))
            if first < last:
                regions.append((int(first), int(last), s))
        if not regions:
            break
        source = _kept_solid(text, spans, keep)
        if len(source) != len(clean_solid):  # cannot happen (render changes only whitespace); if it
            break  # ever did, the first answer stands rather than a wrong mapping or an error
        spans = _relabel(spans, [(int(source[a]), int(source[b - 1]) + 1, s) for a, b, s in regions], keep)
        clean = render(text, spans, keep)
    return spans, clean
