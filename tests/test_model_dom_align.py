"""dom_align: view lines back to the elements they were rendered from (handwritten pages and views)."""

from __future__ import annotations

import gzip
import json
import time

import pytest

from tests.conftest import CORPUS_DIR
from winnow.model.dom_align import align, dom_text, nonempty_lines, tokens_of

PAGE = """<!DOCTYPE html><html><head><title>Budget vote delayed - Example News</title>
<style>.x { color: red }</style><script>var menu = "Home News";</script></head>
<body>
<header><nav id="top"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport &amp; Leisure</a></li></ul></nav></header>
<main><article>
<h1>Budget vote delayed</h1>
<p class="byline">By <a href="/jane">Jane Doe</a></p>
<p>The council postponed the vote on&nbsp;the budget until <b>next</b> week, citing the caf&eacute; tax.</p>
<figure><img src="/a.jpg" alt="The council chamber"><figcaption>Photo: Jane Doe</figcaption></figure>
<p>Members said the delay was un\u00adavoidable.</p>
</article></main>
<footer><p>&copy; 2024 Example Inc.</p></footer>
</body></html>"""

TEXT_VIEW = """Budget vote delayed - Example News

Home
News
Sport & Leisure

Budget vote delayed

By Jane Doe

The council postponed the vote on the budget until next week, citing the café tax.

Photo: Jane Doe

Members said the delay was unavoidable.

© 2024 Example Inc."""

MARKDOWN_VIEW = """  * [Home](/)
  * [News](/news)
  * [Sport & Leisure](/sport)

# Budget vote delayed

By [Jane Doe](/jane)

The council postponed the vote on the budget until **next** week, citing the cafe tax.

![The council chamber](/a.jpg)

Photo: Jane Doe

Members said the delay was unavoidable.

(C) 2024 Example Inc."""


def _align(html: str, text: str):
    starts, ends = nonempty_lines(text)
    return [text[s:e] for s, e in zip(starts, ends, strict=True)], align(html, text, starts, ends)


def _by_line(html: str, text: str) -> dict:
    lines, matches = _align(html, text)
    return dict(zip(lines, matches, strict=True))


def test_tokens_are_casefolded_without_diacritics_and_markdown_syntax() -> None:
    assert tokens_of("Café  [Read more](https://x.example/a \"t\") ![Logo](/l.png)") == ["cafe", "read", "more", "logo"]
    assert tokens_of("un\u00adavoidable snake\\_case") == ["unavoidable", "snake", "case"]
    assert tokens_of("北京 test") == ["北", "京", "test"]


def test_text_view_lines_align_with_their_elements() -> None:
    m = _by_line(PAGE, TEXT_VIEW)
    assert m["Budget vote delayed - Example News"].element.tag == "title"
    assert m["Budget vote delayed"].element.tag == "h1"  # the second occurrence, in order
    assert m["Home"].element.tag == "a"
    assert m["Sport & Leisure"].element.getparent().tag == "li"
    body = m["The council postponed the vote on the budget until next week, citing the café tax."]
    assert body.element.tag == "p" and body.matched == 1.0 and body.link_share == 0.0
    assert m["Photo: Jane Doe"].element.tag == "figcaption"
    assert m["Members said the delay was unavoidable."].element.tag == "p"
    assert m["© 2024 Example Inc."].element.tag == "p"
    by = m["By Jane Doe"]
    assert by.element.tag == "a" and by.link_share == pytest.approx(7 / 9)  # the link holds 7 of 9 letters
    assert by.element.getparent().get("class") == "byline"


def test_markdown_view_aligns_through_link_and_image_syntax_and_entities() -> None:
    m = _by_line(PAGE, MARKDOWN_VIEW)
    assert m["* [Home](/)"].element.tag == "a"
    assert m["* [Home](/)"].link_share == 1.0
    assert m["# Budget vote delayed"].element.tag == "h1"
    assert m["![The council chamber](/a.jpg)"].element.tag == "img"  # the alt text
    cafe = m["The council postponed the vote on the budget until **next** week, citing the cafe tax."]
    assert cafe.element.tag == "p" and cafe.matched == 1.0
    assert m["(C) 2024 Example Inc."].element.tag == "p"  # "(C)" is not DOM text, the rest is


def test_alt_texts_are_not_matched_by_plain_views() -> None:
    html = '<p><img alt="Shoe"></p><p><a>Shoe</a></p>'
    assert _by_line(html, "Shoe")["Shoe"].element.tag == "a"
    assert _by_line(html, "![Shoe](/s.png)")["![Shoe](/s.png)"].element.tag == "img"


def test_inline_neighbours_joined_or_split_as_the_renderer_did() -> None:
    html = ('<div class="links"><a href="/a">Our Story</a><a href="/t">Team</a><a href="/c">Careers</a></div>'
            '<p><span class="dropcap">T</span>he end came quickly.</p>')
    for view in ("Our Story Team Careers\nT he end came quickly.",  # html-text: a space between inline nodes
                 "Our StoryTeamCareers\nThe end came quickly."):  # resiliparse: joined
        lines, matches = _align(html, view)
        assert matches[0].element.get("class") == "links", view  # the three links' common parent
        assert matches[0].matched == 1.0
        assert matches[1].element.tag == "p", view


