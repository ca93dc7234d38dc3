"""Taggers that read an HTML page's markup (``doc.page``, made by html.py): raw text has none.

- ``PickTagger``: the segments inside readability-lxml's pick (the page's densest block of
  prose). The resolver weighs it against the segment model's verdicts (resolve.py).
- ``DomTagger``: the category the markup names for each segment's line (a ``nav``, a share
  bar's class, ``role=contentinfo``...: model/silver.py's evidence). The resolver names a
  segment it removes by this before the category model's guess.
"""

from __future__ import annotations

from ..document import Document, Span


class PickTagger:
    name = "readability_v1"  # resolve.PICK_TAGGER
    role = "pick"
    requires: tuple[str, ...] = ()

    def tag(self, doc: Document) -> list[Span]:
        page = doc.page
        if page is None or not any(page.picked):
            return []
        out = []
        for seg in doc.segments:
            k = page.line_of(seg.start)
            if k >= 0 and page.picked[k]:
                out.append(Span(seg.start, seg.end, "content", 1.0, self.name, "readability.pick"))
        return out


class DomTagger:
    name = "dom_v1"
    role = "dom"
    requires: tuple[str, ...] = ()

    def __init__(self, score: float = 0.9) -> None:
        self.score = score

    def tag(self, doc: Document) -> list[Span]:
        page = doc.page
        if page is None:
            return []
        out = []
        for seg in doc.segments:
            k = page.line_of(seg.start)
            found = page.evidence[k] if k >= 0 else None
            if found is not None:
                label, evidence = found
                out.append(Span(seg.start, seg.end, label, self.score, self.name, f"dom.{evidence}"))
        return out
