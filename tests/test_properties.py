"""Properties of the engine for any Unicode input (Hypothesis)."""

from __future__ import annotations

import gzip
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORPUS_DIR
from winnow.document import LABEL_SET, shown
from winnow.offsets import offset_table
from winnow.render import render

KEEP = frozenset({"content", "title"})
CHAFF = ["Advertisement", "![]() |", "|", "[Home](https://x.y/)", "© 2024 Example", "Share", "Read more",
         "To continue reading, please subscribe:", "    ", "\t|\t", "* [a](b)", "---"]
PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")
# any Unicode (lone surrogates included: the engine must survive them even though the API refuses them)
ANY_TEXT = st.text(alphabet=st.characters(codec=None), max_size=400)
PAGE = st.lists(st.one_of(st.sampled_from(CHAFF + [PROSE]), ANY_TEXT), max_size=25).map("\n".join)
EXAMPLES = int(os.environ.get("WINNOW_HYPOTHESIS_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check_spans(text: str, spans) -> None:
    pos = 0
    for span in spans:
        assert span.start == pos < span.end
        assert span.label in LABEL_SET
        pos = span.end
    assert pos == len(text)


@SETTINGS
@given(text=st.one_of(ANY_TEXT, PAGE))
def test_properties_spans_cover_input_and_text_is_what_they_keep(engine, text: str) -> None:
    result = engine.clean(text)
    _check_spans(text, result.spans)
    assert result.text == render(text, result.spans, KEEP)
    kept = "".join(text[s.start:s.end] for s in result.spans if shown(s, KEEP))
    # the clean text is the kept characters in order; only whitespace differs (render)
    assert "".join(result.text.split()) == "".join(kept.split())


@SETTINGS
@given(text=st.one_of(ANY_TEXT, PAGE))
def test_properties_offsets_are_valid_in_every_unit(engine, text: str) -> None:
    text = text.encode("utf-8", "replace").decode("utf-8")  # the API only sees valid Unicode
    spans = engine.clean(text).spans
    for unit, codec, width in (("utf16", "utf-16-le", 2), ("utf8", "utf-8", 1)):
        table = offset_table(text, unit)
        assert table[-1] == len(text.encode(codec)) // width
        for span in spans:
            assert table[span.end] - table[span.start] == len(text[span.start:span.end].encode(codec)) // width


@SETTINGS
@given(text=st.one_of(ANY_TEXT, PAGE))
def test_properties_cleaning_clean_text_removes_at_most_markup(engine, text: str) -> None:
    """What the engine returns it would return again: re-sent clean text loses nothing, in one pass.
    Which inputs may differ: only pages the segment model reads in context (16 segments or more, with
    a line it is sure is chaff); these random pages seldom are, and the corpus test below holds the
    share of real pages that do. Rules read a line as it stands in the clean text (the visible text),
    so a line rule matches a clean line as it matched the same line of the input."""
    once = engine.clean(text).text
    twice = engine.clean(once)
    removed = {label for label, chars in twice.removed_chars_by_label.items() if chars}
    assert removed <= {"markup"}, (removed, once)


@SETTINGS
@given(text=st.one_of(ANY_TEXT, PAGE))
def test_properties_clean_text_is_the_kept_input_with_only_whitespace_changed(engine, text: str) -> None:
    """Independent of render(): the clean text's non-blank characters are exactly the kept spans', in order."""
    result = engine.clean(text)
    kept = "".join(text[s.start:s.end] for s in result.spans if shown(s, KEEP))  # the <title> line is never shown
    assert "".join(result.text.split()) == "".join(kept.split())
    assert result.chars_in == len(text) and result.chars_out == len(result.text)
    removed = sum(s.end - s.start for s in result.spans if not shown(s, KEEP))
    assert sum(result.removed_chars_by_label.values()) == removed


VALID_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)  # what JSON can carry


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(VALID_TEXT, PAGE.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))))
def test_properties_api_offsets_slice_the_input_in_every_unit(app, engine, text: str) -> None:
    """Through the API: each unit's offsets cut the client's own encoding of the input into the same pieces."""
    client = app.test_client()
    pieces = None
    for unit, codec, width in (("codepoint", "utf-32-le", 4), ("utf16", "utf-16-le", 2), ("utf8", "utf-8", 1)):
        resp = client.post("/v1/clean", json={"text": text, "options": {"offsets": unit}})
        assert resp.status_code == 200
        spans = resp.get_json()["spans"]
        encoded = text.encode(codec)
        assert bool(spans) == bool(text)
        assert [s["start"] for s in spans] == [0, *[s["end"] for s in spans]][:len(spans)]
        assert (spans[-1]["end"] if spans else 0) == len(encoded) // width
        cut = [encoded[s["start"] * width:s["end"] * width].decode(codec) for s in spans]
        assert "".join(cut) == text and all(cut)
        pieces = cut if pieces is None else pieces
        assert cut == pieces  # the same pieces in every unit
    assert pieces == [text[s.start:s.end] for s in engine.clean(text).spans]


CORPORA = [CORPUS_DIR / f"{name}.jsonl.gz" for name in ("scrapinghub", "readability", "wcxb")]


@pytest.mark.corpus
def test_properties_cleaning_clean_corpus_text_removes_at_most_markup(engine) -> None:
    """Every view of every train page of the three corpora: the clean text, cleaned again, loses
    nothing but markup, in one pass per request (no check pass). Pages whose lines the segment
    model reads differently once their chaff is gone may lose a line; the share of such views is
    held to what was measured (docs/architecture.md, "Cleaning clean text")."""
    missing = [str(c) for c in CORPORA if not c.exists()]
    if missing:
        pytest.skip(f"corpus not found: {missing} (set WINNOW_CORPUS_DIR)")
    grew, views = [], 0
    for corpus in CORPORA:
        with gzip.open(corpus, "rt", encoding="utf-8") as lines:
            records = [r for r in map(json.loads, lines) if r["split"] == "train"]
        for record in records:
            for view, text in record["views"].items():
                if not text:
                    continue
                views += 1
                twice = engine.clean(engine.clean(text).text)
                removed = {label: n for label, n in twice.removed_chars_by_label.items() if n and label != "markup"}
                if removed:
                    grew.append((corpus.name.split(".")[0], record["id"][:12], view, removed))
    share = len(grew) / views
    print(f"re-cleaning removed more than markup on {len(grew)} of {views} views ({100 * share:.2f}%)")
    assert views > 3000
    assert share <= SHARE_THAT_MAY_CHANGE, grew


# measured 0.76% (24 of 3,158 views, engine 0.11.0; 2.03% in 0.10.0, 0.92% in 0.6.0)
SHARE_THAT_MAY_CHANGE = 0.01  # the goal
