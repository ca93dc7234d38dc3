"""Hostile and odd input against the real app: every answer is a 200 or a problem+json, never a 500.

The Flask test client covers most cases; a real gunicorn (production limits: 8 MB bodies,
5,000,000 characters) takes the giant ones and the chunked bodies, over a real socket.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bench.server import start_server, stop_server
from winnow import html as html_module
from winnow.config import Settings

ROOT = Path(__file__).resolve().parent.parent
MAX_BODY = 8 * 1024 * 1024
MAX_TEXT = 5_000_000
PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")
SEED = (ROOT / "seeds" / "003_26a68be119fd5844.txt").read_text(encoding="utf-8")
ERRORS = {400, 411, 413, 415, 422}


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.get_data()[:300]
    assert resp.mimetype == "application/problem+json"
    body = json.loads(resp.get_data())
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    return body


@pytest.fixture()
def production_limits(app, settings, monkeypatch):
    """The session app with the shipped defaults: 8 MB bodies, 5,000,000 characters."""
    monkeypatch.setitem(app.extensions, "winnow.settings",
                        dataclasses.replace(settings, max_body_bytes=MAX_BODY, max_text_chars=MAX_TEXT))


def _covers(spans: list[dict], length: int) -> bool:
    return [s["start"] for s in spans] == [0] + [s["end"] for s in spans[:-1]] and spans[-1]["end"] == length


# --- JSON strings: NUL, surrogates, odd numbers and encodings ---------------------------------------------

@pytest.mark.parametrize("raw", [
    b'{"html": "<p>a\\u0000b</p>"}', b'{"text": "\\u0000"}', b'{"text": "\\u0000\\n\\u0000\\u0000"}',
    b'{"html": "\\u0000\\u0000"}', b'{"text": "a", "url": "\\u0000"}',
])
def test_hardening_nul_in_json_strings_is_just_a_character(client, raw: bytes) -> None:
    resp = client.post("/v1/clean", data=raw, content_type="application/json")
    assert resp.status_code == 200
    body = resp.get_json()
    if "text" in json.loads(raw):
        assert body["stats"]["chars_in"] == len(json.loads(raw)["text"])
        assert not body["spans"] or _covers(body["spans"], body["stats"]["chars_in"])


@pytest.mark.parametrize("raw", [
    b'{"text": "\\ud800"}', b'{"text": "\\udc00\\ud800"}', b'{"text": "ok \\ud83d"}', b'{"html": "\\ude00"}',
    b'{"text": "a", "options": {"keep": ["\\ud800"]}}', b'{"text": "a", "options": {"offsets": "\\udfff"}}',
    b'{"\\ud800text": "a"}',
])
def test_hardening_lone_surrogates_are_refused_clearly(client, raw: bytes) -> None:
    body = _problem(client.post("/v1/clean", data=raw, content_type="application/json"), 422)
    body["detail"].encode("utf-8")  # the problem itself is valid Unicode


def test_hardening_lone_surrogate_in_url_metadata_is_ignored(client) -> None:
    """url is never used; a lone surrogate there cannot break anything, so it is not an error."""
    resp = client.post("/v1/clean", data=b'{"text": "a", "url": "\\ud800"}', content_type="application/json")
    assert resp.status_code == 200


@pytest.mark.parametrize("raw,status", [
    (b'{"text": NaN}', 422), (b'{"text": "a", "options": {"spans": Infinity}}', 422),
    (b'{"text": "a", "options": {"keep": -Infinity}}', 422), (b'{"text": 1e999}', 422),
    (b'{"text": "a"} trailing', 400), (b'{"text": "a",}', 400),
    (b'{"text": "\\x41"}', 400), (b'{"text": "\x01"}', 400), (b'\x00', 400), (b"null", 422), (b'"text"', 422),
])
def test_hardening_odd_json_is_a_clear_problem(client, raw: bytes, status: int) -> None:
    _problem(client.post("/v1/clean", data=raw, content_type="application/json"), status)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
def test_hardening_json_in_utf16_32_or_with_a_bom_is_understood(client, engine, codec: str) -> None:
    """json.loads detects UTF-16/32 and a UTF-8 BOM from the first bytes (RFC 8259 lets a reader ignore a BOM)."""
    raw = json.dumps({"text": PROSE}).encode(codec)
    resp = client.post("/v1/clean", data=raw, content_type="application/json")
    assert resp.status_code == 200 and resp.get_json()["text"] == engine.clean(PROSE).text


# --- raw bodies ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", ["text/plain", "text/plain; charset=utf-8", "text/html", "text/html; charset=UTF-8"])
@pytest.mark.parametrize("raw", [b"\xff", b"caf\xe9", b"\xed\xa0\x80", b"\xc0\xaf", b"ok\x80", b"\xf4\x90\x80\x80"],
                         ids=["ff", "latin1", "encoded-surrogate", "overlong", "stray-continuation", "beyond-10ffff"])
def test_hardening_invalid_utf8_raw_body_is_400(client, ctype: str, raw: bytes) -> None:
    assert "byte" in _problem(client.post("/v1/clean", data=raw, content_type=ctype), 400)["detail"]


def test_hardening_wrong_content_types_are_415(client) -> None:
    for ctype in ("application/octet-stream", "image/png", "text/csv", "application/json-patch+json",
                  "application/x-ndjson", "*/*", "garbage", "text/plain+json", "multipart/mixed"):
        _problem(client.post("/v1/clean", data=b'{"text": "a"}', headers={"Content-Type": ctype}), 415)


# --- big and deep, in-process ---------------------------------------------------------------------------

def test_hardening_deeply_nested_html(client, production_limits) -> None:
    # the HTML parser keeps 2,048 levels: deeper pages are refused (422), never cut short
    # (100,000 closed divs go through gunicorn below)
    for page in ("<div>" * 2_000 + "deep", "<table><tr><td>" * 600 + "deep",
                 "<span>" * 2_000 + "deep" + "</span>" * 2_000):
        resp = client.post("/v1/clean", json={"html": page})
        assert resp.status_code == 200
        body = resp.get_json()
        assert body["input_text"].split() == ["deep"]
        assert _covers(body["spans"], len(body["input_text"]))
    for page in ("<div>" * 100_000 + "deep", "<table><tr><td>" * 30_000 + "deep",
                 "<span>" * 20_000 + "deep" + "</span>" * 20_000):
        body = _problem(client.post("/v1/clean", json={"html": page}), 422)
        assert "2048 deep" in body["detail"]


def test_hardening_script_only_page_is_an_empty_answer(client, production_limits) -> None:
    page = "<html><head><script>" + "var x = '<p>not text</p>';" * 250_000 + "</script></head><body>" \
           + "<script type='application/ld+json'>{\"a\": 1}</script>" * 1000 + "</body></html>"
    assert 6_000_000 < len(page) < MAX_BODY
    resp = client.post("/v1/clean", data=page.encode(), content_type="text/html")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["input_text"] == "" and body["text"] == "" and body["spans"] == []


def test_hardening_page_too_big_for_readability_is_rendered_whole(client, production_limits, monkeypatch) -> None:
    called = []

    def no_readability(root):  # a failure here would be caught as a page readability cannot read
        called.append(root)
        raise ValueError("readability must not run on this page")

    monkeypatch.setattr(html_module, "_Pick", no_readability)
    page = "<body>" + "<span>x</span>" * (html_module._READABILITY_MAX_TAGS // 2 + 1) + f"<p>{PROSE}</p></body>"
    resp = client.post("/v1/clean", json={"html": page})
    assert resp.status_code == 200 and PROSE in resp.get_json()["input_text"]
    assert not called


def test_hardening_text_at_the_char_limit(client, settings) -> None:
    text = ("word " * (settings.max_text_chars // 5))[:settings.max_text_chars]
    assert client.post("/v1/clean", json={"text": text}).get_json()["stats"]["chars_in"] == settings.max_text_chars
    _problem(client.post("/v1/clean", json={"text": text + "x"}), 422)
    _problem(client.post("/v1/clean", data=(text + "é").encode(), content_type="text/plain"), 422)


def test_hardening_too_many_segments_is_refused_at_once(client, production_limits, settings) -> None:
    """The engine's time and memory grow with lines and table cells: over the limit, a 422 before any work."""
    limit = Settings().max_segments
    for text in ("a\n" * (limit + 1), "a | " * (limit + 1), "x|" * 2_000_000):
        started = time.monotonic()
        body = _problem(client.post("/v1/clean", json={"text": text}), 422)
        assert f"more than {limit} segments" in body["detail"]
        assert time.monotonic() - started < 5
    assert client.post("/v1/clean", json={"text": "| " * 1_000_000}).status_code == 200  # empty cells: no segments