def test_lines_not_in_the_dom_are_not_aligned() -> None:
    lines, matches = _align(PAGE, "Home\nSomething the page never said at all\n* * *\nNews")
    assert matches[0].element is not None and matches[3].element is not None
    assert matches[1].element is None and matches[1].matched == 0.0
    assert matches[2].element is None and matches[2].tokens == 0


def test_a_long_stretch_the_view_leaves_out_is_jumped() -> None:
    hidden = " ".join(f"word{k}" for k in range(3000))
    html = f"<p>Before the gap here.</p><div hidden>{hidden}</div><p>After the gap comes this line.</p><p>Done</p>"
    lines, matches = _align(html, "Before the gap here.\nAfter the gap comes this line.\nDone")
    assert [m.element.tag if m.element is not None else None for m in matches] == ["p", "p", "p"]
    assert matches[1].element.text == "After the gap comes this line."


def test_repeated_menus_align_in_document_order() -> None:
    html = ('<div class="mobile"><a>Home</a><a>Contact</a></div><p>Welcome to the site of the club.</p>'
            '<div class="desktop"><a>Home</a><a>Contact</a></div>')
    lines, matches = _align(html, "Home\nContact\nWelcome to the site of the club.\nHome\nContact")
    assert [m.element.getparent().get("class") for m in (matches[0], matches[1], matches[3], matches[4])] == [
        "mobile", "mobile", "desktop", "desktop"]


def test_cursor_recovers_after_running_ahead() -> None:
    # the view shows the footer's line first (out of document order): the cursor goes back for the rest
    html = ("<p>First paragraph of the story is here.</p><p>Second one follows it.</p>"
            "<footer>Footer text at end</footer>")
    lines, matches = _align(html, "Footer text at end\nFirst paragraph of the story is here.\nSecond one follows it.")
    assert [m.element.tag for m in matches] == ["footer", "p", "p"]


def test_pages_that_do_not_parse_give_no_elements() -> None:
    for html in ("", "   ", "<!-- only a comment -->", "<?xml version='1.0' encoding='utf-8'?><p>Hi there</p>"):
        lines, matches = _align(html, "Hi there\nsecond line")
        assert len(matches) == 2
    assert _align("<?xml version='1.0' encoding='utf-8'?><p>Hi there</p>", "Hi there")[1][0].element.tag == "p"


def test_dom_text_sizes_and_links() -> None:
    dom = dom_text(PAGE)
    nav = dom.root.find(".//nav")
    assert dom.text_size(nav) == len("homenewssportleisure")
    assert dom.text_size(dom.root) == dom.chars
    assert "menu" not in dom.tokens  # script text is not page text


def _best_time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _ratio(make, small: int, large: int) -> float:
    """Time of the large input over the small one's (the best of three runs each)."""
    cases = {n: make(n) for n in (small, large)}
    times = {n: _best_time(lambda c=cases[n]: align(c[0], c[1], *nonempty_lines(c[1]))) for n in cases}
    return times[large] / max(times[small], 1e-6)


def test_adversarial_nested_divs_complete_in_linear_time() -> None:
    def make(n):  # n nested divs, each with a word (200 KB at n=14,000), and a view of every word
        html = "<html><body>" + "".join(f"<div>w{k % 97} " for k in range(n)) + "</div>" * n + "</body></html>"
        return html, "\n".join(f"w{k % 97}" for k in range(n))

    assert len(make(14_000)[0]) > 200_000
    assert _ratio(make, 3_500, 14_000) < 8  # linear: 4; quadratic: 16


def test_adversarial_long_line_completes_in_linear_time() -> None:
    def make(n):  # one line of n words (100k characters at n=28,000) that the page shows in another order
        words = [f"x{k % 50}" for k in range(n)]
        html = "<p>" + " ".join(reversed(words)) + "</p><p>" + " ".join(words[::2]) + "</p>"
        return html, " ".join(words)

    assert len(make(28_000)[1]) > 100_000
    assert _ratio(make, 7_000, 28_000) < 8


def test_adversarial_repeated_word_mismatch_stays_linear() -> None:
    def make(n):  # every view token occurs all over the page but never followed as in the view
        html = "<p>" + " ".join("the cat" for _ in range(n)) + "</p>"
        return html, "\n".join("the the dog" for _ in range(n))

    assert _ratio(make, 2_000, 8_000) < 8


CORPUS = CORPUS_DIR / "scrapinghub.jsonl.gz"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.exists(), reason=f"corpus not found at {CORPUS} (set WINNOW_CORPUS_DIR)")
def test_corpus_train_pages_align() -> None:
    """On 20 train pages nearly every line with a letter or digit aligns (all train pages: 0.999 text,
    0.997 markdown, 0.999 wet; bench/silver_report.py)."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        records = [r for r in map(json.loads, f) if r["split"] == "train"][:20]
    for view in ("text", "markdown", "wet"):
        total = aligned = 0
        for rec in records:
            text = rec["views"][view]
            for m in align(rec["html"], text, *nonempty_lines(text)):
                if m.tokens:
                    total += 1
                    aligned += m.element is not None
        assert aligned / total >= 0.98, f"{view}: {aligned}/{total}"
