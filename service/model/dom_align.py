"""Which HTML element each line of a rendered view came from.

A view (``text``, ``markdown`` or ``wet``: the page rendered by html-text, html2text or
resiliparse) has lost its DOM. To learn from the DOM what a line is (a menu, a share bar, a
caption...), each line is aligned back with the elements whose text it shows.

Both sides are reduced to the same tokens: runs of letters and digits (an ideograph or kana is a
token of its own), case-folded, without diacritics (html2text writes ``&eacute;`` as ``e``),
soft hyphens and zero-width characters removed. Markdown link and image syntax is taken out of a
view line first (its targets are not DOM text); ``alt`` texts of images are DOM tokens (Markdown
shows them, the other views do not). The DOM is cut text node by text node, and a view token may
stand for several DOM tokens in a row: renderers differ in how they join inline neighbours
(``<a>Our Story</a><a>Team</a>`` is "Our Story Team" in html-text, "Our StoryTeam" in
resiliparse; ``<b>T</b>he`` is "T he" or "The").

The view's tokens are matched in order by a cursor that moves forward through the DOM's tokens:
a token found within a few tokens of the cursor is taken; further on, within a bounded window,
only where the next tokens agree too; past the window (a long stretch of the DOM that the view
does not show: scripts' siblings, hidden templates), through a global index of token trigrams,
which also lets the cursor go back when it had run ahead. Every step costs a bisection or a
bounded scan, so a page aligns in time near-linear in its size; there is no dynamic programming
over the whole page.

A line's element is the deepest element that holds more than half of the line's matched
characters (a line of several links of one menu gets the menu's ``<ul>``, a paragraph with a
link gets the ``<p>``). A line whose matched characters are under half of its own is not aligned.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

# elements whose text no renderer shows
SKIPPED = frozenset({"script", "style", "template"})
_INVISIBLE = dict.fromkeys(map(ord, "\xad\u200b\u200c\u200d\u2060\ufeff"), None)
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
# Markdown syntax that is not DOM text: link and image targets (with an optional title), autolinks
_MD_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*\))*\)")
_MD_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^<>\s]*>")

NEAR = 4  # a token this close to the cursor is taken without confirmation
WINDOW = 400  # further on, up to this many tokens ahead, when the next tokens agree
CANDIDATES = 48  # occurrences tried within the window, at most
CONFIRM = 3  # tokens after the candidate that must agree
GAP = 4  # DOM tokens a confirmation looks through for each next view token
SHORT_LINE = 4  # a line of at most this many tokens may be matched unconfirmed (not moving the cursor)
JOIN = 8  # DOM tokens one view token may stand for
GRAM = 3  # the global index's n-grams
ANCESTOR_LEVELS = 48  # how far up a line's element is looked for


def normalise(token: str) -> str:
    token = token.casefold()
    if token.isascii():
        return token
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


def tokens_of(text: str) -> list[str]:
    """The normalised tokens of a piece of view text, Markdown link syntax taken out."""
    if "](" in text:
        text = _MD_TARGET.sub(" ", text)
    if "<" in text:
        text = _MD_AUTOLINK.sub(" ", text)
    return [normalise(t) for t in _TOKEN.findall(text.translate(_INVISIBLE))]


@dataclass
class Stream:
    """Tokens of the DOM in document order, with their owners, as one view sees them."""

    tokens: list[str]
    owner: list[int]  # element index per token
    in_link: list[bool]  # the token lies inside an <a href>
    positions: dict[str, list[int]] = field(default_factory=dict)
    _grams: dict[int, list[int]] | None = None

    def __post_init__(self) -> None:
        for p, token in enumerate(self.tokens):
            self.positions.setdefault(token, []).append(p)

    def grams(self) -> dict[int, list[int]]:
        """Positions of every token trigram (keyed by the hash of the tuple), built on first use."""
        if self._grams is None:
            grams: dict[int, list[int]] = {}
            t = self.tokens
            for p in range(len(t) - GRAM + 1):
                grams.setdefault(hash((t[p], t[p + 1], t[p + 2])), []).append(p)
            self._grams = grams
        return self._grams


@dataclass
class DomText:
    """The page's text as tokens, each owned by the element whose text (or tail's parent) holds it.

    ``elements`` lists every element in document order; ``index`` maps an element to its place
    there; ``span[k]`` is the range of token characters (counted over all tokens in order) that
    element k's subtree holds, so ``span[k][1] - span[k][0]`` is the size of its text. Images'
    ``alt`` texts are tokens too (``alt`` flags them), seen by the streams of views that show them.
    """

    root: object | None
    elements: list = field(default_factory=list)
    index: dict = field(default_factory=dict)
    span: list[tuple[int, int]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)
    in_link: list[bool] = field(default_factory=list)
    alt: list[bool] = field(default_factory=list)
    _streams: dict[bool, Stream] = field(default_factory=dict)

    @property
    def chars(self) -> int:
        return self.span[0][1] if self.span else 0

    def stream(self, alt_texts: bool) -> Stream:
        """The tokens a view sees: with the images' alt texts (Markdown) or without (plain text views)."""
        if alt_texts not in self._streams:
            if alt_texts or not any(self.alt):
                stream = Stream(self.tokens, self.owner, self.in_link)
            else:
                keep = [p for p, a in enumerate(self.alt) if not a]
                stream = Stream([self.tokens[p] for p in keep], [self.owner[p] for p in keep],
                                [self.in_link[p] for p in keep])
            self._streams[alt_texts] = stream
        return self._streams[alt_texts]

    def text_size(self, element) -> int:
        k = self.index.get(element)
        if k is None:
            return 0
        start, end = self.span[k]
        return end - start


