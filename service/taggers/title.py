"""The headline: the first segment of the document, when it is shaped like one.

A first line that ends in the site's name after a separator ("Headline - WSJ", "Headline |
TheHill", whose cells the segmenter has cut apart) is the page's <title> element, which text
extractors (html-text, innerText of the whole document) put first: page metadata, not something
the page shows. It is labelled boilerplate; the article's own headline, where the page shows it,
is judged where it stands.

The line is read as it stands in a clean answer (the visible text: link syntax cut out), from the
first segment that shows anything."""

from __future__ import annotations

import re

from ..document import Document, Span
from ..text import HEADLINE_NOT_END

_WORD = re.compile(r"\w+")
_MARKUP = re.compile(r"[\[\]()!|<>{}]|https?://")
# " - Site Name" at the end: a separator between blanks, then a name of one to four words that
# starts like a name (not a lower-case word: "the bridge - closed since May - reopens ..." is prose)
_SITE_SUFFIX = re.compile(r"\s[-|–—·•]\s+(?=[^\s\W_a-z])[^-|–—·•\s]+(?:\s[^-|–—·•\s]+){0,3}$")


class TitleTagger:
    name = "title_v1"
    role = "title"
    requires = ("residue",)

    def __init__(self, max_chars: int, min_words: int, max_words: int, score: float) -> None:
        self.max_chars = max_chars
        self.min_words = min_words
        self.max_words = max_words
        self.score = score

    def tag(self, doc: Document) -> list[Span]:
        vstarts, vends = (b.tolist() for b in doc.visible_bounds)
        first = next((i for i, (a, b) in enumerate(zip(vstarts, vends, strict=True)) if b > a), None)
        if first is None:
            return []
        seg = doc.segments[first]
        piece = doc.visible.text[vstarts[first]:vends[first]].lstrip("# ")
        if len(piece) > self.max_chars or not self.min_words <= len(_WORD.findall(piece)) <= self.max_words:
            return []
        site = _SITE_SUFFIX.search(piece)
        headline = piece[:site.start()] if site else piece
        # "Headline | Site": the segmenter has cut the line into cells already
        in_cells = len(doc.segments) > first + 1 and doc.segments[first + 1].line == seg.line
        if piece.rstrip()[-1:] in HEADLINE_NOT_END or _MARKUP.search(headline):
            return []
        if site or in_cells:
            return [Span(seg.start, seg.end, "boilerplate", self.score, self.name, "title.page_title")]
        return [Span(seg.start, seg.end, "title", self.score, self.name, "title.first_line")]
