from __future__ import annotations

import html

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import winnow.page as page_module
from winnow.errors import TooManySegments
from winnow.page import MAX_DEPTH, TooDeep, TooManyNodes, count_nodes, parse, render_page


def lines(markup: str) -> list[str]:
    return render_page(markup).text.split("\n")


def test_layout_elements_break_lines_and_paragraphs_leave_a_blank_line() -> None:
    page = render_page("<div><h1>Head</h1><p>One <b>bold</b>\n word.</p><div>a</div><div>b</div></div>")
    assert page.text == "Head\n\nOne bold word.\n\na\nb"
    assert [page.text[s:e] for s, e in zip(page.starts, page.ends, strict=True)] == \
        ["Head", "One bold word.", "a", "b"]


def test_scripts_styles_and_comments_show_nothing_but_their_tails_do() -> None:
    assert render_page("<p>kept<script>x=1</script> tail<!-- c --> end<style>p{}</style></p>").text \
        == "kept tail end"


def test_inline_neighbours_are_joined_by_a_space_but_not_before_punctuation() -> None:
    assert render_page("<p><a>Our Story</a><a>Team</a></p>").text == "Our Story Team"
    assert render_page("<p>See <a>this</a>, then (<i>that</i>).</p>").text == "See this, then (that)."


def test_white_space_collapses_and_entities_decode() -> None:
    assert render_page("<p>  a&nbsp;&nbsp;b \t &amp;\n\n c\u2002d  </p>").text == "a b & c d"


# every character Python's \s matches up to U+3000, with letters and the characters
# isprintable() refuses without being blanks (a soft hyphen, a control)
_BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_BLANKS + "ab. \xad\x01", max_size=60))
def test_a_text_node_collapses_every_run_of_blanks_to_one_space(text: str) -> None:
    """A text's blanks, single spaces included, come out as str.split() sees them (the walk skips
    the collapsing step for printable texts without two spaces in a row)."""
    markup = f"<p>x {html.escape(text)} y</p>"
    parsed = lxml.html.fromstring(markup).text_content()  # what the parser leaves of the text
    assert render_page(markup).text == " ".join(parsed.split())


_TAGS = ("div", "p", "li", "span", "b", "a")


@st.composite
def _blank_separated(draw) -> tuple[str, str]:
    """Markup of nested elements and words with blank text nodes between them (runs of any blanks),
    and the same markup with each run a single space."""
    runs, spaces = [], []

    def node(depth: int) -> None:
        for _ in range(draw(st.integers(0, 3))):
            blank = draw(st.text(alphabet=_BLANKS, min_size=1, max_size=4))
            runs.append(html.escape(blank))
            spaces.append(" ")
            if depth < 3 and draw(st.booleans()):
                tag = draw(st.sampled_from(_TAGS))
                runs.append(f"<{tag}>")
                spaces.append(f"<{tag}>")
                node(depth + 1)
                runs.append(f"</{tag}>")
                spaces.append(f"</{tag}>")
            else:
                word = draw(st.sampled_from(("one", "two", ".", "(x")))
                runs.append(word)
                spaces.append(word)

    node(0)
    return "<body>" + "".join(runs) + "</body>", "<body>" + "".join(spaces) + "</body>"


@settings(max_examples=300, deadline=None)
@given(_blank_separated())
def test_blank_text_between_elements_renders_as_a_single_space_would(pair) -> None:
    """Blank text nodes (most of a page's), of any blanks, render as a single space would: the walk
    tells them by str.isspace() where no line is open, and collapses them with a pattern inside one."""
    blanks, spaces = pair
    got, expected = render_page(blanks), render_page(spaces)
    assert (got.text, got.starts, got.ends) == (expected.text, expected.starts, expected.ends)
    assert not any(got.text[s:e] != got.text[s:e].strip() or not got.text[s:e] for s, e in
                   zip(got.starts, got.ends, strict=True))


def test_a_blank_text_node_inside_a_line_is_a_space_and_outside_one_nothing() -> None:
    assert render_page("<p><i>one</i> <b>.</b></p>").text == "one ."  # a blank node: a space, before "." too
    assert render_page("<p><i>one</i><b>.</b></p>").text == "one."
    assert render_page("<div>\n  <p>x</p>\n\t<div> </div>\u3000<p>y</p> </div>").text == "x\n\ny"


