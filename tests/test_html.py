from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from readability import Document as ReadabilityDocument

from winnow import html as html_module
from winnow.errors import InvalidRequest
from winnow.html import html_to_text, read_html
from winnow.page import parse, render_page

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

PROSE = "Sentences of the article body that are long enough to be the main content of the page. " * 4


def test_the_whole_page_is_rendered_title_first() -> None:
    page = (f"<html><head><title>The\n   Headline</title></head><body><nav>Home</nav>"
            f"<article><p>{PROSE}</p></article></body></html>")
    text, hints = read_html(page)
    assert text.split("\n")[0] == "The Headline"
    assert PROSE.strip() in text
    assert "Home" in text  # every line of the page: the engine decides, and the answer shows why
    assert len(hints.starts) == len(hints.ends) == len(hints.picked) == len(hints.evidence) == 3


def test_readability_pick_marks_the_lines_it_holds() -> None:
    page = (f"<html><head><title>T</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><p>{PROSE}</p><p>{PROSE[::-1]}</p></article><footer>Footer note</footer></body></html>")
    text, hints = read_html(page)
    lines = [text[s:e] for s, e in zip(hints.starts, hints.ends, strict=True)]
    picked = {line for line, p in zip(lines, hints.picked, strict=True) if p}
    assert PROSE.strip() in picked and PROSE[::-1].strip() in picked
    assert "Home" not in picked and "Footer note" not in picked
    _, without = read_html(page, readability=False)
    assert not any(without.picked)


def test_markup_names_the_lines_it_can() -> None:
    page = ("<body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav><p>" + PROSE + "</p>"
            "<div class='share-buttons'><a href='#'>Share on Facebook</a></div>"
            "<div id='comments'><p>First!</p></div><footer>Copyright 2024 Example Ltd.</footer></body>")
    text, hints = read_html(page)
    named = {text[s:e]: ev for s, e, ev in zip(hints.starts, hints.ends, hints.evidence, strict=True)}
    assert named["Home News"] == ("navigation", "tag:nav")
    assert named["Share on Facebook"][0] == "social"
    assert named["First!"][0] == "comments"
    assert named["Copyright 2024 Example Ltd."][0] == "copyright"
    assert named[PROSE.strip()] is None


@pytest.mark.parametrize("page", [
    (SEEDS / "train_html_8267acacb9e4a109.html").read_text(encoding="utf-8"),
    ("<html><body><div class='menu'><a href='javascript:go()' onclick='go()'>Menu</a></div>"
     f"<div id='story'><p style='color:red'>{PROSE}</p><p hidden>secret</p>"
     f"<p><a href='javascript:void(0)'>link</a> {PROSE[::-1]}</p><script>x()</script>"
     "<p style='display:none'>gone</p></div><!-- c --></body></html>"),
])
def test_the_pick_is_readability_lxmls_own(page: str) -> None:
    """The cheaper cleaning before the pick (no javascript pass) gives readability-lxml's own pick:
    the same text; only the hrefs of javascript: links differ (readability empties them)."""
    own = ReadabilityDocument(page).summary(html_partial=True)
    ours = html_module._Pick(parse(page), page).summary(html_partial=True)
    assert render_page(ours).text == render_page(own).text
    assert ours.replace("javascript:void(0)", "") == own


