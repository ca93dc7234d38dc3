from service.html import html_to_text, render_text


def test_html_blocks_become_lines_and_scripts_vanish() -> None:
    html = "<div><h1>Head</h1><p>One <b>bold</b>\n word.</p><script>x=1</script><ul><li>a</li><li>b</li></ul></div>"
    assert render_text(html) == "Head\nOne bold word.\na\nb"


def test_html_script_only_and_empty_pages_give_no_text() -> None:
    assert html_to_text("") == ""
    assert html_to_text("<html><body><script>alert(1)</script></body></html>") == ""


def test_html_deep_nesting_does_not_recurse() -> None:
    assert html_to_text("<div>" * 20_000 + "deep" + "</div>" * 20_000) == "deep"


def test_html_title_comes_first() -> None:
    prose = "Sentences of the article body that are long enough to be the main content of the page. " * 4
    html = f"<html><head><title>The Headline</title></head><body><p>{prose}</p></body></html>"
    text = html_to_text(html)
    assert text.split("\n")[0] == "The Headline"
    assert prose.strip() in text
