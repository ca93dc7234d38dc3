"""HTML input -> the text the engine cleans (``input_text``) and what the markup says of each line.

The whole page is rendered (page.py: one lxml parse, html-text's layout, each line with the
element it came from), so the engine judges every line of it and the inspector shows what was
removed from the page and why. The markup is evidence, not a pre-filter:

- each line's element and its ancestors may name a category (``nav``, ``role=contentinfo``, a
  share bar's class...: model/silver.py's mapping), which names the line if it is removed, and
  which the segment model reads (model/features.py: named chaff, named comments);
- readability-lxml's pick, the page's densest block of prose, marks the lines it holds, and the
  share of each line inside links is measured: the segment model reads both too;
- the page's JSON-LD main text (structured.py) gives each line the share of its word 4-grams
  found there, another feature; nothing from it enters the text.

The service never fetches anything a page refers to. readability-lxml runs on the tree already
parsed (no second parse), cannot be interrupted, and is skipped on pages with more than
``_READABILITY_MAX_TAGS`` elements or ``_READABILITY_MAX_CHARS`` characters of text; the request's
deadline is checked around it and inside the
rendering walk.
"""

from __future__ import annotations

import logging
import re
import threading
from bisect import bisect_right
from collections import Counter
from itertools import accumulate

import readability.readability as _readability_module
from lxml import etree
from lxml_html_clean import Cleaner
from readability import Document as ReadabilityDocument
from readability.readability import REGEXES as _READABILITY_PATTERNS

from .budget import BudgetExceeded, Deadline, check, checked
from .document import PageHints
from .model.dom_align import LineMatch
from .model.silver import Labeller
from .page import Page, parse, render_element, render_page
from .structured import line_shares, shingles, structured_texts

log = logging.getLogger("winnow")
# readability-lxml keeps module-global lxml state (its parser, its cleaner); lxml objects must
# not be used by two threads at once (seen: workers killed by SIGSEGV under gthread)
_READABILITY_LOCK = threading.Lock()
# readability cannot be interrupted and runs under the lock above, so a page of half a million
# elements would hold every HTML request of its worker for seconds. The largest real page in
# the corpora has ~19,000 tags (1.3 s); bigger pages are judged without its pick.
_READABILITY_MAX_TAGS = 50_000
# Nor does its cost stop at tags: it measures each candidate's text with three regular-expression
# passes (readability.clean; clean_text below since engine 0.12.2): 0.2-0.3 s for one <pre> of a
# million characters of prose, and the library's own passes took 0.76 s for each measure of a
# megabyte of 254-blank runs (clean_text: 0.08 s). The largest page of the corpora renders to
# ~135,000 characters; a page with more than this is judged without the pick.
_READABILITY_MAX_CHARS = 500_000
# evidence that names a removed line: not "title" (a kept label) and not the generic furniture
# the label boilerplate already says
_NAMING = frozenset({"paywall", "ad", "image", "copyright", "navigation", "social", "newsletter", "cookie",
                     "related", "comments", "markup"})


# readability-lxml's own cleaner, less the javascript pass: that pass rewrites every link's href
# and drops on* attributes (a third of readability's time on article pages), and the pick reads
# neither (it scores text, class and id, and the text length of links)
_PICK_CLEANER = Cleaner(scripts=True, javascript=False, comments=True, style=True, inline_style=True, links=True,
                        meta=False, add_nofollow=False, page_structure=False, processing_instructions=True,
                        embedded=False, frames=False, forms=False, annoying_tags=False, remove_tags=None,
                        remove_unknown_tags=False, safe_attrs_only=False)


# readability-lxml measures the text of every candidate, and of every link in it, with its clean():
# runs of 255 or more white-space characters to 255 spaces, runs holding a line break to that
# break, tabs and runs of spaces or tabs to a space, then strip. Its first two patterns (\s{255,}
# and \s*\n\s*) are tried again at every white-space character of a run: k^2 / 2 steps for a run
# of k (indented markup has many), 60-70% of readability's time on the readability corpus's pages.
# The same patterns starting only at a run's first blank (a blank not after a blank: the
# look-behind) find the same matches in one step for each character: clean_text is the library's
# clean, 3.5 times faster on the corpora's texts (11,334 of them, measured by the pick), and the
# library's module name points at it (tests/test_html.py compares the two).
_LONG_BLANK_RUN = re.compile(r"\s(?<!\s\s)\s{254,}")
_BLANK_RUN_WITH_BREAK = re.compile(r"\s(?<!\s\s)(?:(?<=\n)|\s*\n)\s*")
_TABS_AND_SPACES = re.compile(r"\t|[ \t]{2,}")
_LIBRARY_CLEAN = _readability_module.clean


