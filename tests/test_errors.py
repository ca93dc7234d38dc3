"""Every failure is an RFC 9457 problem+json answer with the right status; bad input is never a 500."""

from __future__ import annotations

import json
import logging

import pytest

CLEAN = "/v1/clean"


def assert_problem(resp, status: int, path: str = CLEAN) -> dict:
    assert resp.status_code == status, resp.get_data()
    assert resp.mimetype == "application/problem+json"
    body = json.loads(resp.get_data())  # strict: the body itself must be valid JSON
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and isinstance(body["detail"], str)
    assert body["instance"] == path
    return body


@pytest.mark.parametrize(
    "payload",
    [
        {"text": 1}, {"text": None}, {"html": ["x"]}, {"html": None}, {"text": "a", "html": "b"},
        {"text": None, "html": "<p>x</p>"}, {}, {"url": "https://example.com"}, {"text": "a", "extra": 1},
        {"text": "a", "url": 5}, {"text": "a", "options": "all"}, {"text": "a", "options": []},
        {"text": "a", "options": {"keep": ["nonsense"]}}, {"text": "a", "options": {"keep": "content"}},
        {"text": "a", "options": {"keep": [1]}}, {"text": "a", "options": {"offsets": "bytes"}},
        {"text": "a", "options": {"offsets": None}}, {"text": "a", "options": {"spans": "yes"}},
        {"text": "a", "options": {"spans": 1}}, {"text": "a", "options": {"color": "red"}},
        ["text"], "text", 3, None,
    ],
)
def test_errors_wrong_fields_are_422(client, payload) -> None:
    resp = client.post(CLEAN, data=json.dumps(payload), content_type="application/json")
    assert_problem(resp, 422)


def test_errors_problem_detail_names_the_field(client) -> None:
    body = assert_problem(client.post(CLEAN, json={"text": "a", "options": {"keep": ["nonsense"]}}), 422)
    assert "nonsense" in body["detail"]
    body = assert_problem(client.post(CLEAN, json={"text": "a", "html": "b"}), 422)
    assert "exactly one" in body["detail"]


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b'{"text": "a"', b"\xff\xfe{}", b"{\"text\": \"caf\xe9\"}",
     b'{"text": "a", "n": ' + b"1" * 5000 + b"}", b"[" * 100_000 + b"]" * 100_000],
    ids=["syntax", "empty", "truncated", "not-utf", "latin1-in-json", "huge-integer", "deep-nesting"],
)
def test_errors_malformed_json_is_400(client, raw: bytes) -> None:
    assert_problem(client.post(CLEAN, data=raw, content_type="application/json"), 400)


def test_errors_invalid_utf8_raw_body_is_400(client) -> None:
    resp = client.post(CLEAN, data=b"caf\xe9 \xff", content_type="text/plain; charset=utf-8")
    body = assert_problem(resp, 400)
    assert "utf-8" in body["detail"]
    assert_problem(client.post(CLEAN, data=b"<p>\xff</p>", content_type="text/html"), 400)


@pytest.mark.parametrize("charset", ["idna", "punycode", "utf-7"])
def test_errors_odd_codecs_that_fail_are_400(client, charset: str) -> None:
    resp = client.post(CLEAN, data=b"\xff\xfe" + b"a" * 100 + b"\x80.",
                       content_type=f"text/plain; charset={charset}")
    assert_problem(resp, 400)


@pytest.mark.parametrize("charset", ["x-nonsense", "base64", "rot13"])
def test_errors_unknown_or_non_text_charset_is_415(client, charset: str) -> None:
    assert_problem(client.post(CLEAN, data=b"abc", content_type=f"text/plain; charset={charset}"), 415)


@pytest.mark.parametrize("ctype", [None, "application/xml", "multipart/form-data; boundary=x",
                                   "application/x-www-form-urlencoded", "text/markdown"])
