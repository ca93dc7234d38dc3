"""The headline: the first segment of the document, when it is shaped like one.

A first line that ends in the site's name after a separator ("Headline - WSJ", "Headline |
TheHill", whose cells the segmenter has cut apart) is the page's <title> element, which text
extractors (html-text, innerText of the whole document) put first: page metadata, not something
the page shows. It is labelled title (rule ``title.page_title``, docs/labelling.md) but never
shown (document.shown): the clean text keeps the headline once, where the page shows it.

Where the page shows its headline, the headline is usually the <title> element's text without
the site's name, again, a few lines below the menus: that line is the page's headline
(``title.headline``), labelled title wherever it stands, and kept. The headline may say more than
the <title> line's first cell ("Types of Restaurant Service | Full Guide" above "Types of
Restaurant Service: Explore Dining Styles"): the first headline-shaped line that starts with the
cell's words and leads into text is the headline then. A first line shaped like a headline, with
no site's name, is the title itself (``title.first_line``), kept, even where the page says it
again below (the resolver lets it stand over the repetition tagger's verdict).

The line is read as it stands in a clean answer (the visible text: link syntax cut out), from the
first segment that shows anything."""

from __future__ import annotations

import re

import numpy as np

from ..document import HEADLINE_REPEAT, PAGE_TITLE, Document, Span
from ..text import HEADLINE_NOT_END

_WORD = re.compile(r"\w+")
_MARKUP = re.compile(r"[\[\]()!|<>{}]|https?://")
# " - Site Name" at the end: a separator between blanks, then a name of one to four words that
# starts like a name (not a lower-case word: "the bridge - closed since May - reopens ..." is prose)
_FOLD = re.compile(r"[\W_]+")
# segments after the <title> line searched for the headline it repeats: a whole page's text
# (innerText, or HTML rendered whole) may put it below a mega-menu of hundreds of lines (train
# split, text views: 22 more of the h1 lines the markup names are labelled title than with 150)
HEADLINE_WINDOW = 500
MIN_HEADLINE_CHARS = 8  # a shorter repeat ("News") is a menu item as likely as a headline
MIN_HEADLINE_SHARE = 0.15  # of the <title> line's letters and digits
AFTER_HEADLINE = 3  # segments after a repeat searched for the text a headline leads into
TEXT_AFTER_CHARS = 60  # a segment this long is text, not another menu item
# a shorter headline said again ("Smart Thermostats", "Ansible playbooks") is the page's name in a
# menu, navigation (hand-labelled train pages: 14 of 16 such repeats); a headline's words are more
REPEAT_MIN_WORDS = 5
# a headline that says more than the <title> line's first cell: the cell has this many words or more
# (a shorter one, "Marathon Training", begins menu items as well), and the headline at most this many characters
LONGER_MIN_WORDS = 3
LONGER_MAX_CHARS = 200
_SITE_SUFFIX = re.compile(r"\s[-|–—·•]\s+(?=[^\s\W_a-z])[^-|–—·•\s]+(?:\s[^-|–—·•\s]+){0,3}$")



