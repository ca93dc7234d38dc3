"""A whole HTML page rendered as lines, each line with the element it came from.

The layout follows html-text's (the renderer of the corpus's ``text`` view, which the segment
model learned from): a line break around the layout elements (``div``, ``li``, ``tr``...), a
blank line around the paragraph-like ones (``p``, headings, lists, ``blockquote``...), inline
text joined with one space where two elements' texts meet (no space before punctuation), runs
of white space collapsed except inside ``<pre>``. The ``<title>`` is the first line, as in that
view. Scripts, styles, templates and embedded objects show nothing.

Every line records the deepest element that holds all of it (its ``element``) and the share of
its characters inside links. A line's DOM evidence (``dom.evidence``) is read from that element
and its ancestors.

The page is parsed once, by lxml (not interruptible: ``WINNOW_MAX_BODY_BYTES`` bounds it, and
0.3-0.8 s is the worst seen for 8 MB of tags; a page nesting more than 2,048 elements deep is refused
with a 422, as libxml2 would drop what lies deeper). Its nodes are counted in C right after; a page
of more than ``max_nodes`` is refused (422) before the walk, which costs Python work per node. The
walk follows lxml's ``iterwalk`` events (lxml steps through the tree in C; deep pages do not
recurse in Python); every few thousand events it checks the request's deadline and refuses (422)
a page already past ``max_lines`` lines, rather than at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from .budget import Deadline, check
from .errors import InvalidRequest, TooManySegments

NEWLINE = frozenset(
    "article aside br dd details div dt fieldset figcaption footer form header hr legend li main nav "
    "table tr section summary address dialog tbody thead tfoot".split())
DOUBLE_NEWLINE = frozenset("blockquote dl figure h1 h2 h3 h4 h5 h6 ol p pre title ul".split())
_BREAKS = {**dict.fromkeys(NEWLINE, 1), **dict.fromkeys(DOUBLE_NEWLINE, 2)}  # line breaks around each
# elements whose contents no reader sees (html-text's cleaner removes them; their tails stay)
DROPPED = frozenset("script style link meta object embed applet param iframe frame frameset".split())
_SPACES = re.compile(r"\s+")
_NO_SPACE_BEFORE = frozenset(',:;.!?")')  # where two elements' texts meet, no space before these
_NO_SPACE_AFTER = frozenset("(")  # nor after this
_CHECK_EVERY = 4096  # walk events between deadline checks
# libxml2 keeps elements nested up to 2,048 deep with huge_tree (256 without) and drops what lies
# deeper; no real page nests so deep, so such a page is refused (422) rather than cut short
MAX_DEPTH = 2048


@dataclass
class Page:
    """A rendered page: ``text`` with a line per ``lines`` entry (blank lines between some)."""

    text: str = ""
    starts: list[int] = field(default_factory=list)  # each non-empty line's start in ``text``
    ends: list[int] = field(default_factory=list)
    elements: list = field(default_factory=list)  # each line's element (lxml), or None
    link_share: list[float] = field(default_factory=list)
    title: str = ""  # the <title>, one line
    title_line: int = -1  # which line is the <title> (0 when present)
    chars: int = 0  # characters of all the page's text
    sizes: dict = field(default_factory=dict)  # element -> characters of text inside it
    root: object | None = None

    def text_size(self, element) -> int:
        return self.sizes.get(element, 0)


class TooDeep(InvalidRequest):
    """The page nests elements deeper than the parser keeps: refused, not silently cut short."""


class TooManyNodes(InvalidRequest):
    """The page has more nodes than the rendering may walk (``max_nodes``)."""


# every node the rendering walks: elements, comments and processing instructions (text is theirs)
_NODES = etree.XPath("count(//*|//comment()|//processing-instruction())")


def count_nodes(root) -> int:
    """The nodes under ``root`` (itself included) that ``render_element`` walks, counted in C."""
    return int(_NODES(root))


# lxml.html's classes for every node, chosen in C: lxml.html's own lookup calls Python for each
# element the code touches (to give form elements their own classes, which nothing here uses)
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity)


def parse(html: str, max_nodes: int | None = None):
    """The page's root element, or None when there is nothing to parse.

    Raises TooDeep for a page nesting elements more than ``MAX_DEPTH`` deep: libxml2 would drop
    what lies deeper, and an answer must never be a silently truncated one. Raises TooManyNodes
    for a page of more than ``max_nodes`` nodes (None: no limit)."""
    data = html.encode("utf-8", "surrogatepass")
    if not data.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)  # one per page: not shared by threads
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        root = None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise TooDeep(f"the page nests elements more than {MAX_DEPTH} deep, which the HTML parser cannot "
                      "keep; send the page's text, or a page of real markup")
    if max_nodes is not None and root is not None and (nodes := count_nodes(root)) > max_nodes:
        raise TooManyNodes(f"the page has {nodes} elements and comments; the limit is {max_nodes}: send a "
                           "smaller page, or its text")
    return root


def render_page(html: str, deadline: Deadline | None = None, max_nodes: int | None = None,
                max_lines: int | None = None) -> Page:
    """Render ``html`` whole (see the module's docstring)."""
    root = parse(html, max_nodes)
    check(deadline, "html parsing")  # the parse itself cannot be interrupted (0.3-0.8 s for 8 MB of tags)
    return render_element(root, deadline, max_lines)


def render_element(root, deadline: Deadline | None = None, max_lines: int | None = None) -> Page:
    """Render a parsed element and what it holds (its tail too), as ``render_page`` renders a page.

    Raises TooManySegments once more than ``max_lines`` lines are rendered (checked with the deadline,
    every few thousand nodes, and at the end; None: no limit)."""
    page = Page(root=root)
    if root is None:
        return page
    out: list[str] = []  # the text, piece by piece
    at = 0  # characters in ``out``
    pending = 0  # line breaks owed before the next text (0, 1 or 2)
    line_open = False
    line_el = None
    line_depth = 0
    line_chars = 0
    line_link = 0
    stack: list = []  # open elements
    starts, ends, elements, shares = page.starts, page.ends, page.elements, page.link_share
    sizes = page.sizes
    opened: dict = {}  # element -> text characters when it opened
    chars = 0
    links = 0  # open <a> elements
    last = ""  # the last character written

    def close_line() -> None:
        nonlocal line_open, at
        if line_open:
            if out[-1].endswith(" "):
                out[-1] = out[-1][:-1]
                at -= 1
            ends.append(at)
            elements.append(line_el)
            shares.append(line_link / line_chars if line_chars else 0.0)
            line_open = False

    def emit(text: str) -> None:
        nonlocal at, pending, line_open, line_el, line_depth, line_chars, line_link, last, chars
        # printable, and no two spaces in a row: no blank but single spaces, which _SPACES keeps
        part = text if text.isprintable() and "  " not in text else _SPACES.sub(" ", text)
        if not line_open:
            part = part.lstrip()
            if not part:
                return
            if out:
                out.append("\n" * (pending or 1))
                at += pending or 1
            pending = 0
            starts.append(at)
            line_open, line_el, line_depth, line_chars, line_link = True, stack[-1], len(stack), 0, 0
        elif not part.strip():  # white space between two elements' texts: one space at most
            if last != " ":
                out.append(" ")
                at += 1
                last = " "
            return
        elif last == " ":
            part = part.lstrip(" ")
        elif part[0] != " " and part[0] not in _NO_SPACE_BEFORE and last not in _NO_SPACE_AFTER:
            out.append(" ")  # two elements' texts meet: html-text puts a space between them
            at += 1
        out.append(part)
        n = len(part)
        at += n
        line_chars += n
        chars += n
        if links:
            line_link += n
        last = part[-1]

    def brk(n: int) -> None:
        nonlocal pending
        if line_open:
            close_line()
        if out and n > pending:
            pending = n

    title_from = -1  # lines before the <title> opened
    countdown = _CHECK_EVERY
    # the tree's events in document order, walked by lxml in C (a dropped element's subtree is
    # skipped: its start and end alone come, and its tail shows). Blank text while no line is open
    # is not emitted: it would start no line, and emit would drop it (most of a page's text nodes
    # are the blanks between tags: a quarter of the walk's time)
    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walk:
        countdown -= 1
        if not countdown:
            countdown = _CHECK_EVERY
            if max_lines is not None and len(starts) > max_lines:  # before the deadline: bad input is a 422
                raise TooManySegments(max_lines)
            check(deadline, "html rendering")
        if event == "start":
            tag = el.tag
            if tag in DROPPED:
                walk.skip_subtree()
                continue
            if n := _BREAKS.get(tag):
                brk(n)
            if tag == "a":
                links += 1
            elif tag == "title" and page.title_line < 0 and title_from < 0:
                brk(2)
                title_from = len(starts)
            stack.append(el)
            opened[el] = chars
            text = el.text
        else:
            if event == "end" and (tag := el.tag) not in DROPPED:
                if tag == "a":
                    links -= 1
                elif tag == "title" and title_from >= 0 and page.title_line < 0:
                    close_line()
                    if len(starts) > title_from:
                        page.title_line = title_from
                        page.title = "".join(out)[starts[title_from]:ends[title_from]]
                if n := _BREAKS.get(tag):
                    brk(n)
                sizes[el] = chars - opened.pop(el)
                stack.pop()
                if line_open and len(stack) < line_depth:
                    line_depth = len(stack)
                    line_el = stack[-1] if stack else None
            text = el.tail  # an element's end (a dropped one's too), a comment or a processing instruction: its tail
        if text and (line_open or not text.isspace()):
            emit(text)
    close_line()
    if max_lines is not None and len(starts) > max_lines:
        raise TooManySegments(max_lines)
    page.text = "".join(out)
    page.chars = chars
    return page
