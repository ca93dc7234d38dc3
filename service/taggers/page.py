"""The tagger that reads an HTML page's markup (``doc.page``, made by html.py): raw text has none.

``DomTagger``: the category the markup names for each segment's line (a ``nav``, a share bar's
class, ``role=contentinfo``...: model/silver.py's evidence). The resolver names a segment it
removes by this before the category model's guess. (What the markup says of content, readability's
pick and the lines' link share among it, the segment model reads itself: model/features.py.)
"""

from __future__ import annotations

from ..document import Document, Span


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