def _folded(text: str) -> str:
    """Letters and digits alike, case folded: words joined by single blanks."""
    return _FOLD.sub(" ", text).strip().casefold()


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
        if len(piece) > self.max_chars or len(_WORD.findall(piece)) > self.max_words:
            return []
        ends_like_prose = piece.rstrip()[-1:] in HEADLINE_NOT_END
        # the <title> element: the headline and the site's name, after a separator or in a cell of its own
        # a Markdown heading is a headline the page shows: renderers never make the <title> one
        heading = doc.text[seg.start:seg.end].lstrip().startswith("#")
        in_cells = not heading and len(doc.segments) > first + 1 and doc.segments[first + 1].line == seg.line
        site = None if heading else _SITE_SUFFIX.search(piece)
        repeat = None
        if (site or in_cells) and not ends_like_prose:
            repeat = self._repeat(doc, first, piece, vstarts, vends)
            if repeat is None and in_cells:
                repeat = self._longer(doc, first, _folded(piece), vstarts, vends)
        if repeat is not None:
            shown = doc.segments[repeat]
            headline = Span(shown.start, shown.end, "title", self.score, self.name, "title.headline")
            return [*self._page_title(doc, first), headline, *self._again(doc, repeat, first, vstarts, vends)]
        if len(_WORD.findall(piece)) < self.min_words:
            return []
        headline = piece[:site.start()] if site else piece
        if ends_like_prose or _MARKUP.search(headline):
            return []
        # no repeat: a <title> line stands above the page's menus; a line shaped like one that
        # leads straight into text (a clean answer sent again) is the headline. Its repeats are
        # not looked for: with no <title> line to tell, the first line may be a contents list's
        # item whose section heading follows, and a clean answer sent again must come back whole
        # (docs/architecture.md, "Cleaning clean text": with them, 2.0% of the clean train views
        # lost a line again, 0.76% without; hand-labelled dev lines, title F1 0.755 against 0.737)
        if (site or in_cells) and not self._leads_into_text(doc, first, vstarts, vends):
            return self._page_title(doc, first)
        return [Span(seg.start, seg.end, "title", self.score, self.name, "title.first_line")]

    def _again(self, doc: Document, headline: int, first: int, vstarts: list[int], vends: list[int]) -> list[Span]:
        """The segments past the <title> line that read as the headline again, letters and digits
        alike, case folded (a breadcrumb's last item, the page in its own related box): labelled
        title and never shown (``HEADLINE_REPEAT``), for a headline of ``REPEAT_MIN_WORDS`` words
        or more. Only segments of about the headline's length are read."""
        key = _folded(doc.visible.text[vstarts[headline]:vends[headline]])
        if len(key) < MIN_HEADLINE_CHARS or key.count(" ") + 1 < REPEAT_MIN_WORDS:
            return []
        starts, ends = doc.visible_bounds
        size = ends - starts
        near = np.flatnonzero((size >= len(key) // 2) & (size <= 2 * len(key) + 8)).tolist()
        line = doc.segments[first].line
        spans = []
        for i in near:
            seg = doc.segments[i]
            if i == headline or seg.line == line:
                continue
            if _folded(doc.visible.text[vstarts[i]:vends[i]]) == key:
                spans.append(Span(seg.start, seg.end, "title", self.score, self.name, HEADLINE_REPEAT))
        return spans

    @staticmethod
    def _leads_into_text(doc: Document, first: int, vstarts: list[int], vends: list[int]) -> bool:
        """Whether the first segment after the first line that shows anything is text (long)."""
        line = doc.segments[first].line
        for j in range(first + 1, len(vstarts)):
            if doc.segments[j].line == line or vends[j] == vstarts[j]:
                continue
            return vends[j] - vstarts[j] >= TEXT_AFTER_CHARS
        return False

    def _page_title(self, doc: Document, first: int) -> list[Span]:
        """The <title> line, every cell of it (the site's name may be a cell of its own)."""
        line = doc.segments[first].line
        cells = []
        for seg in doc.segments[first:]:
            if seg.line != line:
                break
            cells.append(Span(seg.start, seg.end, "title", self.score, self.name, PAGE_TITLE))
        return cells

    @staticmethod
    def _repeat(doc: Document, first: int, piece: str, vstarts: list[int], vends: list[int]) -> int | None:
        """The segment after the <title> line that reads as the line's start, the headline
        without the site's name and section ("Headline - Help - Site Forums": "Headline"), letters
        and digits alike, case folded; within the next ``HEADLINE_WINDOW`` segments."""
        key = _folded(piece)
        shortest = max(MIN_HEADLINE_CHARS, int(MIN_HEADLINE_SHARE * len(key)))
        if len(key) < shortest:
            return None
        visible = doc.visible.text
        end = min(first + 1 + HEADLINE_WINDOW, len(vstarts))
        lead = key.split(" ", 1)[0]  # a repeat starts with the line's first word: a cheap test first
        found = []
        # the segments of the window whose length fits, picked in one whole-array step
        starts, ends = doc.visible_bounds
        size = ends[first + 1:end] - starts[first + 1:end]
        for i in (np.flatnonzero((size >= shortest) & (size <= 2 * len(key) + 8)) + first + 1).tolist():
            if lead not in visible[vstarts[i]:vstarts[i] + len(lead) + 8].casefold():
                continue
            shown = _folded(visible[vstarts[i]:vends[i]])
            if len(shown) >= shortest and key.startswith(shown) and key[len(shown):len(shown) + 1] in ("", " "):
                found.append(i)
        # a menu or breadcrumb may name the page too: the headline is the repeat that text follows
        for i in found:
            if _text_follows(i, vstarts, vends):
                return i
        return found[0] if found else None

    @staticmethod
    def _longer(doc: Document, first: int, key: str, vstarts: list[int], vends: list[int]) -> int | None:
        """The headline that says more than the <title> line's first cell ("Types of Restaurant
        Service | Full Guide" above "Types of Restaurant Service: Explore Dining Styles"): the
        first segment that starts with the cell's words, has more of its own, is shaped like a
        headline and leads into text. Only for a cell of ``LONGER_MIN_WORDS`` words or more; the
        tagger asks only on a line of cells (a lone first line is a whole <title>, which a headline
        shortens)."""
        if key.count(" ") + 1 < LONGER_MIN_WORDS:
            return None
        visible = doc.visible.text
        lead = key + " "
        for i in range(first + 1, min(first + 1 + HEADLINE_WINDOW, len(vstarts))):
            size = vends[i] - vstarts[i]
            if size <= len(lead) or size > LONGER_MAX_CHARS or doc.segments[i].line == doc.segments[first].line:
                continue
            if key.split(" ", 1)[0] not in visible[vstarts[i]:vstarts[i] + len(key) + 8].casefold():  # cheap first
                continue
            shown = visible[vstarts[i]:vends[i]].strip()
            if shown[-1:] in HEADLINE_NOT_END or not _folded(shown).startswith(lead):
                continue
            if _text_follows(i, vstarts, vends):
                return i
        return None


def _text_follows(i: int, vstarts: list[int], vends: list[int]) -> bool:
    """Whether one of the ``AFTER_HEADLINE`` segments after segment i is text (long)."""
    after = range(i + 1, min(i + 1 + AFTER_HEADLINE, len(vstarts)))
    return any(vends[j] - vstarts[j] >= TEXT_AFTER_CHARS for j in after)