# pages for readability's two passes that _Pick rewrites: divs holding block tags or not (and tags
# that only begin as one: picture, progress, param), text and tails in divs, <br>s, inline runs, an
# inline child holding a block; classes and ids that readability finds unlikely, in any case, beside
# "article", inside <pre> or <code>, or around an <article>
_PASSES = (
    ("<html><body><div class='Sidebar'><p>side words here</p></div>"
    "<div id='comment-list'><p>a comment that is long enough to count as a paragraph</p></div>"
    "<div class='menu article'><p>kept because of the word article, long enough to count</p></div>"
    "<pre><span class='footer'>code in a pre</span></pre><code><b id='header'>code</b></code>"
    "<div class='HEADER'><article><p>" + PROSE + "</p></article></div>"
    "<div>bare div text <b>bold</b> and <i>italic</i> runs<br>after a break <span>span "
    "<div>inner block</div></span> tail text</div>"
    "<div><picture><img src='x.jpg'></picture> a picture's div</div>"
    "<div><progress value='1'></progress> a progress bar's div, " + PROSE + "</div>"
    "<div><span>only inline</span> <a href='/x'>a link</a> and words, " + PROSE[::-1] + "</div>"
    "<div><em>one</em><br><br><strong>two</strong>tail<br>last</div>"
    "<div id='Pagination'><a href='/2'>2</a></div>"
    # the opening of a block tag only as text, in an inline child's attribute and words (escaped
    # when serialised); unlikely names nested, and on both the class and the id of one element
    "<div><span title='<div>x'>attr</span> and <b>&lt;p words</b> and <a data-x='a<table'>link</a> " + PROSE + "</div>"
    "<div class='sidebar'><div id='menu'><p>nested unlikely</p></div></div>"
    "<div class='footer-x' id='header-y'><p>both unlikely</p></div>"
    "<div class='a\nb\nc'><p>line breaks in a class</p></div><div id='shoutbox'><p>after them</p></div>"
    # names beyond ASCII, which the patterns match ignoring case their way ("ı" and "ſ" fold to i, s)
    "<div class='sıdebar'><p>dotless words in a side column, long enough to count</p></div>"
    "<div class='Inhalt ſtory'><p>" + PROSE + "</p></div><div id='KOMMENTAR-ſponsor'><p>x</p></div>"
    "</body></html>"),
    # a short article: readability tries again without removing the unlikely candidates
    "<html><body><div class='sidebar'><p>" + PROSE + "</p></div><div><p>short</p></div></body></html>",
    # hidden and display:none elements side by side and inside each other, their tails kept
    ("<html><body><div id='story'><p>" + PROSE + "<span style='display: none'>gone<b hidden>too</b>one</span>t1"
     "<i hidden>x<em style='display:none'>y</em>z</i>t2<u style='color:red'>shown</u>t3</p>"
     "<p hidden>" + PROSE[::-1] + "</p><div style='DISPLAY:NONE'><p>" + PROSE + "</p></div><p>" + PROSE
     + "</p></div></body></html>"),
)


@pytest.mark.parametrize("page", _PASSES)
def test_the_rewritten_passes_pick_what_readability_picks(page: str) -> None:
    """_Pick's remove_unlikely_candidates, transform_misused_divs_into_paragraphs and class_weight
    decide what readability-lxml's own do: the same summary from the same cleaned tree (and the same as the
    library's own Document's, these pages having no javascript: links)."""

    class Library(html_module._Pick):
        remove_unlikely_candidates = ReadabilityDocument.remove_unlikely_candidates
        transform_misused_divs_into_paragraphs = ReadabilityDocument.transform_misused_divs_into_paragraphs
        class_weight = ReadabilityDocument.class_weight

    ours = html_module._Pick(parse(page), page).summary(html_partial=True)
    assert ours == Library(parse(page), page).summary(html_partial=True)
    assert ours == ReadabilityDocument(page).summary(html_partial=True)


def test_the_short_page_makes_readability_try_again(monkeypatch) -> None:
    """The second page of _PASSES runs both passes twice (readability's retry), the first once."""
    calls = []
    real = html_module._Pick.transform_misused_divs_into_paragraphs
    monkeypatch.setattr(html_module._Pick, "transform_misused_divs_into_paragraphs",
                        lambda self: calls.append(1) or real(self))
    first = html_module._Pick(parse(_PASSES[0]), _PASSES[0]).summary(html_partial=True)
    assert len(calls) == 1 and PROSE.strip() in first
    html_module._Pick(parse(_PASSES[1]), _PASSES[1]).summary(html_partial=True)
    assert len(calls) == 3


@pytest.mark.parametrize("attrs", [
    {}, {"class": "article-body"}, {"id": "Sidebar"}, {"class": "post", "id": "comments"},
    {"class": "ſtory"}, {"class": "Commentſ", "id": "MAİN"}, {"class": "sıdebar ｆｏｏｔｅｒ"}, {"id": "BLOG-Widget"},
])
def test_class_weight_is_readabilitys(attrs: dict) -> None:
    element = lxml.html.Element("div", attrs)
    reader = html_module._Pick(parse("<p>x</p>"), "<p>x</p>")
    assert reader.class_weight(element) == ReadabilityDocument.class_weight(reader, element)


