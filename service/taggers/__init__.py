"""Taggers: each reads the document and proposes labels, behind one small interface.

A tagger measures; it never decides (the resolver does) and never changes the text or the
segments. It proposes labelled spans, or, when it judges every segment (the content and category
taggers), one verdict per segment as columns (``Verdicts``: no span made per segment). Its proposals
are filed under its ``role``; what it needs of an earlier tagger it names in ``requires`` and reads
from ``doc.proposals`` (the segment model reads the line rules' findings).
One measurement is passed on beside the proposals: the content tagger leaves the segment model's
reading of the page in ``doc.reading``, which the category tagger reads. The engine
builds the list once, in order, and checks that every requirement is met by an earlier tagger.
"""

from __future__ import annotations

from typing import Protocol

from ..document import Document, Span, Verdicts


class Tagger(Protocol):
    name: str  # with version, e.g. "phrases_v1"; it lands on every span the tagger proposes
    role: str  # what its proposals are about: "residue", "lines", "repetition", "title", "content"
    requires: tuple[str, ...]  # roles it reads from doc.proposals

    def tag(self, doc: Document) -> list[Span] | Verdicts: ...