def parse_html(html: str):
    """The page's root element (lxml.html), or None for a page with nothing to parse."""
    data = html.encode("utf-8", "surrogatepass")
    if not data.strip():
        return None
    try:
        return lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return None


def dom_text(html: str) -> DomText:
    """Walk the page once (an explicit stack: deep pages do not recurse) and cut its text into tokens."""
    root = parse_html(html)
    dom = DomText(root)
    if root is None:
        return dom
    elements, index, span = dom.elements, dom.index, dom.span
    tokens, owner, in_link, alts = dom.tokens, dom.owner, dom.in_link, dom.alt
    chars = 0

    def add(text: str | None, who: int, link: bool, alt: bool = False) -> None:
        nonlocal chars
        if text:
            text = text.translate(_INVISIBLE)
            for m in _TOKEN.finditer(text):
                token = normalise(m.group())
                tokens.append(token)
                owner.append(who)
                in_link.append(link)
                alts.append(alt)
                chars += len(token)

    links = 0
    # stack items: (element, parent index) to open, or ("end", element index, tail, parent index)
    stack: list[tuple] = [(root, -1)]
    while stack:
        item = stack.pop()
        if item[0] == "end":
            _, k, link, tail, parent = item
            links -= link
            span[k] = (span[k][0], chars)
            add(tail, parent, links > 0)
            continue
        el, parent = item
        tag = el.tag
        if not isinstance(tag, str):  # a comment or processing instruction: only its tail is text
            add(el.tail, parent, links > 0)
            continue
        tag = tag.lower()
        k = len(elements)
        elements.append(el)
        index[el] = k
        span.append((chars, chars))
        if tag in SKIPPED:
            span[k] = (chars, chars)
            add(el.tail, parent, links > 0)
            continue
        link = tag == "a" and el.get("href") is not None  # a named anchor is no link
        links += link
        stack.append(("end", k, link, el.tail, parent))
        if tag == "img":
            alt = el.get("alt")
            if alt:
                add(alt, k, links > 0, alt=True)
        add(el.text, k, links > 0)
        stack.extend((child, k) for child in reversed(el))
    return dom


@dataclass(frozen=True, slots=True)
class LineMatch:
    """What a view line was aligned with.

    ``element`` holds most of the line's matched text (None when under half of the line's token
    characters were found); ``matched`` is the share of the line's token characters found in the
    DOM; ``link_share`` the share of the matched characters that lie inside an ``<a>``;
    ``tokens`` how many tokens the line has (0: no letter or digit).
    """

    element: object | None
    matched: float
    link_share: float
    tokens: int