def test_hardening_the_segment_limit_counts_lines_and_cells(client, app, settings, monkeypatch) -> None:
    monkeypatch.setitem(app.extensions, "winnow.settings", dataclasses.replace(settings, max_segments=4))
    assert client.post("/v1/clean", json={"text": "a\n\n  \nb | c\n| d |"}).status_code == 200  # 4: a, b, c, d
    _problem(client.post("/v1/clean", json={"text": "a\nb | c\nd | e"}), 422)  # 5
    page = "<html><body>" + "<p>line</p>" * 5 + "</body></html>"  # HTML: the rendered text counts
    _problem(client.post("/v1/clean", json={"html": page}), 422)
    assert client.get("/openapi.json").get_json()["paths"]["/v1/clean"]["post"]["responses"]["422"][
        "description"].count("4 segments") == 1


def test_hardening_too_many_html_nodes_is_refused_before_the_walk(client, app, settings, production_limits,
                                                                  monkeypatch) -> None:
    """An HTML page's rendering costs Python work per node: over WINNOW_MAX_HTML_NODES, a 422 after the parse."""
    limit = Settings().max_html_nodes
    started = time.monotonic()
    body = _problem(client.post("/v1/clean", json={"html": "<td> </td>" * limit}), 422)
    assert f"the limit is {limit}" in body["detail"] and time.monotonic() - started < 5
    monkeypatch.setitem(app.extensions, "winnow.settings", dataclasses.replace(settings, max_html_nodes=6))
    page = "<html><body><p>a</p><!-- c --><p>b</p></body></html>"  # 5 nodes
    assert client.post("/v1/clean", json={"html": page}).status_code == 200
    _problem(client.post("/v1/clean", json={"html": page.replace("</body>", "<p>c</p><p>d</p></body>")}), 422)
    assert client.post("/v1/clean", json={"text": "<p>a</p>" * 10}).status_code == 200  # text has no nodes