def test_the_title_is_the_first_line_and_is_recorded() -> None:
    page = render_page("<html><head><title>The\n Headline</title><meta name=x></head>"
                       "<body><p>Body text.</p></body></html>")
    assert page.text == "The Headline\n\nBody text."
    assert page.title == "The Headline" and page.title_line == 0


def test_a_page_without_title_has_none() -> None:
    page = render_page("<body><p>Only text.</p></body>")
    assert page.title_line == -1 and page.text == "Only text."


def test_each_line_records_the_deepest_element_holding_all_of_it() -> None:
    page = render_page("<body><nav><ul><li><a href='/'>Home</a></li></ul></nav>"
                       "<p>Read <a href='/x'>more</a> here.</p><p><span>a</span> <span>b</span></p></body>")
    tags = [el.tag for el in page.elements]
    assert tags == ["li", "p", "p"]
    assert page.link_share[0] == 1.0
    assert 0.0 < page.link_share[1] < 0.5
    assert page.link_share[2] == 0.0


def test_element_sizes_count_their_text() -> None:
    page = render_page("<body><div id='a'><p>abc</p><p>de</p></div><p>f</p></body>")
    div = page.root.get_element_by_id("a")
    assert page.text_size(div) == 5 and page.chars == 6


def test_deep_nesting_does_not_recurse() -> None:
    assert render_page("<div>" * 2_000 + "deep" + "</div>" * 2_000).text == "deep"
    with pytest.raises(TooDeep):  # libxml2 would drop what lies deeper: refused, not cut short
        render_page("<div>" * (MAX_DEPTH + 10) + "deep" + "</div>" * (MAX_DEPTH + 10))


def test_nodes_are_what_the_walk_visits_and_a_page_over_the_limit_is_refused_before_it() -> None:
    markup = "<html><body><p>a<!-- c --></p><?pi x?><p>b</p></body></html>"
    assert count_nodes(parse(markup)) == 6  # html, body, p, comment, the instruction (a comment in HTML), p
    assert render_page(markup, max_nodes=6).text == "a\n\nb"  # at the limit: rendered
    walked = []
    real = page_module.render_element
    page_module.render_element = lambda *a, **k: walked.append(a) or real(*a, **k)
    try:
        with pytest.raises(TooManyNodes, match="7 elements and comments; the limit is 6"):
            render_page(markup.replace("</body>", "<p>c</p></body>"), max_nodes=6)
    finally:
        page_module.render_element = real
    assert walked == []
    assert count_nodes(parse("<p>x</p>" * 1000)) == 1002  # html and body are added by the parser


def test_a_page_over_the_line_limit_is_refused_while_walking_not_at_the_end(monkeypatch) -> None:
    markup = "<body>" + "<p>a</p>" * 20_000 + "</body>"  # 20,000 lines; ~40,000 items to walk
    checks = []
    monkeypatch.setattr(page_module, "check", lambda deadline, stage: checks.append(stage))
    assert len(render_page(markup, max_lines=20_000).starts) == 20_000
    whole_walk = len(checks)
    assert whole_walk >= 5
    checks.clear()
    with pytest.raises(TooManySegments, match="more than 100 segments"):
        render_page(markup, max_lines=100)
    assert len(checks) == 1  # after the parse; the walk stops at its first check: the rest is never walked
    with pytest.raises(TooManySegments):  # a small page is refused at the end of its walk
        render_page("<p>a</p><p>b</p>", max_lines=1)


def test_pages_without_text() -> None:
    for markup in ("", "  ", "<html></html>", "<!-- c -->", "<script>x</script>"):
        page = render_page(markup)
        assert page.text == "" and page.starts == []


def test_the_parse_gives_lxml_html_elements_of_one_class() -> None:
    """The classes are chosen in C (lxml.html's own lookup calls Python per element): every element,
    a form's included, is an HtmlElement, with the methods readability and the rendering use."""
    root = parse("<html><body><form><input name='q'><select><option>a</option></select></form>"
                 "<!-- note --><p>Words <b>here</b></p></body></html>")
    kinds = {type(el) for el in root.iter()}
    assert kinds == {lxml.html.HtmlElement, lxml.html.HtmlComment}
    p = root.find(".//p")
    assert p.text_content() == "Words here"
    p.find("b").drop_tree()
    assert p.text_content() == "Words "
