"""HTML input -> the text the engine cleans (returned to the client as ``input_text``).

readability-lxml picks the main content; beautifulsoup4 renders it as text, one line per
block element, with the page's short title as the first line. When readability finds
almost nothing, the whole body is rendered instead and the engine does all the work.
The service never fetches anything a page refers to.
"""

from __future__ import annotations

import logging
import re

from bs4 import BeautifulSoup, NavigableString, Tag
from readability import Document as ReadabilityDocument

log = logging.getLogger("winnow")

BLOCKS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead "
    "tr ul br".split()
)
DROPPED = frozenset("script style noscript template svg iframe object embed canvas head".split())
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
_MIN_MAIN_CHARS = 200


def render_text(markup: str) -> str:
    """Visible text of an HTML fragment: a line per block element, inline whitespace collapsed."""
    soup = BeautifulSoup(markup, "lxml")
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = _SPACES.sub(" ", "".join(current)).strip()
        if line:
            lines.append(line)
        current.clear()

    def walk(node: Tag) -> None:
        # an explicit stack: deeply nested pages must not hit the recursion limit
        stack: list[object] = [node]
        while stack:
            item = stack.pop()
            if item is flush:
                flush()
                continue
            if isinstance(item, NavigableString):
                if type(item) is NavigableString:  # not comments, CDATA, doctypes
                    current.append(str(item).replace("\n", " "))
                continue
            if not isinstance(item, Tag) or item.name in DROPPED:
                continue
            block = item.name in BLOCKS
            if block:
                stack.append(flush)
            stack.extend(reversed(item.contents))
            if block:
                stack.append(flush)

    walk(soup)
    flush()
    return "\n".join(lines)


def html_to_text(html: str) -> str:
    """The text of the page's main content, headline first; "" if the page has no text at all."""
    if not html.strip():
        return ""
    title, main = "", ""
    try:
        doc = ReadabilityDocument(html)
        title = (doc.short_title() or "").strip()
        main = render_text(doc.summary(html_partial=True))
    except Exception as exc:  # readability raises many kinds on odd pages; the fallback covers them
        log.info("readability failed (%s); rendering the whole page", type(exc).__name__)
    if len(main) < _MIN_MAIN_CHARS:
        try:
            main = render_text(html)
        except Exception as exc:  # never fail a request on unparsable markup
            log.info("page could not be rendered (%s)", type(exc).__name__)
            main = ""
    if title and not main.startswith(title):
        return f"{title}\n{main}" if main else title
    return main
