from __future__ import annotations

import json

from winnow import structured
from winnow.html import read_html
from winnow.page import parse
from winnow.structured import line_shares, shingles, structured_texts

BODY = "A sturdy cup made of glass that keeps coffee warm for hours and fits every machine"


def _page(*blocks: str, body: str = "") -> str:
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    return f"<html><head><title>Cup</title>{scripts}</head><body>{body}</body></html>"


def test_main_text_keys_are_read_wherever_they_nest() -> None:
    block = json.dumps({"@context": "https://schema.org", "@graph": [
        {"@type": "Product", "name": "Cup", "description": BODY, "offers": [{"price": "9.00"}]},
        {"@type": "DiscussionForumPosting", "text": "First post", "comment": [{"@type": "Comment", "text": "A reply"}]},
    ]})
    found = structured_texts(parse(_page(block, '<script type="text/javascript">var x = 1;</script>')))[0]
    assert sorted(found) == sorted([BODY, "First post", "A reply"])


REVIEW = "Bought two of these for the office and both still look new after a year of daily use"


def test_reviews_of_the_item_described_are_kept_apart_from_its_main_text() -> None:
    block = json.dumps({"@type": "Product", "description": BODY, "review": [
        {"@type": "Review", "reviewBody": REVIEW, "author": {"@type": "Person", "description": "Jo"}},
    ], "aggregateRating": {"ratingValue": "4.5"}})
    graph = json.dumps({"@graph": [{"@type": "LocalBusiness", "reviews": {"@type": "Review", "text": "Great"}}]})
    top = json.dumps({"@type": "Review", "reviewBody": "The page is this review"})  # the story itself
    main, reviews = structured_texts(parse(_page(block, graph, top)))
    assert sorted(main) == sorted([BODY, "The page is this review"])
    assert sorted(reviews) == sorted([REVIEW, "Jo", "Great"])
    assert structured_texts(None) == ([], [])


def test_read_html_gives_each_line_its_review_share() -> None:
    page = _page(json.dumps({"@type": "Product", "description": BODY, "review": {"reviewBody": REVIEW}}),
                 body=f"<p>{BODY}</p><p>{REVIEW}</p>")
    text, hints = read_html(page)
    lines = [text[s:e] for s, e in zip(hints.starts, hints.ends, strict=True)]
    by_line = dict(zip(lines, zip(hints.structured, hints.reviews, strict=True), strict=True))
    assert by_line[BODY] == (1.0, 0.0) and by_line[REVIEW] == (0.0, 1.0)


def test_bad_blocks_are_skipped_not_fatal() -> None:
    deep = "[" * 100_000 + "]" * 100_000  # deeper than Python's json parser recurses
    page = _page("{not json", deep, json.dumps({"articleBody": BODY}))
    assert structured_texts(parse(page))[0] == [BODY]
    assert structured_texts(None)[0] == []


def test_oversized_blocks_are_not_parsed(monkeypatch) -> None:
    monkeypatch.setattr(structured, "MAX_BLOCK_CHARS", 50)
    assert structured_texts(parse(_page(json.dumps({"articleBody": BODY}))))[0] == []


def test_markup_and_entities_inside_strings_do_not_split_words() -> None:
    known = shingles(["A sturdy <b>cup</b> made of &amp; glass"])
    assert hash(("a", "sturdy", "cup", "made")) in known and hash(("made", "of", "glass", "")) not in known
    assert hash(("cup", "made", "of", "glass")) in known


def test_line_shares_count_four_grams() -> None:
    text = f"Home\n{BODY}\nAdd to cart now please\n{BODY[:30]} and other words here"
    starts, ends = [], []
    at = 0
    for line in text.split("\n"):
        starts.append(at)
        ends.append(at + len(line))
        at += len(line) + 1
    shares = line_shares(text, starts, ends, shingles([BODY]))
    assert shares[0] == 0.0  # fewer than four words
    assert shares[1] == 1.0
    assert shares[2] == 0.0
    assert 0.0 < shares[3] < 1.0
    assert line_shares(text, starts, ends, set()) == [0.0] * 4


def test_read_html_gives_each_line_its_share_and_never_shows_the_data() -> None:
    page = _page(json.dumps({"@type": "Product", "description": BODY + " and a secret line nobody sees"}),
                 body=f"<nav>Home</nav><p>{BODY}</p><p>Add to cart now please friend</p>")
    text, hints = read_html(page)
    assert "secret" not in text  # evidence only: nothing from the data enters the text
    lines = [text[s:e] for s, e in zip(hints.starts, hints.ends, strict=True)]
    shares = dict(zip(lines, hints.structured, strict=True))
    assert shares[BODY] == 1.0 and shares["Add to cart now please friend"] == 0.0 and shares["Home"] == 0.0
