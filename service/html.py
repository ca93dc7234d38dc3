"""HTML input -> the text the engine cleans (returned to the client as ``input_text``).

readability-lxml picks the main content; beautifulsoup4 renders it as text, one line per
block element, with the page's short title as the first line. When readability finds
almost nothing, the whole body is rendered instead and the engine does all the work.
The service never fetches anything a page refers to.
"""

from __future__ import annotations

import logging
import re
import threading

from bs4 import BeautifulSoup, NavigableString, Tag
from readability import Document as ReadabilityDocument

log = logging.getLogger("winnow")
# readability-lxml parses every page with one module-global lxml parser, and an lxml parser
# must not be used by two threads at once (seen: workers killed by SIGSEGV under gthread).
_READABILITY_LOCK = threading.Lock()

BLOCKS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody tfoot thead "
    "tr ul br".split()
)
CELLS = frozenset({"td", "th"})  # a table row is one line, its cells joined by " | " as in scraped text
DROPPED = frozenset("script style noscript template svg iframe object embed canvas head".split())
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
_MIN_MAIN_CHARS = 200
_FLUSH, _PRE_END = object(), object()  # markers on the walk's stack


def render_text(markup: str) -> str:
    """Visible text of an HTML fragment: a line per block element, inline whitespace collapsed.

    Inside ``<pre>`` the source's line breaks are kept as lines.
    """
    soup = BeautifulSoup(markup, "lxml")
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        for raw in "".join(current).split("\n"):
            line = _SPACES.sub(" ", raw).strip()
            if line:
                lines.append(line)
        current.clear()

    # an explicit stack, not recursion: deeply nested pages must not hit the recursion limit
    stack: list[object] = [soup]
    in_pre = 0
    while stack:
        item = stack.pop()
        if item is _FLUSH:
            flush()
        elif item is _PRE_END:
            in_pre -= 1
        elif isinstance(item, NavigableString):
            if type(item) is NavigableString:  # not comments, CDATA, doctypes
                current.append(str(item) if in_pre else str(item).replace("\n", " "))
        elif isinstance(item, Tag) and item.name not in DROPPED:
            if item.name in CELLS and any(piece.strip() for piece in current):
                current.append(" | ")  # between cells: `current` is short, flushed at every row
            block = item.name in BLOCKS
            if block:
                stack.append(_FLUSH)
            if item.name == "pre":
                in_pre += 1
                stack.append(_PRE_END)
            stack.extend(reversed(item.contents))
            if block:
                stack.append(_FLUSH)
    flush()
    return "\n".join(lines)


def html_to_text(html: str) -> str:
    """The text of the page's main content, headline first; "" if the page has no text at all.

    Never raises on odd markup (empty, script-only, binary junk, deep nesting): a page
    without text gives "", and the API answers 200 with empty ``text`` and ``input_text``
    rather than an error, as it does for empty raw text; "nothing to keep" is an answer.
    """
    if not html.strip():
        return ""
    title, main = "", ""
    try:
        with _READABILITY_LOCK:
            doc = ReadabilityDocument(html)
            title = _SPACES.sub(" ", (doc.short_title() or "").replace("\n", " ")).strip()  # one line
            summary = doc.summary(html_partial=True)
        main = render_text(summary)
    except Exception as exc:  # readability raises many kinds on odd pages; the fallback covers them
        log.info("readability failed (%s); rendering the whole page", type(exc).__name__)
    if len(main) < _MIN_MAIN_CHARS:
        try:
            main = render_text(html)
        except Exception as exc:  # never fail a request on unparsable markup
            log.info("page could not be rendered (%s)", type(exc).__name__)
            main = ""
    if title and main.split("\n", 1)[0] != title:
        return f"{title}\n{main}" if main else title
    return main