def test_the_rewritten_passes_do_their_work() -> None:
    """The passes are not skipped: an unlikely candidate is gone, a bare div's text became a <p>."""
    reader = html_module._Pick(parse(_PASSES[0]), _PASSES[0])
    reader.html = reader._parse(reader.input)
    reader.remove_unlikely_candidates()
    classes = {el.get("class") for el in reader.html.iter()} | {el.get("id") for el in reader.html.iter()}
    assert "Sidebar" not in classes and "comment-list" not in classes and "Pagination" not in classes
    assert "sıdebar" not in classes and "KOMMENTAR-ſponsor" not in classes  # beyond ASCII, ignoring case
    assert "footer-x" not in classes and "menu" not in classes  # both names unlikely; nested in one
    assert "shoutbox" not in classes and "a\nb\nc" in classes  # after a class holding line breaks
    assert "menu article" in classes and "footer" in classes and "header" in classes and "HEADER" in classes
    reader.transform_misused_divs_into_paragraphs()
    paragraphs = [el.text_content() for el in reader.html.iter("p")]
    assert any(p.startswith("bare div text bold") for p in paragraphs)  # the div's text and inline run
    assert any(p.startswith(" a picture's div") for p in paragraphs)  # a tail after a block, in a <p>
    assert "only inline a link and words" in " ".join(el.text_content() for el in reader.html.iter("p"))


def _unlikely_pass_time(page: str) -> float:
    """The best of three times of remove_unlikely_candidates on ``page``'s cleaned tree."""
    best = float("inf")
    for _ in range(3):
        reader = html_module._Pick(parse(page), page)
        reader.html = reader._parse(reader.input)
        started = time.perf_counter()
        reader.remove_unlikely_candidates()
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("shape", ["nested", "flat"])
def test_adversarial_unlikely_candidates_stay_linear(shape: str) -> None:
    """Every element unlikely, with <code> and <article> at the bottom (each element's tests look
    up and down the tree): four times the elements take about four times as long, not sixteen."""
    def make(n: int) -> str:
        if shape == "nested":  # n levels (the parser keeps 2,048)
            return ("<html><body>" + "<div class='menu'>w " * n + "<code>x</code><article>y</article>"
                    + "</div>" * n + "</body></html>")
        return ("<html><body>" + "<div class='sidebar'><span id='comment'>w</span></div>" * n
                + "<pre><b class='footer'>x</b></pre><article class='header'>y</article></body></html>")

    small, large = (450, 1_800) if shape == "nested" else (2_500, 10_000)
    assert _unlikely_pass_time(make(large)) / max(_unlikely_pass_time(make(small)), 1e-6) < 8


# every character Python's \s matches up to U+3000, beside letters, line breaks, tabs and spaces
_BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=_BLANKS + "ab\n\t ", max_size=40),
                          st.integers(250, 260).map(lambda n: " " * n),
                          st.tuples(st.sampled_from(_BLANKS), st.integers(250, 260)).map(lambda b: b[0] * b[1]),
                          st.sampled_from(_BLANKS)), max_size=12).map("".join))
def test_clean_text_is_readabilitys_clean(text: str) -> None:
    """The library's text measure, rewritten to be linear, gives what the library's gives."""
    assert html_module.clean_text(text) == html_module._LIBRARY_CLEAN(text)


def test_readability_measures_text_with_clean_text() -> None:
    import readability.readability as library

    assert library.clean is html_module.clean_text
    indented = "<div>" + "\n".join(" " * 200 + f"<p>line {n}</p>" for n in range(50)) + " " * 300 + "end</div>"
    element = lxml.html.fromstring(indented)
    assert library.text_length(element) == len(html_module._LIBRARY_CLEAN(element.text_content()))
    tricky = "a\t\t b  \n  \n c" + " " * 300 + "d"  # each tab alone, then the lone space; one run
    assert html_module.clean_text(tricky) == html_module._LIBRARY_CLEAN(tricky) == "a   b\nc d"


def test_readability_failure_leaves_no_pick(monkeypatch) -> None:
    class Broken:
        def __init__(self, html) -> None:
            raise ValueError("boom")

    monkeypatch.setattr(html_module, "_Pick", Broken)
    text, hints = read_html(f"<body><p>{PROSE}</p><p>more</p></body>")
    assert text == PROSE.strip() + "\n\nmore" and not any(hints.picked)


@pytest.fixture
def pick_calls(monkeypatch) -> list:
    """Each time readability's pick is asked for (it then fails, as on a page it cannot read)."""
    called: list = []

    def spy(root, source):
        called.append(root)
        raise ValueError("not expected")

    monkeypatch.setattr(html_module, "_Pick", spy)  # the class the pick runs as
    return called


def test_readability_is_skipped_on_giant_pages(pick_calls) -> None:
    called = pick_calls
    page = f"<html><head><title>Big</title></head><body><p>{PROSE}</p>" + "<span>x</span>" * 30_000 + "</body></html>"
    assert html_module._READABILITY_MAX_TAGS < page.count("<")
    text, hints = read_html(page)
    assert text.split("\n")[0] == "Big" and not called and not any(hints.picked)