def test_hardening_max_segments_from_env() -> None:
    assert Settings.from_env(environ={"WINNOW_MAX_SEGMENTS": "7"}).max_segments == 7
    with pytest.raises(ValueError):
        Settings.from_env(environ={"WINNOW_MAX_SEGMENTS": "0"})
    assert Settings.from_env(environ={"WINNOW_MAX_HTML_NODES": "9"}).max_html_nodes == 9
    with pytest.raises(ValueError):
        Settings.from_env(environ={"WINNOW_MAX_HTML_NODES": "-1"})


# --- anything at all, in-process (Hypothesis) -----------------------------------------------------------

CONTENT_TYPES = st.sampled_from([
    "application/json", "application/json; charset=utf-8", "text/plain", "text/plain; charset=latin-1",
    "text/plain; charset=utf-16", "text/plain; charset=shift_jis", "text/html", "text/html; charset=koi8-r",
    "text/plain; charset=nope", "application/xml", "", "text/plain; charset=utf-7"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(codec=None), max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
REQUEST_SHAPED = st.fixed_dictionaries({}, optional={
    "text": JSON_VALUES, "html": JSON_VALUES, "url": JSON_VALUES,
    "options": st.fixed_dictionaries({}, optional={"keep": JSON_VALUES | st.lists(st.sampled_from(["content", "ad"])),
                                                   "offsets": JSON_VALUES | st.sampled_from(["utf8", "utf16"]),
                                                   "spans": JSON_VALUES}) | JSON_VALUES})
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    REQUEST_SHAPED.map(lambda v: json.dumps(v).encode()),
    REQUEST_SHAPED.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
)


@pytest.fixture(scope="module")
def answer_validator(app) -> Draft202012Validator:
    doc = app.test_client().get("/openapi.json").get_json()
    return Draft202012Validator({**doc["components"]["schemas"]["CleanResponse"], "components": doc["components"]})


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, ctype=CONTENT_TYPES)
def test_hardening_any_body_any_type_never_a_500(client, answer_validator, body: bytes, ctype: str) -> None:
    headers = {"Content-Type": ctype} if ctype else {}
    resp = client.post("/v1/clean", data=body, headers=headers)
    if resp.status_code == 200:
        answer_validator.validate(resp.get_json())
    else:
        assert resp.status_code in ERRORS, (resp.status_code, resp.get_data()[:300])
        _problem(resp, resp.status_code)


# --- real gunicorn: giant inputs and chunked bodies -----------------------------------------------------

