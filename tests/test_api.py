"""POST /v1/clean and the read-only endpoints, through the Flask test client.

Assertions are about structure and invariants, never about what the engine removes: the
answer must be exactly what the engine says for the same input.
"""

from __future__ import annotations

import dataclasses
import socket

import pytest

from winnow.document import KEPT_LABELS_DEFAULT, LABEL_DESCRIPTIONS, LABEL_SET, LABELS
from winnow.html import html_to_text, read_html

PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")
DOC = "Advertisement\n" + PROSE + "\n" + PROSE + "\n© 2024 Example Inc. All rights reserved."
UNICODE_DOC = ("Café crème: naïve résumé 😀 — 日本語のテキスト 🇫🇷\n" + PROSE + " 🎉 e\u0301\n"
               "Subscribe now 💳 for €1\n" + PROSE)
PAGE = (f"<html><head><title>Budget vote | Example News</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>Budget vote</h1><p>{PROSE}</p><p>{PROSE}</p></article>"
        f"<footer>© 2024 Example</footer><script>var x = 1;</script></body></html>")


def assert_covers(spans: list[dict], length: int, keep=KEPT_LABELS_DEFAULT) -> None:
    """Spans are in order, contiguous, non-empty and cover [0, length); ``kept`` says which are shown:
    those whose label is kept, but the page's <title> line (labelled title, never shown)."""
    pos = 0
    for span in spans:
        assert set(span) == {"start", "end", "label", "score", "tagger", "rule", "kept"}
        assert span["kept"] is (span["label"] in keep and span["rule"] != "title.page_title")
        assert span["start"] == pos and span["end"] > span["start"], span
        assert span["label"] in LABEL_SET
        assert isinstance(span["score"], float | int) and round(span["score"], 4) == span["score"]
        assert isinstance(span["tagger"], str) and (span["rule"] is None or isinstance(span["rule"], str))
        pos = span["end"]
    assert pos == length


def assert_matches_engine(body: dict, engine, source: str, keep=KEPT_LABELS_DEFAULT, extracted: bool = False,
                          page=None) -> None:
    """The answer is the engine's result for ``source`` (with an HTML page's hints), field by field."""
    result = engine.clean(source, keep=keep, extracted=extracted, page=page)
    assert body["text"] == result.text
    assert body["paywalled"] is result.paywalled
    assert body["stats"] == {"chars_in": len(source), "chars_out": len(result.text),
                             "removed_chars_by_label": result.removed_chars_by_label}
    assert body["version"] == engine.version
    if "spans" in body:
        assert [(s["start"], s["end"], s["label"], s["tagger"], s["rule"]) for s in body["spans"]] == [
            (s.start, s.end, s.label, s.tagger, s.rule) for s in result.spans]
        assert [s["score"] for s in body["spans"]] == [round(s.score, 4) for s in result.spans]
        assert_covers(body["spans"], len(source), keep)
        removed: dict[str, int] = {}
        for s in body["spans"]:
            if not s["kept"]:
                removed[s["label"]] = removed.get(s["label"], 0) + s["end"] - s["start"]
        assert body["stats"]["removed_chars_by_label"] == removed


@pytest.mark.parametrize("text", [DOC, UNICODE_DOC, "", "\n\n", "a\u0000b\u0000\n" + PROSE, "x\r\ny\rz"])
def test_api_clean_json_text_is_the_engine_answer(client, engine, text: str) -> None:
    resp = client.post("/v1/clean", json={"text": text})
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"text", "spans", "stats", "paywalled", "version"}
    assert_matches_engine(body, engine, text)