def clean_text(text: str) -> str:
    """readability-lxml's ``clean(text)``, the same for every text, in linear time.

    A pattern that cannot match is not tried: a run of 255 blanks needs 255 characters, a run
    holding a line break a line break, and the last pattern a tab or two spaces (looked for after
    the first two, whose 255 spaces make two; the second leaves a lone line break of each run it
    replaces). Most texts readability measures (every candidate's, every link's) need one pass."""
    if len(text) >= 255:
        text = _LONG_BLANK_RUN.sub(" " * 255, text)
    if "\n" in text:
        text = _BLANK_RUN_WITH_BREAK.sub("\n", text)
    if "\t" in text or "  " in text:
        text = _TABS_AND_SPACES.sub(" ", text)
    return text.strip()


_readability_module.clean = clean_text

# readability-lxml formats a description of each candidate for its debug messages whether or not
# debug logging is on (``log.debug("..." % describe(elem))``): 50 descriptions a page. They are
# made only when its logger would show them; otherwise the message holds "" where they stood.
_READABILITY_LOG = logging.getLogger(_readability_module.__name__)
_LIBRARY_DESCRIBE = _readability_module.describe


def _describe(node, depth: int = 1) -> str:
    return _LIBRARY_DESCRIBE(node, depth) if _READABILITY_LOG.isEnabledFor(logging.DEBUG) else ""


_readability_module.describe = _describe

_UNLIKELY = _READABILITY_PATTERNS["unlikelyCandidatesRe"]
_MAYBE = _READABILITY_PATTERNS["okMaybeItsACandidateRe"]
_POSITIVE = _READABILITY_PATTERNS["positiveRe"]
_NEGATIVE = _READABILITY_PATTERNS["negativeRe"]
# these ignore case: on ASCII, the same as matching their lower-case words in lower case, 7 times faster
for _pattern in (_UNLIKELY, _POSITIVE, _NEGATIVE):
    assert _pattern.flags & re.IGNORECASE and _pattern.pattern.islower(), _pattern
_UNLIKELY_LOWER, _POSITIVE_LOWER, _NEGATIVE_LOWER = (re.compile(p.pattern) for p in (_UNLIKELY, _POSITIVE, _NEGATIVE))
_DISPLAY_NONE = _READABILITY_PATTERNS["displayNoneRe"]
_HIDDEN_OR_STYLED = etree.XPath("//*[@hidden or @style]")
# the elements unlikelyCandidatesRe may match: those with a class or an id ("{class} {id}" is " "
# for the others, which readability skips)
_CLASS_OR_ID = etree.XPath(".//*[@class or @id]")
# readability spares an unlikely element inside <pre> or <code>, or holding a <main>, <article> or <math>
_SPARING = ("pre", "code", "main", "article", "math")
# the elements whose tag begins as one of divToPElementsRe's (libxml2's HTML parser gives lower-case names)
_BLOCKS = etree.XPath("//*[{}]".format(" or ".join(
    f"starts-with(name(), '{p}')" for p in ("blockquote", "dl", "div", "img", "ol", "p", "table", "ul"))))
_INLINE = frozenset("a b cite code em font i small span strong sub sup u".split())