def test_errors_unsupported_content_type_is_415(client, ctype: str | None) -> None:
    headers = {} if ctype is None else {"Content-Type": ctype}
    assert_problem(client.post(CLEAN, data=b'{"text": "a"}', headers=headers), 415)


def test_errors_lone_surrogate_is_422(client) -> None:
    for raw in (b'{"text": "a\\ud800b"}', b'{"html": "<p>\\udfff</p>"}'):
        body = assert_problem(client.post(CLEAN, data=raw, content_type="application/json"), 422)
        assert "surrogate" in body["detail"]
    # a surrogate echoed in a detail still gives a valid JSON problem
    resp = client.post(CLEAN, data=b'{"text": "a", "\\ud800": 1}', content_type="application/json")
    body = assert_problem(resp, 422)
    assert "ud800" in body["detail"]


def test_errors_surrogate_pairs_and_nul_are_just_characters(client) -> None:
    resp = client.post(CLEAN, data=b'{"text": "a\\ud83d\\ude00b\\u0000c"}', content_type="application/json")
    assert resp.status_code == 200
    assert resp.get_json()["stats"]["chars_in"] == 5
    assert client.post(CLEAN, data=b"a\x00b", content_type="text/plain").status_code == 200


def test_errors_body_over_content_length_limit_is_413(client, settings) -> None:
    big = b"a" * (settings.max_body_bytes + 1)
    assert_problem(client.post(CLEAN, data=big, content_type="text/plain"), 413)
    assert_problem(client.post(CLEAN, data=b'{"text": "' + big + b'"}', content_type="application/json"), 413)


def _chunked(client, body: bytes, terminated: bool = True):
    """A request as gunicorn hands a chunked body over: no usable Content-Length, input terminated."""
    overrides = {"wsgi.input_terminated": True} if terminated else {}
    return client.post(CLEAN, data=body, content_type="text/plain",
                       headers={"Transfer-Encoding": "chunked"}, environ_overrides=overrides)


def test_errors_chunked_body_over_limit_is_413_not_truncated(client, settings) -> None:
    assert_problem(_chunked(client, b"a " * (settings.max_body_bytes // 2 + 1)), 413)


def test_errors_chunked_body_within_limit_is_read_whole(client, settings) -> None:
    body = b"word " * (settings.max_text_chars // 5)
    assert len(body) <= settings.max_body_bytes
    resp = _chunked(client, body)
    assert resp.status_code == 200
    assert resp.get_json()["stats"]["chars_in"] == len(body)


def test_errors_chunked_body_the_server_does_not_terminate_is_411(client) -> None:
    assert_problem(_chunked(client, b"hello", terminated=False), 411)


def test_errors_text_over_char_limit_is_422(client, settings) -> None:
    text = "a" * (settings.max_text_chars + 1)
    assert len(text) < settings.max_body_bytes
    body = assert_problem(client.post(CLEAN, json={"text": text}), 422)
    assert str(settings.max_text_chars) in body["detail"]
    assert_problem(client.post(CLEAN, data=text.encode(), content_type="text/plain"), 422)


def test_errors_unknown_route_is_404(client) -> None:
    assert_problem(client.get("/nope"), 404, "/nope")
    assert_problem(client.post("/v2/clean", json={"text": "a"}), 404, "/v2/clean")


def test_errors_wrong_method_is_405_with_allow(client) -> None:
    resp = client.get(CLEAN)
    assert_problem(resp, 405)
    assert "POST" in resp.headers["Allow"]
    resp = client.post("/healthz")
    assert_problem(resp, 405, "/healthz")
    assert "GET" in resp.headers["Allow"]


def test_errors_unexpected_exception_is_a_logged_500_problem(app, client, monkeypatch, caplog) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(app.extensions["winnow.engine"], "clean", broken)
    with caplog.at_level(logging.ERROR, logger="winnow"):
        body = assert_problem(client.post(CLEAN, json={"text": "a"}), 500)
    assert "engine bug" not in body["detail"]  # internals are logged, not told
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert record.exc_info and record.exc_info[0] is RuntimeError
