"""Properties of the engine for any Unicode input (Hypothesis)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.document import LABEL_SET
from service.offsets import offset_table
from service.render import render

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
    kept = " ".join(text[s.start:s.end] for s in result.spans if s.label in KEEP)
    assert all(word in kept for word in result.text.split())


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
@given(text=PAGE)
def test_properties_cleaning_clean_text_removes_at_most_markup(engine, text: str) -> None:
    once = engine.clean(text).text
    twice = engine.clean(once)
    removed = {label for label, chars in twice.removed_chars_by_label.items() if chars}
    assert removed <= {"markup"}, (removed, once)