def test_api_url_is_metadata_and_never_fetched(client, engine, monkeypatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the service tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    resp = client.post("/v1/clean", json={"text": DOC, "url": "http://127.0.0.1:9/article"})
    assert resp.status_code == 200
    assert_matches_engine(resp.get_json(), engine, DOC)
    assert client.post("/v1/clean", json={"text": DOC, "url": None}).status_code == 200


def test_api_raw_text_plain_body_defaults_to_utf8(client, engine) -> None:
    resp = client.post("/v1/clean", data=UNICODE_DOC.encode("utf-8"), content_type="text/plain")
    assert resp.status_code == 200
    assert_matches_engine(resp.get_json(), engine, UNICODE_DOC)


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "iso-8859-1", "windows-1252", "utf-16"])
def test_api_raw_text_plain_charset_from_content_type(client, engine, charset: str) -> None:
    text = "Café crème, naïve résumé.\n" + PROSE
    resp = client.post("/v1/clean", data=text.encode(charset), content_type=f"text/plain; charset={charset}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["stats"]["chars_in"] == len(text)
    assert_matches_engine(body, engine, text)


def test_api_html_answer_has_input_text_that_the_spans_index(client, engine) -> None:
    resp = client.post("/v1/clean", json={"html": PAGE, "url": "https://example.com/budget"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"text", "spans", "stats", "paywalled", "version", "input_text"}
    assert body["input_text"] == html_to_text(PAGE)
    assert PROSE in body["input_text"] and "var x" not in body["input_text"]
    assert_matches_engine(body, engine, body["input_text"], page=read_html(PAGE)[1])
    assert "Home World" not in body["text"]  # a short page's menu: its markup shows the links


def test_api_raw_text_html_body(client, engine) -> None:
    resp = client.post("/v1/clean", data=PAGE.encode("utf-8"), content_type="text/html; charset=utf-8")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["input_text"] == html_to_text(PAGE)
    assert_matches_engine(body, engine, body["input_text"], page=read_html(PAGE)[1])


def test_api_html_without_any_text_is_an_empty_answer(client) -> None:
    for page in ("", "<html><body><script>alert(1)</script></body></html>", "<!-- nothing -->"):
        resp = client.post("/v1/clean", json={"html": page})
        assert resp.status_code == 200
        body = resp.get_json()
        assert body["input_text"] == "" and body["text"] == "" and body["spans"] == []
        assert body["stats"] == {"chars_in": 0, "chars_out": 0, "removed_chars_by_label": {}}


def _encoded_offset(text: str, cp: int, unit: str) -> int:
    if unit == "utf16":
        return len(text[:cp].encode("utf-16-le")) // 2
    if unit == "utf8":
        return len(text[:cp].encode("utf-8"))
    return cp


@pytest.mark.parametrize("unit", ["codepoint", "utf16", "utf8"])
def test_api_offsets_in_the_requested_unit(client, unit: str) -> None:
    base = client.post("/v1/clean", json={"text": UNICODE_DOC}).get_json()["spans"]
    payload = {"text": UNICODE_DOC, "options": {"offsets": unit}}
    spans = client.post("/v1/clean", json=payload).get_json()["spans"]
    assert len(spans) == len(base) > 1
    for cp, conv in zip(base, spans, strict=True):
        assert conv["start"] == _encoded_offset(UNICODE_DOC, cp["start"], unit)
        assert conv["end"] == _encoded_offset(UNICODE_DOC, cp["end"], unit)
        assert {k: v for k, v in conv.items() if k not in ("start", "end")} == \
            {k: v for k, v in cp.items() if k not in ("start", "end")}
    total = {"codepoint": len(UNICODE_DOC), "utf16": len(UNICODE_DOC.encode("utf-16-le")) // 2,
             "utf8": len(UNICODE_DOC.encode("utf-8"))}[unit]
    assert spans[-1]["end"] == total
    # the offsets slice the same pieces in the client's own encoding
    if unit == "utf8":
        raw = UNICODE_DOC.encode("utf-8")
        assert b"".join(raw[s["start"]:s["end"]] for s in spans) == raw
        for cp, conv in zip(base, spans, strict=True):
            assert raw[conv["start"]:conv["end"]].decode("utf-8") == UNICODE_DOC[cp["start"]:cp["end"]]


def test_api_spans_false_leaves_them_out(client, engine) -> None:
    body = client.post("/v1/clean", json={"text": DOC, "options": {"spans": False}}).get_json()
    assert "spans" not in body
    assert_matches_engine(body, engine, DOC)


@pytest.mark.parametrize("keep", [[], ["content"], list(LABELS), ["title", "content", "content"]])
def test_api_keep_option_is_passed_to_the_engine(client, engine, keep: list[str]) -> None:
    body = client.post("/v1/clean", json={"text": DOC, "options": {"keep": keep}}).get_json()
    assert_matches_engine(body, engine, DOC, keep=frozenset(keep))
    if not keep:
        assert body["text"] == "" and sum(body["stats"]["removed_chars_by_label"].values()) == len(DOC)
    if set(keep) == LABEL_SET:  # all but the <title> line, never shown
        assert set(body["stats"]["removed_chars_by_label"]) <= {"title"}
        assert all(s["kept"] or s["rule"] == "title.page_title" for s in body["spans"])


LONG_PAGE = "\n".join(["Home", "News", "Sport", "Weather"] + [PROSE] * 20 + ["Advertisement", "Most read"]
                      + [f"Council {n} votes on the plan for the old bridge" for n in range(6)])


def _taggers(body: dict) -> set[str]:
    return {s["tagger"] for s in body["spans"]}


def test_api_extracted_text_is_left_to_the_rules(client, engine) -> None:
    """options.extracted: true says the text is a page's main content already, so the segment model
    does not judge it (no main block): only the rules remove; by default raw text is judged."""
    judged = client.post("/v1/clean", json={"text": LONG_PAGE}).get_json()
    assert engine.model.name in _taggers(judged)
    assert_matches_engine(judged, engine, LONG_PAGE)
    extracted = client.post("/v1/clean", json={"text": LONG_PAGE, "options": {"extracted": True}}).get_json()
    assert engine.model.name not in _taggers(extracted)
    assert_matches_engine(extracted, engine, LONG_PAGE, extracted=True)
    assert "Sport" in extracted["text"] and "Advertisement" not in extracted["text"]  # a rule still removes
    assert extracted["text"] != judged["text"]


def test_api_html_is_judged_whole_unless_the_request_says_it_is_extracted(client, engine) -> None:
    """An HTML page is rendered whole and every line judged by the model, with the markup's hints
    (readability's pick, the DOM's categories); options.extracted: true leaves only the rules."""
    paragraphs = "".join(f"<p>{line}</p>" for line in LONG_PAGE.splitlines())
    page = (f"<html><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav>"
            f"<article>{paragraphs}</article></body></html>")
    default = client.post("/v1/clean", json={"html": page}).get_json()
    text, hints = read_html(page)
    assert default["input_text"] == text and "Home World" in text
    assert engine.model.name in _taggers(default)
    assert_matches_engine(default, engine, text, page=hints)
    assert "Home World" not in default["text"]
    start = text.index("Home World")
    over = [s for s in default["spans"] if s["start"] < start + 10 and s["end"] > start]
    assert {s["label"] for s in over} == {"navigation"}  # named by its <nav> or a menu rule
    extracted = client.post("/v1/clean", json={"html": page, "options": {"extracted": True}}).get_json()
    assert extracted["input_text"] == text
    assert engine.model.name not in _taggers(extracted)
    assert_matches_engine(extracted, engine, text, extracted=True, page=hints)
    null = client.post("/v1/clean", json={"html": page, "options": {"extracted": None}}).get_json()
    assert null == default


@pytest.mark.parametrize("value", ["yes", 1, [True], {}])
def test_api_extracted_must_be_a_boolean(client, value) -> None:
    resp = client.post("/v1/clean", json={"text": DOC, "options": {"extracted": value}})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert "options.extracted" in resp.get_json()["detail"]


def test_api_defaults_are_the_documented_ones(client) -> None:
    default = client.post("/v1/clean", json={"text": UNICODE_DOC}).get_json()
    explicit = client.post("/v1/clean", json={"text": UNICODE_DOC, "options": {
        "keep": ["content", "title"], "offsets": "codepoint", "spans": True}}).get_json()
    empty_options = client.post("/v1/clean", json={"text": UNICODE_DOC, "options": {}}).get_json()
    assert default == explicit == empty_options


def test_api_html_text_over_the_char_limit_is_refused(app, client, settings, monkeypatch) -> None:
    monkeypatch.setitem(app.extensions, "winnow.settings", dataclasses.replace(settings, max_text_chars=100))
    resp = client.post("/v1/clean", json={"html": PAGE})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert "limit is 100" in resp.get_json(force=True)["detail"]


def test_api_healthz_and_readyz(client, engine) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ready", "version": engine.version}


def test_api_readyz_is_503_problem_without_an_engine(app, client, monkeypatch) -> None:
    monkeypatch.delitem(app.extensions, "winnow.engine")
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json(force=True)["instance"] == "/readyz"
    assert client.get("/healthz").status_code == 200  # alive, just not ready
    assert client.post("/v1/clean", json={"text": "x"}).status_code == 503


def test_api_labels(client) -> None:
    labels = client.get("/v1/labels").get_json()["labels"]
    assert [entry["label"] for entry in labels] == list(LABELS)
    assert all(entry["description"] == LABEL_DESCRIPTIONS[entry["label"]] for entry in labels)
    assert {e["label"] for e in labels if e["kept_by_default"]} == set(KEPT_LABELS_DEFAULT)


def test_api_rules_are_the_engine_rules(client, engine) -> None:
    body = client.get("/v1/rules").get_json()
    assert body == {"version": engine.version, "rules": engine.rules_info()}
    assert body["rules"] and all(r["label"] in LABEL_SET for r in body["rules"])