def _eat(word: str, dom: list[str], p: int) -> int:
    """How many DOM tokens from p spell the view token ``word`` (1 when equal; 0 when they do not)."""
    if p >= len(dom):
        return 0
    first = dom[p]
    if first == word:
        return 1
    if not word.startswith(first):
        return 0
    size = len(first)
    for k in range(p + 1, min(p + JOIN, len(dom))):
        part = dom[k]
        if not word.startswith(part, size):
            return 0
        size += len(part)
        if size == len(word):
            return k - p + 1
    return 0


def _confirmed(view: list[str], i: int, dom: list[str], p: int) -> bool:
    """Whether the view tokens after i are found after p in order (as many as there are, up to
    CONFIRM), each within GAP DOM tokens of the one before: the DOM may hold tokens a view leaves
    out (an icon's title, a visually hidden label) between two that it shows."""
    q = min(CONFIRM, len(view) - i - 1)
    if q <= 0:
        return False
    pos = p + 1
    for d in range(1, q + 1):
        for x in range(pos, pos + GAP):
            used = _eat(view[i + d], dom, x)
            if used:
                pos = x + used
                break
        else:
            return False
    return True


def match_tokens(view: list[str], dom: Stream, line_end: list[int] | None = None) -> tuple[list[int], list[int]]:
    """For each view token, the first DOM token it is matched with (-1: none) and how many DOM
    tokens it stands for. ``line_end[i]``: where the line of view token i ends (its tokens
    ``i..line_end[i]-1``); with it, a short line that nothing confirms is still matched where the
    whole line stands within the window, without moving the cursor."""
    d_tokens, positions = dom.tokens, dom.positions
    n = len(view)
    out = [-1] * n
    width = [0] * n
    c = 0
    i = 0
    while i < n:
        t = view[i]
        found, used = -1, 0
        for p in range(c, c + NEAR + 1):
            used = _eat(t, d_tokens, p)
            if used:
                found = p
                break
        occ = positions.get(t) if found < 0 else None
        if occ:
            j = bisect_left(occ, c)
            tried = 0
            while j < len(occ) and occ[j] - c <= WINDOW and tried < CANDIDATES:
                if _confirmed(view, i, d_tokens, occ[j]):
                    found, used = occ[j], 1
                    break
                j += 1
                tried += 1
            if found < 0 and i + GRAM <= n:
                found = _far(view, i, dom, c)
                used = 1
            if found < 0 and line_end is not None:
                i = _tentative(view, i, line_end[i], dom, occ, c, out, width)
                continue
        if found < 0:
            i += 1
            continue
        # then the run of agreeing tokens at once: the common case, one comparison per token
        out[i], width[i] = found, used
        i += 1
        p = found + used
        while i < n:
            used = _eat(view[i], d_tokens, p)
            if not used:
                break
            out[i], width[i] = p, used
            i += 1
            p += used
        c = p
    return out, width


def _tentative(view: list[str], i: int, end: int, dom: Stream, occ: list[int], c: int,
               out: list[int], width: list[int]) -> int:
    """Match the rest of a short line (tokens i..end-1) where it stands whole in the window, leaving
    the cursor where it is (nothing confirmed the place). Returns the next view token to look at."""
    if end - i > SHORT_LINE:
        return i + 1
    j = bisect_left(occ, c)
    for k in range(j, min(j + CANDIDATES, len(occ))):
        p = occ[k]
        if p - c > WINDOW:
            break
        q, ok = p, True
        for x in range(i, end):
            used = _eat(view[x], dom.tokens, q)
            if not used:
                ok = False
                break
            q += used
        if ok:
            q = p
            for x in range(i, end):
                out[x] = q
                width[x] = _eat(view[x], dom.tokens, q)
                q += width[x]
            return end
    return i + 1


