"""Taggers: each reads the document and its segments and proposes labelled spans.

A tagger measures; it never decides and never reads another tagger's output.
"""

from __future__ import annotations

from typing import Protocol

from ..document import Document, Span


class Tagger(Protocol):
    name: str  # with version, e.g. "phrases_v1"; it lands on every span the tagger proposes

    def tag(self, doc: Document) -> list[Span]: ...
