"""HTML input -> the text the engine cleans (returned to the client as ``input_text``).

readability-lxml picks the main content; beautifulsoup4 renders it as text, one line per
block element, with the page's short title as the first line. When readability finds
almost nothing, the whole body is rendered instead and the engine does all the work.
The service never fetches anything a page refers to.

A request's ``Deadline`` is checked around readability (which cannot be interrupted: the
budget bounds what comes after it and the wait for its lock; pages too big for it skip it)
and every few thousand nodes of the rendering walk, so a gigantic page gives up instead of
holding its worker thread.
"""

from __future__ import annotations

import html as html_entities
import logging
import re
import threading

from bs4 import BeautifulSoup, NavigableString, Tag
from readability import Document as ReadabilityDocument

from .budget import BudgetExceeded, Deadline, check

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
# Readability cannot be interrupted and runs under the lock below, so a page of half a million
# elements would hold every HTML request of its worker for ~10 s. The largest real page in the
# corpora has ~19,000 tags (1.3 s); pages with more than this are rendered whole, which the
# deadline can stop, with the <title> found by _TITLE, and the engine removes their chaff.
_READABILITY_MAX_TAGS = 50_000
# the <title> of a page readability did not read: searched in the first bytes only (it is in
# the head), with bounded attributes and no tags inside, so the search is linear and short
_TITLE = re.compile(r"<title\b[^<>]{0,200}>([^<]{0,2000})</title", re.IGNORECASE)
_TITLE_SEARCH_CHARS = 256 * 1024
_FLUSH, _PRE_END = object(), object()  # markers on the walk's stack
_CHECK_EVERY = 4096  # walk items between deadline checks: a check costs far less than the items


class _CheckedSoup(BeautifulSoup):
    """BeautifulSoup that checks the deadline every ``_CHECK_EVERY`` tags it opens or closes while lxml
    parses: the parse of an 8 MB page takes 15 s, all of it inside the constructor (and closing
    a million nested tags at the end, seconds). The exception leaves lxml's parser (a new one
    per soup) through its target callback and ends the parse."""

    def __init__(self, markup: str, deadline: Deadline | None) -> None:
        self._deadline = deadline
        self._countdown = _CHECK_EVERY
        super().__init__(markup, "lxml")

    def _tick(self) -> None:
        self._countdown -= 1
        if not self._countdown:
            self._countdown = _CHECK_EVERY
            check(self._deadline, "html parsing")

    def pushTag(self, tag):  # noqa: N802 (BeautifulSoup's names)
        self._tick()
        return super().pushTag(tag)

    def popTag(self):  # noqa: N802
        self._tick()
        return super().popTag()


def render_text(markup: str, deadline: Deadline | None = None) -> str:
    """Visible text of an HTML fragment: a line per block element, inline whitespace collapsed.

    Inside ``<pre>`` the source's line breaks are kept as lines.
    """
    soup = _CheckedSoup(markup, deadline) if deadline is not None else BeautifulSoup(markup, "lxml")
    check(deadline, "html parsing")
    lines: list[str] = []
    current: list[str] = []
    solid = False  # whether a piece of `current` is not blank: known as pieces come, not searched per cell

    def flush() -> None:
        nonlocal solid
        for raw in "".join(current).split("\n"):
            line = _SPACES.sub(" ", raw).strip()
            if line:
                lines.append(line)
        current.clear()
        solid = False

    # an explicit stack, not recursion: deeply nested pages must not hit the recursion limit
    stack: list[object] = [soup]
    in_pre = 0
    countdown = _CHECK_EVERY
    while stack:
        item = stack.pop()
        countdown -= 1
        if not countdown:
            countdown = _CHECK_EVERY
            check(deadline, "html rendering")
        if item is _FLUSH:
            flush()
        elif item is _PRE_END:
            in_pre -= 1
        elif isinstance(item, NavigableString):
            if type(item) is NavigableString:  # not comments, CDATA, doctypes
                piece = str(item) if in_pre else str(item).replace("\n", " ")
                current.append(piece)
                solid = solid or bool(piece.strip())
        elif isinstance(item, Tag) and item.name not in DROPPED:
            # between cells that hold text (a row of 40,000 blank cells once took 25 s: each cell
            # looked through the row's pieces so far); `current` is flushed at every row
            if item.name in CELLS and solid:
                current.append(" | ")
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


def _acquire_readability(deadline: Deadline | None) -> None:
    """Take the parser lock, waiting no longer than the request's budget allows."""
    if deadline is None:
        _READABILITY_LOCK.acquire()
        return
    remaining = deadline.remaining()
    if remaining <= 0 or not _READABILITY_LOCK.acquire(timeout=remaining):
        raise BudgetExceeded("waiting for the html parser", deadline.budget_s)


def html_to_text(html: str, deadline: Deadline | None = None) -> str:
    """The text of the page's main content, headline first; "" if the page has no text at all.

    Never raises on odd markup (empty, script-only, binary junk, deep nesting): a page
    without text gives "", and the API answers 200 with empty ``text`` and ``input_text``
    rather than an error, as it does for empty raw text; "nothing to keep" is an answer.
    The one exception is ``BudgetExceeded``, when ``deadline`` passes.
    """
    if not html.strip():
        return ""
    title, main, summary = "", "", ""
    if html.count("<") <= _READABILITY_MAX_TAGS:
        _acquire_readability(deadline)
        try:
            doc = ReadabilityDocument(html)
            title = _SPACES.sub(" ", (doc.short_title() or "").replace("\n", " ")).strip()  # one line
            summary = doc.summary(html_partial=True)
        except Exception as exc:  # readability raises many kinds on odd pages; the fallback covers them
            log.info("readability failed (%s); rendering the whole page", type(exc).__name__)
        finally:
            _READABILITY_LOCK.release()
        check(deadline, "readability")
    else:
        log.info("page with more than %d tags: rendering it whole, without readability", _READABILITY_MAX_TAGS)
    if not title:  # readability skipped or failed: the headline still comes first
        found = _TITLE.search(html, 0, _TITLE_SEARCH_CHARS)
        if found:
            title = _SPACES.sub(" ", html_entities.unescape(found.group(1)).replace("\n", " ")).strip()
    if summary:
        try:
            main = render_text(summary, deadline)
        except BudgetExceeded:
            raise
        except Exception as exc:  # the fallback below renders the whole page instead
            log.info("readability's summary could not be rendered (%s)", type(exc).__name__)
    if len(main) < _MIN_MAIN_CHARS:
        try:
            main = render_text(html, deadline)
        except BudgetExceeded:
            raise
        except Exception as exc:  # never fail a request on unparsable markup
            log.info("page could not be rendered (%s)", type(exc).__name__)
            main = ""
    if title and main.split("\n", 1)[0] != title:
        return f"{title}\n{main}" if main else title
    return main