class _Pick(ReadabilityDocument):
    """readability-lxml's Document on a tree already parsed, cleaned without the javascript pass.

    The library's passes change the tree they read. The first pass reads the page's own tree (the
    rendering is done with it: no copy); the second, when readability tries again less ruthlessly
    (1% of the article corpora's pages, 7% of wcxb's), reads the page ``source`` parsed again,
    the tree the first pass began from."""

    def __init__(self, root, source: str) -> None:
        super().__init__(root)
        self._source = source
        self._passes = 0

    def _parse(self, input):  # noqa: A002 (readability's name)
        doc = input if self._passes == 0 else parse(self._source)
        self._passes += 1
        self.encoding = "utf-8"
        # readability drops the hidden elements, then those styled display:none; one pass in
        # document order drops the same from the page (what lies inside a dropped element goes
        # with it, whichever is dropped first)
        for elem in _HIDDEN_OR_STYLED(doc):
            if elem.get("hidden") is not None or _DISPLAY_NONE.search(elem.get("style")):
                elem.drop_tree()
        _PICK_CLEANER(doc)  # in place: clean_html would clean a deep copy
        doc.resolve_base_href(handle_failures=self.handle_failures)
        return doc

    # Two of readability-lxml 0.9's passes and its class weight, rewritten to decide the same with
    # C doing what the library does per element in Python (serialising every div's children,
    # formatting a debug message for each element, matching case-ignoring patterns): the two
    # passes took 6.6 ms a page on scrapinghub's dev split, 2.4 after.
    # tests/test_html.py holds them to the library's own pick.

    def remove_unlikely_candidates(self) -> None:
        """readability's pass, deciding the same without formatting a debug message for each element
        it drops, and with its tests answered for the whole tree at once:
        - the elements' names ("{class} {id}", as the library makes them) are searched together:
          the ASCII ones joined by line breaks (no word of the pattern holds one, so no match
          spans two names) in one search in lower case, the others each with the pattern as it is;
        - the elements inside <pre> or <code>, and those holding a <main>, <article> or <math>,
          are found before any is dropped.

        The elements found are visited in document order, as the library visits them. Dropping
        one changes nothing a later one's tests read: a later one lies inside the dropped subtree
        (then what happens to it changes nothing on the page), or is neither its ancestor nor its
        descendant."""
        elements = _CLASS_OR_ID(self.html)
        names = [f"{el.get('class', '')} {el.get('id', '')}" for el in elements]
        ascii_at = [k for k, name in enumerate(names) if name.isascii()]
        found = []  # where in ``elements`` the matches lie, in document order
        if ascii_at:
            joined = "\n".join(names[k] for k in ascii_at).lower()
            starts = list(accumulate((len(names[k]) + 1 for k in ascii_at[:-1]), initial=0))
            found += [ascii_at[bisect_right(starts, m.start()) - 1] for m in _UNLIKELY_LOWER.finditer(joined)]
        if len(ascii_at) < len(names):
            found += [k for k, name in enumerate(names) if not name.isascii() and _UNLIKELY.search(name)]
            found.sort()
        if not found:
            return
        in_code, holding_main = set(), set()  # inside <pre> or <code>; <main>, <article>, <math> and their ancestors
        for el in self.html.iter(*_SPARING):  # each element once: linear
            if el.tag in ("pre", "code"):
                if el not in in_code:
                    in_code.update(el.iter())
            else:
                for above in (el, *el.iterancestors()):
                    if above in holding_main:
                        break
                    holding_main.add(above)
        for k in dict.fromkeys(found):  # each element once, in document order
            elem = elements[k]
            if elem.tag not in ("html", "body") and elem not in holding_main and elem not in in_code \
                    and not _MAYBE.search(names[k]):
                elem.drop_tree()

    def class_weight(self, e) -> int:
        """readability's weight of a class and an id (-25 for a negative word, +25 for a positive
        one, each), ASCII names matched in lower case as remove_unlikely_candidates does."""
        if self.positive_keywords or self.negative_keywords:
            return super().class_weight(e)
        weight = 0
        for feature in (e.get("class"), e.get("id")):
            if feature:
                if feature.isascii():
                    low = feature.lower()
                    weight += 25 * (bool(_POSITIVE_LOWER.search(low)) - bool(_NEGATIVE_LOWER.search(low)))
                else:
                    weight += 25 * (bool(_POSITIVE.search(feature)) - bool(_NEGATIVE.search(feature)))
        return weight

    def transform_misused_divs_into_paragraphs(self) -> None:
        """readability's pass. Its test of a div, and of an inline child of a div, serialised and
        searched for the opening of a block tag (``divToPElementsRe``), is the same as asking for a
        descendant whose tag begins so, which XPath answers without serialising anything: the
        cleaner has removed the comments, scripts and styles, the only text serialised unescaped.
        The answers hold through the pass: it renames divs to p (both block tags) and puts a div's
        inline runs into new paragraphs inside it."""
        holding = set()  # the elements that hold one of them
        for block in _BLOCKS(self.html):
            for above in block.iterancestors():
                if above in holding:
                    break
                holding.add(above)
        for elem in list(self.html.iterdescendants("div")):
            if elem not in holding:
                elem.tag = "p"
        for elem in list(self.html.iterdescendants("div")):
            children = list(elem)
            paragraph = None
            if elem.text and elem.text.strip():
                paragraph = elem.makeelement("p")
                paragraph.text = elem.text
                elem.text = None
                elem.insert(0, paragraph)
            for child in children:
                if child.tag == "br":
                    paragraph = None
                elif child.tag not in _INLINE or child in holding:
                    paragraph = None
                else:
                    if paragraph is None:
                        paragraph = elem.makeelement("p")
                        child.addprevious(paragraph)
                    paragraph.append(child)
            for pos, child in reversed(list(enumerate(elem))):
                if child.tail and child.tail.strip():
                    paragraph = elem.makeelement("p")
                    paragraph.text = child.tail
                    child.tail = None
                    elem.insert(pos + 1, paragraph)
                if child.tag == "br":
                    child.drop_tree()


