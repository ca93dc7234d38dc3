from winnow.document import Span
from winnow.render import render

KEEP = frozenset({"content", "title"})


def _spans(text: str, parts: list[tuple[str, str]]) -> list[Span]:
    spans, pos = [], 0
    for piece, label in parts:
        assert text.startswith(piece, pos)
        spans.append(Span(pos, pos + len(piece), label, 1.0, "t"))
        pos += len(piece)
    assert pos == len(text)
    return spans


def test_render_removed_line_leaves_one_line_break() -> None:
    text = "Title\nAdvertisement\nBody."
    spans = _spans(text, [("Title\n", "title"), ("Advertisement\n", "ad"), ("Body.", "content")])
    assert render(text, spans, KEEP) == "Title\nBody."


def test_render_keeps_paragraph_break_across_removed_lines() -> None:
    text = "One.\nMenu\n\nTwo."
    spans = _spans(text, [("One.\n", "content"), ("Menu\n\n", "navigation"), ("Two.", "content")])
    assert render(text, spans, KEEP) == "One.\n\nTwo."


def test_render_link_becomes_its_anchor_text() -> None:
    text = "See [the report](https://x.org/r) now."
    spans = _spans(text, [("See ", "content"), ("[", "markup"), ("the report", "content"),
                          ("](https://x.org/r)", "markup"), (" now.", "content")])
    assert render(text, spans, KEEP) == "See the report now."


def test_render_drops_trailing_residue_and_outer_whitespace() -> None:
    text = "Prose. |\n"
    spans = _spans(text, [("Prose.", "content"), (" |\n", "markup")])
    assert render(text, spans, KEEP) == "Prose."


def test_render_respects_the_keep_set() -> None:
    text = "Title\nBody."
    spans = _spans(text, [("Title\n", "title"), ("Body.", "content")])
    assert render(text, spans, frozenset({"content"})) == "Body."
    assert render(text, spans, frozenset()) == ""


def test_render_no_space_where_punctuation_closes_or_opens_around_a_cut() -> None:
    text = "says _The Times_. (_Reuters_) word![](x.png)word"
    spans = _spans(text, [("says ", "content"), ("_", "markup"), ("The Times", "content"), ("_", "markup"),
                          (". (", "content"), ("_", "markup"), ("Reuters", "content"), ("_", "markup"),
                          (") word", "content"), ("![](x.png)", "image"), ("word", "content")])
    assert render(text, spans, KEEP) == "says The Times. (Reuters) word word"


def test_render_never_shows_the_page_title_line_so_the_headline_is_kept_once() -> None:
    text = "Bridge reopens | Example News\nHome\nBridge reopens\nBody."
    spans = [Span(0, 30, "title", 0.8, "title_v1", "title.page_title"), Span(30, 35, "navigation", 0.9, "t"),
             Span(35, 50, "title", 0.8, "title_v1", "title.headline"), Span(50, 55, "content", 1.0, "t")]
    assert render(text, spans, KEEP) == "Bridge reopens\nBody."
    assert render(text, spans, frozenset({"title"})) == "Bridge reopens"


def test_render_drops_the_blanks_that_end_each_line_and_squeezes_blank_lines() -> None:
    text = "One. \t\nTwo.\xa0 \n\n\n\nThree.  \nMenu\nFour."
    spans = _spans(text, [("One. \t\nTwo.\xa0 \n\n\n\nThree.  \n", "content"), ("Menu\n", "navigation"),
                          ("Four.", "content")])
    assert render(text, spans, KEEP) == "One.\nTwo.\n\nThree.\nFour."
