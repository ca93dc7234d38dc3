"""service/answer.py: the answer to a clean request, built without Flask (the HTTP API, the CLI, library users)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from winnow.answer import CleanRequest, build_answer
from winnow.document import KEPT_LABELS_DEFAULT
from winnow.errors import InvalidRequest, TooManySpans
from winnow.html import html_to_text

ROOT = Path(__file__).resolve().parent.parent
PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")
TEXT = "Advertisement\n" + "\n".join([PROSE] * 6) + "\n© 2024 Example Inc. All rights reserved."
PAGE = (f"<html><head><title>Budget vote | Example News</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>Budget vote</h1><p>{PROSE}</p><p>{PROSE}</p></article>"
        f"<footer>© 2024 Example</footer></body></html>")

# Run in a fresh interpreter: the test session itself has imported Flask (conftest builds the app).
# A meta-path hook records who first imports a web framework, so a failure names the culprit.
_NO_FLASK = """
import json, sys, traceback

WEB = ("flask", "werkzeug")
first = {}

class Spy:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in WEB and top not in first:
            first[top] = [f"{f.filename}:{f.lineno}" for f in traceback.extract_stack()[:-1]
                          if "importlib" not in f.filename]
        return None

sys.meta_path.insert(0, Spy())

import winnow.answer, winnow.cli, winnow.engine, winnow.html
from winnow.answer import CleanRequest, build_answer
from winnow.config import Settings
from winnow.document import KEPT_LABELS_DEFAULT
from winnow.engine import Engine

engine = Engine.from_settings(Settings.from_env())
answer, _ = build_answer(engine, CleanRequest("Advertisement\\nThe council met on Tuesday.", None,
                                              KEPT_LABELS_DEFAULT, "codepoint", True))
print(json.dumps({
    "text": answer["text"],
    "web": sorted(m for m in sys.modules if m.split(".")[0] in WEB),
    "first": first,
}))
"""


def test_answer_engine_cli_and_html_import_no_web_framework() -> None:
    """Importing and running the engine side (engine, answer, cli, html) loads neither Flask nor werkzeug."""
    proc = subprocess.run([sys.executable, "-c", _NO_FLASK], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "council met" in out["text"]
    chains = "\n".join(f"{top} first imported from:\n  " + "\n  ".join(stack) for top, stack in out["first"].items())
    assert out["web"] == [], f"the engine side imported {out['web']}\n{chains}"


def _request(text: str | None = None, html: str | None = None, *, offsets: str = "codepoint",
             spans: bool = True) -> CleanRequest:
    return CleanRequest(text, html, KEPT_LABELS_DEFAULT, offsets, spans)


def test_answer_for_text_has_the_engines_result(engine) -> None:
    answer, result = build_answer(engine, _request(TEXT))
    assert list(answer) == ["text", "stats", "paywalled", "version", "spans"]  # no input_text for text
    assert answer["text"] == result.text == engine.clean(TEXT).text
    assert answer["stats"] == {"chars_in": len(TEXT), "chars_out": len(result.text),
                               "removed_chars_by_label": result.removed_chars_by_label}
    assert answer["paywalled"] is result.paywalled and answer["version"] == engine.version
    assert [(s["start"], s["end"], s["label"]) for s in answer["spans"]] == \
        [(s.start, s.end, s.label) for s in result.spans]
    assert answer["spans"][-1]["end"] == len(TEXT)
    assert "spans" not in build_answer(engine, _request(TEXT, spans=False))[0]


def test_answer_spans_say_whether_their_text_is_kept(engine) -> None:
    """`kept`: the label is kept and the span is not the <title> line, which is labelled title
    but never shown (the headline the page shows below it is kept once)."""
    text = "Bridge reopens after repairs | Example News\nHome\nBridge reopens after repairs\n" + TEXT
    answer, result = build_answer(engine, _request(text))
    kept = [(s["label"], s["rule"]) for s in answer["spans"] if s["kept"]]
    dropped = [(s["label"], s["rule"]) for s in answer["spans"] if not s["kept"]]
    assert ("title", "title.page_title") in dropped and ("title", "title.headline") in kept
    assert all(label in ("content", "title") for label, _ in kept)
    assert answer["text"].count("Bridge reopens after repairs") == 1
    shown = "".join(text[s["start"]:s["end"]] for s in answer["spans"] if s["kept"])
    assert "Example News" not in shown and "Example News" not in answer["text"]
    # the <title> line's cells (not the pipe between them, markup) count as removed title
    page_title = sum(s["end"] - s["start"] for s in answer["spans"] if s["rule"] == "title.page_title")
    assert page_title >= len("Bridge reopens after repairs") + len("Example News")
    assert result.removed_chars_by_label.get("title") == page_title


def test_answer_for_html_has_the_input_text(engine) -> None:
    answer, result = build_answer(engine, _request(html=PAGE))
    assert answer["input_text"] == html_to_text(PAGE)
    # a short page is not judged in context, as the same text alone would not be; but its markup
    # shows the menu's links, which the text alone does not
    as_text = engine.clean(answer["input_text"], extracted=True).text
    assert as_text.startswith("Home World\n\n") and answer["text"] == as_text.removeprefix("Home World\n\n")
    assert [s["label"] for s in answer["spans"] if answer["input_text"][s["start"]:s["end"]].strip() == "Home World"] \
        == ["navigation"]
    assert answer["spans"][-1]["end"] == len(answer["input_text"])


def test_answer_offsets_in_the_asked_unit(engine) -> None:
    text = "Café 😀\n" + PROSE
    answer, _ = build_answer(engine, _request(text, offsets="utf8"))
    assert answer["spans"][-1]["end"] == len(text.encode("utf-8"))


def test_answer_max_spans_raises_too_many_spans(engine) -> None:
    spans = len(engine.clean(TEXT).spans)
    assert spans > 2
    assert len(build_answer(engine, _request(TEXT), max_spans=spans)[0]["spans"]) == spans  # at the limit: fine
    with pytest.raises(TooManySpans, match="spans=false"):
        build_answer(engine, _request(TEXT), max_spans=spans - 1)
    assert "spans" not in build_answer(engine, _request(TEXT, spans=False), max_spans=1)[0]  # no spans, no limit


def test_answer_max_text_chars_raises_invalid_request(engine) -> None:
    rendered = len(html_to_text(PAGE))
    build_answer(engine, _request(html=PAGE), max_text_chars=rendered)  # at the limit: fine
    with pytest.raises(InvalidRequest, match=f"the limit is {rendered - 1}"):
        build_answer(engine, _request(html=PAGE), max_text_chars=rendered - 1)
    with pytest.raises(InvalidRequest):
        build_answer(engine, _request(TEXT), max_text_chars=len(TEXT) - 1)