def _far(view: list[str], i: int, dom: Stream, c: int) -> int:
    """Where the trigram starting at view token i occurs in the DOM: its first occurrence at or past
    the cursor, else its last one before the cursor (the cursor had run ahead), else -1."""
    key = hash((view[i], view[i + 1], view[i + 2]))
    occ = dom.grams().get(key)
    if not occ:
        return -1
    t = dom.tokens
    j = bisect_left(occ, c)
    for k in range(j, min(j + 4, len(occ))):
        p = occ[k]
        if t[p] == view[i] and t[p + 1] == view[i + 1] and t[p + 2] == view[i + 2]:
            return p
    for k in range(j - 1, max(j - 5, -1), -1):
        p = occ[k]
        if t[p] == view[i] and t[p + 1] == view[i + 1] and t[p + 2] == view[i + 2]:
            return p
    return -1


def _holder(dom: DomText, weights: dict[int, int]) -> object:
    """The deepest element holding more than half of the weight of the owners (element indexes)."""
    total = sum(weights.values())
    best = max(weights, key=lambda k: (weights[k], -k))
    if 2 * weights[best] > total:
        return dom.elements[best]
    acc: dict[object, int] = {}
    for k, w in weights.items():
        el = dom.elements[k]
        for _ in range(ANCESTOR_LEVELS):
            acc[el] = acc.get(el, 0) + w
            el = el.getparent()
            if el is None:
                break
    el = dom.elements[best]
    for _ in range(ANCESTOR_LEVELS):
        if 2 * acc.get(el, 0) > total:
            return el
        parent = el.getparent()
        if parent is None:
            break
        el = parent
    return dom.elements[best]


def align(dom: DomText | str, text: str, starts: list[int], ends: list[int],
          alt_texts: bool | None = None) -> list[LineMatch]:
    """Align each line ``text[starts[k]:ends[k]]`` of a view with the element it was rendered from.

    ``dom`` is the page (its html, or a ``DomText`` made once by ``dom_text`` and shared by the
    page's views). Lines must be given in order; they may be whole lines or parts of lines.
    ``alt_texts``: whether the view shows images' alt texts (by default: when it holds Markdown
    image syntax ``![``).
    """
    if isinstance(dom, str):
        dom = dom_text(dom)
    if alt_texts is None:
        alt_texts = "![" in text
    stream = dom.stream(alt_texts)
    view: list[str] = []
    line_of: list[int] = []
    line_end: list[int] = []
    sizes = [0] * len(starts)
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        toks = tokens_of(text[s:e])
        view.extend(toks)
        line_of.extend([k] * len(toks))
        line_end.extend([len(view)] * len(toks))
        sizes[k] = sum(map(len, toks))
    counts = [0] * len(starts)
    for k in line_of:
        counts[k] += 1
    if stream.tokens and view:
        matched, width = match_tokens(view, stream, line_end)
    else:
        matched, width = [-1] * len(view), [0] * len(view)
    weights: list[dict[int, int]] = [{} for _ in starts]
    found = [0] * len(starts)
    linked = [0] * len(starts)
    for k, p, used in zip(line_of, matched, width, strict=True):
        for q in range(p, p + used):
            w = len(stream.tokens[q])
            owner = stream.owner[q]
            weights[k][owner] = weights[k].get(owner, 0) + w
            found[k] += w
            if stream.in_link[q]:
                linked[k] += w
    out = []
    for k in range(len(starts)):
        if not found[k]:
            out.append(LineMatch(None, 0.0, 0.0, counts[k]))
            continue
        share = found[k] / sizes[k]
        element = _holder(dom, weights[k]) if 2 * found[k] >= sizes[k] else None
        out.append(LineMatch(element, share, linked[k] / found[k], counts[k]))
    return out


def nonempty_lines(text: str) -> tuple[list[int], list[int]]:
    """[start, end) of every line holding a non-blank character, blanks trimmed."""
    starts, ends = [], []
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.span()
        piece = m.group()
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            starts.append(s + lead)
            ends.append(s + lead + len(stripped))
    return starts, ends


def line_containing(line_starts: list[int], line_ends: list[int], start: int) -> int:
    """Index of the line that holds offset ``start`` (the last line starting at or before it), -1 if none."""
    k = bisect_right(line_starts, start) - 1
    return k if k >= 0 and start < max(line_ends[k], line_starts[k] + 1) else -1