@pytest.fixture(scope="module")
def big_server(tmp_path_factory) -> Iterator[str]:
    """`winnow serve` with the shipped limits (8 MB, 5,000,000 characters, 10 s budget), one worker."""
    proc, base = start_server(tmp_path_factory.mktemp("big") / "metrics", workers=1,
                              WINNOW_MAX_BODY_BYTES=str(MAX_BODY), WINNOW_MAX_TEXT_CHARS=str(MAX_TEXT))
    yield base
    stop_server(proc)


def _send(base: str, body: bytes, ctype: str, chunked: bool = False) -> tuple[int, str, dict]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        try:
            if chunked:
                conn.putrequest("POST", "/v1/clean")
                conn.putheader("Content-Type", ctype)
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                for i in range(0, len(body), 1 << 20):
                    piece = body[i:i + (1 << 20)]
                    conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.request("POST", "/v1/clean", body=body, headers={"Content-Type": ctype})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) and closed before the whole body was sent
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), json.loads(resp.read())
    finally:
        conn.close()


def _giant_page() -> bytes:
    """Just under 8 MB, shaped like the biggest real pages: inline data, icons, menus, and an article."""
    article = "".join(f"<p>{line}</p>" for line in SEED.split("\n"))
    nav = "<nav><ul>" + "".join(f"<li><a href='/s/{i}'>Section {i}</a></li>" for i in range(3000)) + "</ul></nav>"
    icons = "<svg viewBox='0 0 9 9'><path d='M0 0L9 9'/></svg>" * 1000
    head = f"<html><head><title>Giant page</title><style>{'.a{color:red}' * 1000}</style></head><body>{nav}{icons}"
    tail = "</body></html>"
    blob_start, blob_end = "<script>window.__DATA__ = [", "0];</script>"
    fill = MAX_BODY - 1000 - len((head + f"<article>{article}</article>" + blob_start + blob_end + tail).encode())
    return (head + f"<article>{article}</article>" + blob_start + "1," * (fill // 2) + blob_end + tail).encode()


@pytest.mark.integration
def test_hardening_gunicorn_giant_html_just_under_the_limit(big_server: str) -> None:
    page = _giant_page()
    assert MAX_BODY - 2000 < len(page) <= MAX_BODY
    status, ctype, body = _send(big_server, page, "text/html; charset=utf-8")
    assert status == 200 and ctype.startswith("application/json")
    assert body["input_text"].startswith("Giant page\n")
    assert SEED.split("\n")[3] in body["input_text"] and "__DATA__" not in body["input_text"]
    assert _covers(body["spans"], len(body["input_text"]))


@pytest.mark.integration
def test_hardening_gunicorn_5mb_single_line(big_server: str) -> None:
    line = (PROSE + " ") * (MAX_TEXT // (len(PROSE) + 1))
    line = (line + "x" * MAX_TEXT)[:MAX_TEXT]
    assert "\n" not in line and len(line) == MAX_TEXT
    status, _, body = _send(big_server, line.encode(), "text/plain; charset=utf-8", chunked=True)
    assert status == 200
    assert body["stats"]["chars_in"] == MAX_TEXT and _covers(body["spans"], MAX_TEXT)
    kept = sum(s["end"] - s["start"] for s in body["spans"] if s["label"] in ("content", "title"))
    assert body["stats"]["chars_in"] - kept == sum(body["stats"]["removed_chars_by_label"].values())


@pytest.mark.integration
def test_hardening_gunicorn_chunked_body_over_8mb_is_refused_not_truncated(big_server: str) -> None:
    status, ctype, body = _send(big_server, b"a " * (MAX_BODY // 2 + 1), "text/plain", chunked=True)
    assert status == 413 and ctype.startswith("application/problem+json")
    assert body["type"].endswith("/payload-too-large") and str(MAX_BODY) in body["detail"]


@pytest.mark.integration
def test_hardening_gunicorn_deep_html_and_the_worker_survives(big_server: str) -> None:
    page = ("<div>" * 100_000 + "deep" + "</div>" * 100_000).encode()
    status, ctype, body = _send(big_server, page, "text/html", chunked=True)
    assert status == 422 and ctype.startswith("application/problem+json") and "2048 deep" in body["detail"]
    page = ("<div>" * 2_000 + "deep" + "</div>" * 2_000).encode()
    status, _, body = _send(big_server, page, "text/html", chunked=True)
    assert status == 200 and body["input_text"] == "deep"
    status, _, body = _send(big_server, json.dumps({"text": PROSE}).encode(), "application/json")
    assert status == 200 and body["text"] == PROSE