def test_readability_is_skipped_on_pages_of_too_much_text(pick_calls) -> None:
    """readability measures each candidate's text with regular expressions of its own: a page of more
    text than any real page (one <pre> of a million characters) is judged without its pick."""
    called = pick_calls
    lines = "a line of preformatted text\n" * (html_module._READABILITY_MAX_CHARS // 28 + 1)
    text, hints = read_html(f"<html><body><p>{PROSE}</p><pre>{lines}</pre></body></html>")
    assert len(text) > html_module._READABILITY_MAX_CHARS
    assert not called and not any(hints.picked)
    text, hints = read_html(f"<html><body><p>{PROSE}</p><pre>{lines[:100_000]}</pre></body></html>")
    assert called  # below the cap, the pick is read


@pytest.mark.parametrize(
    "page",
    ["", "   \n", "<html>", "<!-- only a comment -->", "<html><body><script>alert(1)</script></body></html>",
     "<html><head><title></title></head><body></body></html>", "\x00" * 50, "<p>\x00</p>"],
)
def test_html_pages_without_text(page: str) -> None:
    assert html_to_text(page).strip("\ufffd") == ""


@pytest.mark.parametrize(
    "page",
    ["<?xml version='1.0' encoding='utf-8'?><html><body><p>hi there</p></body></html>",
     "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\x00<p>a</p>",
     "<div>" * 2_000 + "deep" + "</div>" * 2_000,
     "<table>" * 1_000 + "<tr><td>cell",
     "<p>unclosed <b>bold <i>italic <a href='x'>link",
     "<body><p>a</p></body><body><p>b</p></body>",
     "<html><frameset><frame src='x'></frameset></html>"],
    ids=["xml-declaration", "binary", "deep-divs", "deep-tables", "unclosed", "two-bodies", "frameset"],
)
def test_html_weird_markup_never_raises(page: str) -> None:
    text, _ = read_html(page)
    assert isinstance(text, str)
    assert "<" not in text.replace("<p>", "")  # tags never leak as text


def test_html_random_junk_never_raises() -> None:
    rng = random.Random(3)
    alphabet = "<>/=\"' &;#!-[]abcdivpscript\n\x00\u00e9\U0001f600"
    for _ in range(50):
        junk = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        assert isinstance(read_html(junk)[0], str)


def test_html_known_text_survives_exactly() -> None:
    assert html_to_text("<?xml version='1.0' encoding='utf-8'?><html><body><p>hi there</p></body></html>") \
        == "hi there"
    assert html_to_text("<div>" * 2_000 + "deep" + "</div>" * 2_000) == "deep"


def test_a_page_of_too_many_lines_is_refused_before_its_markup_is_read(monkeypatch) -> None:
    read = []
    monkeypatch.setattr(html_module, "line_evidence", lambda page: read.append(1) or [None] * len(page.starts))
    page = "<body>" + "<p>a</p>" * 50 + "</body>"
    with pytest.raises(InvalidRequest, match="more than 40 segments"):
        read_html(page, max_lines=40)
    assert not read
    text, hints = read_html(page, max_lines=50)
    assert len(hints.starts) == 50 and read == [1]


def test_a_budget_spent_while_the_pick_is_rendered_is_not_a_missing_pick(monkeypatch) -> None:
    """readability's failures leave the page without a pick; the request's budget running out
    while the pick is rendered ends the request, as anywhere else."""
    from winnow.budget import BudgetExceeded

    def spent(*args, **kwargs):
        raise BudgetExceeded("html rendering", 1.0)

    monkeypatch.setattr(html_module, "render_element", spent)
    with pytest.raises(BudgetExceeded):
        read_html(f"<body><p>{PROSE}</p><p>more</p></body>")


def test_readability_describes_candidates_only_for_its_debug_log(caplog, monkeypatch) -> None:
    """readability's debug messages describe each candidate (``describe``); the descriptions are
    made only when its logger shows debug messages, and the pick is the same either way."""
    calls: list = []
    real = html_module._LIBRARY_DESCRIBE
    monkeypatch.setattr(html_module, "_LIBRARY_DESCRIBE", lambda node, depth=1: calls.append(node) or real(node, depth))
    quiet = html_module._Pick(parse(_PASSES[0]), _PASSES[0]).summary(html_partial=True)
    assert not calls
    with caplog.at_level(logging.DEBUG, logger="readability.readability"):
        loud = html_module._Pick(parse(_PASSES[0]), _PASSES[0]).summary(html_partial=True)
    assert calls and loud == quiet
    assert any("link density" in r.getMessage() and "div" in r.getMessage() for r in caplog.records)