def _acquire_readability(deadline: Deadline | None) -> None:
    """Take the readability lock, waiting no longer than the request's budget allows."""
    if deadline is None:
        _READABILITY_LOCK.acquire()
        return
    remaining = deadline.remaining()
    if remaining <= 0 or not _READABILITY_LOCK.acquire(timeout=remaining):
        raise BudgetExceeded("waiting for the html parser", deadline.budget_s)


def line_evidence(page: Page) -> list[tuple[str, str] | None]:
    """For each line, the category its markup names (label, evidence), or None."""
    labeller = Labeller(page)  # type: ignore[arg-type]  (Page has what it reads: chars, text_size)
    out: list[tuple[str, str] | None] = []
    text = page.text
    lines = zip(page.starts, page.ends, page.elements, page.link_share, strict=True)
    for s, e, el, share in checked(lines, "html rendering"):  # 7 us a line: 0.7 s for 100,000
        line = text[s:e]
        label, evidence = labeller.decide(LineMatch(el, 1.0, share, len(line.split())), line)
        out.append((label, evidence) if label in _NAMING else None)
    return out


def readability_pick(page: Page, html: str, deadline: Deadline | None) -> list[bool]:
    """Which lines readability-lxml's pick holds (matched by their text, in order of appearance).

    Runs on ``page.root``, the tree of ``html`` (readability changes the tree: call it last). A
    page readability cannot read, or with more than ``_READABILITY_MAX_TAGS`` tags or
    ``_READABILITY_MAX_CHARS`` characters of text, has no pick."""
    picked = [False] * len(page.starts)
    if page.root is None or html.count("<") > _READABILITY_MAX_TAGS or page.chars > _READABILITY_MAX_CHARS:
        return picked
    _acquire_readability(deadline)
    try:
        reader = _Pick(page.root, html)
        reader.summary(html_partial=True)
        # the pick as readability left it (the element its summary serialises): rendered as it
        # stands, not serialised and parsed again
        pick = render_element(reader.html, deadline)
    except BudgetExceeded:
        raise
    except Exception as exc:  # readability raises many kinds on odd pages: then there is no pick
        log.info("readability failed (%s): no pick", type(exc).__name__)
        return picked
    finally:
        _READABILITY_LOCK.release()
    check(deadline, "readability")
    wanted = Counter(pick.text[s:e] for s, e in zip(pick.starts, pick.ends, strict=True))
    text = page.text
    for k, (s, e) in enumerate(zip(page.starts, page.ends, strict=True)):
        line = text[s:e]
        if wanted[line] > 0:
            wanted[line] -= 1
            picked[k] = True
    return picked


def read_html(html: str, deadline: Deadline | None = None, readability: bool = True,
              max_lines: int | None = None, max_nodes: int | None = None) -> tuple[str, PageHints | None]:
    """The page's text (every line of it) and what its markup says of each line.

    Never raises on odd markup (empty, script-only, binary junk, deep nesting): a page without
    text gives ("", None), and the API answers 200 with empty ``text`` and ``input_text``, as it
    does for empty raw text. The exceptions: ``BudgetExceeded``, when ``deadline`` passes;
    InvalidRequest for a page nesting too deep (page.TooDeep), holding more than ``max_nodes``
    nodes (page.TooManyNodes, before the walk) or rendering to more than ``max_lines`` lines
    (errors.TooManySegments, while walking: before the markup is read line by line, the costly part).
    """
    if not html.strip():
        return "", None
    page = render_page(html, deadline, max_nodes=max_nodes, max_lines=max_lines)
    check(deadline, "html rendering")
    if not page.starts:
        return "", None
    evidence = line_evidence(page)
    main_text, reviews = structured_texts(page.root)
    structured = line_shares(page.text, page.starts, page.ends, shingles(main_text))
    reviewed = line_shares(page.text, page.starts, page.ends, shingles(reviews))
    check(deadline, "html rendering")
    picked = readability_pick(page, html, deadline) if readability else [False] * len(page.starts)
    return page.text, PageHints(tuple(page.starts), tuple(page.ends), tuple(picked), tuple(evidence),
                                tuple(page.link_share), tuple(structured), tuple(reviewed))


def html_to_text(html: str, deadline: Deadline | None = None) -> str:
    """The text ``read_html`` gives the engine for ``html`` (``input_text`` in answers)."""
    return read_html(html, deadline, readability=False)[0]
