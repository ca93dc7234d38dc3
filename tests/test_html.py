from __future__ import annotations

import random

import pytest

from winnow import html as html_module
from winnow.html import html_to_text, render_text

PROSE = "Sentences of the article body that are long enough to be the main content of the page. " * 4


def test_html_blocks_become_lines_and_scripts_vanish() -> None:
    markup = ("<div><h1>Head</h1><p>One <b>bold</b>\n word.</p><script>x=1</script>"
              "<ul><li>a</li><li>b</li></ul></div>")
    assert render_text(markup) == "Head\nOne bold word.\na\nb"


def test_html_inline_whitespace_collapses_and_entities_decode() -> None:
    assert render_text("<p>  a&nbsp;&nbsp;b \t &amp;\n\n c  </p>") == "a b & c"


def test_html_dropped_elements_and_comments_leave_nothing() -> None:
    markup = ("<p>kept</p><style>p{}</style><noscript>enable js</noscript><template>t</template>"
              "<!-- a comment --><svg><text>s</text></svg><iframe>f</iframe>")
    assert render_text(markup) == "kept"


def test_html_br_blockquote_and_headings_are_lines() -> None:
    markup = "<p>one<br>two<br/>three</p><blockquote>quoted</blockquote><h2>sub</h2>tail"
    assert render_text(markup) == "one\ntwo\nthree\nquoted\nsub\ntail"


def test_html_table_row_is_one_line_of_cells() -> None:
    markup = ("<table><tr><th>Name</th><th>Price</th></tr>"
              "<tr><td>Tea <i>green</i></td><td>€3</td></tr></table>")
    assert render_text(markup) == "Name | Price\nTea green | €3"


def test_html_pre_keeps_its_lines() -> None:
    assert render_text("<pre>line one\n  line   two\n\nline three</pre>") == "line one\nline two\nline three"


def test_html_title_comes_first_on_one_line() -> None:
    page = (f"<html><head><title>The\n   Headline</title></head><body><nav>Home</nav>"
            f"<article><p>{PROSE}</p></article></body></html>")
    text = html_to_text(page)
    assert text.split("\n")[0] == "The Headline"
    assert PROSE.strip() in text
    assert "Home" not in text  # readability chose the article


def test_html_title_is_not_repeated_when_the_content_starts_with_it() -> None:
    page = f"<html><head><title>Budget</title></head><body><h1>Budget</h1><p>{PROSE}</p></body></html>"
    lines = html_to_text(page).split("\n")
    assert lines[0] == "Budget" and lines.count("Budget") == 1


def test_html_without_title_has_no_placeholder() -> None:
    text = html_to_text(f"<html><body><p>{PROSE}</p></body></html>")
    assert text == PROSE.strip()


def test_html_little_main_content_falls_back_to_the_whole_body() -> None:
    page = ("<html><head><title>T</title></head><body><div id='menu'><a href='/a'>Alpha</a> "
            "<a href='/b'>Beta</a></div><p>Short note.</p><footer>Footer text</footer></body></html>")
    text = html_to_text(page)
    assert text.split("\n")[0] == "T"
    for piece in ("Alpha Beta", "Short note.", "Footer text"):
        assert piece in text


def test_html_readability_failure_falls_back(monkeypatch) -> None:
    class Broken:
        def __init__(self, html: str) -> None:
            raise ValueError("boom")

    monkeypatch.setattr(html_module, "ReadabilityDocument", Broken)
    assert html_to_text(f"<body><p>{PROSE}</p><p>more</p></body>") == PROSE.strip() + "\nmore"


def test_html_title_comes_first_when_readability_is_skipped_or_fails(monkeypatch) -> None:
    page = (f"<html><head><title lang='en'>Big &amp;\n Busy</title></head><body><p>{PROSE}</p>"
            + "<span>x</span>" * 30_000 + "</body></html>")  # more tags than readability is given
    assert html_module._READABILITY_MAX_TAGS < page.count("<")
    lines = html_to_text(page).split("\n")
    assert lines[0] == "Big & Busy" and lines[1] == PROSE.strip()

    class Broken:
        def __init__(self, html: str) -> None:
            raise ValueError("boom")

    monkeypatch.setattr(html_module, "ReadabilityDocument", Broken)
    small = f"<html><head><title>Small page</title></head><body><p>{PROSE}</p></body></html>"
    assert html_to_text(small) == "Small page\n" + PROSE.strip()


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
     "<div>" * 20_000 + "deep" + "</div>" * 20_000,
     "<table>" * 5_000 + "<tr><td>cell",
     "<p>unclosed <b>bold <i>italic <a href='x'>link",
     "<body><p>a</p></body><body><p>b</p></body>",
     "<html><frameset><frame src='x'></frameset></html>"],
    ids=["xml-declaration", "binary", "deep-divs", "deep-tables", "unclosed", "two-bodies", "frameset"],
)
def test_html_weird_markup_never_raises(page: str) -> None:
    text = html_to_text(page)
    assert isinstance(text, str)
    assert "<" not in text.replace("<p>", "")  # tags never leak as text


def test_html_random_junk_never_raises() -> None:
    rng = random.Random(3)
    alphabet = "<>/=\"' &;#!-[]abcdivpscript\n\x00\u00e9\U0001f600"
    for _ in range(50):
        junk = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        assert isinstance(html_to_text(junk), str)


def test_html_known_text_survives_exactly() -> None:
    assert html_to_text("<?xml version='1.0' encoding='utf-8'?><html><body><p>hi there</p></body></html>") \
        == "hi there"
    assert html_to_text("<div>" * 20_000 + "deep" + "</div>" * 20_000) == "deep"
