"""Against real gunicorn (`winnow serve`, 2 gthread workers) on loopback, over HTTP.

The live server's limits (bench/server.py): 1,000,000 body bytes, 200,000 text characters.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MAX_BODY_BYTES = 1_000_000


def _request(base: str, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
             chunked: bool = False) -> tuple[int, http.client.HTTPResponse, dict]:
    """One request on its own connection; a chunked body is sent by hand, 64 KiB a chunk.

    The server may answer (413) and close before the whole body is sent: that is fine, the
    answer is read anyway.
    """
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        headers = {} if content_type is None else {"Content-Type": content_type}
        try:
            if chunked:
                conn.putrequest(method, path)
                for k, v in headers.items():
                    conn.putheader(k, v)
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                for i in range(0, len(body or b""), 65536):
                    piece = body[i:i + 65536]
                    conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.request(method, path, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, resp, json.loads(raw) if raw else {}
    finally:
        conn.close()


def _post(base: str, body: bytes, content_type: str, chunked: bool = False) -> tuple[int, str, dict]:
    status, resp, payload = _request(base, "POST", "/v1/clean", body, content_type, chunked)
    return status, resp.getheader("Content-Type", ""), payload


def _assert_problem(status: int, ctype: str, body: dict, expected: int) -> None:
    assert status == expected
    assert ctype.startswith("application/problem+json")
    assert body["status"] == expected and body["type"] and body["title"] and body["instance"]


def _covers(spans: list[dict], length: int) -> bool:
    return [s["start"] for s in spans] == [0] + [s["end"] for s in spans[:-1]] and spans[-1]["end"] == length


def test_integration_seed_cleans_over_http(live_server: str, engine) -> None:
    text = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    status, ctype, body = _post(live_server, json.dumps({"text": text}).encode(), "application/json")
    assert status == 200 and ctype.startswith("application/json")
    result = engine.clean(text)
    assert body["text"] == result.text
    assert body["paywalled"] is result.paywalled
    assert body["version"] == engine.version
    assert _covers(body["spans"], len(text))


def test_integration_utf16_offsets_over_http(live_server: str) -> None:
    text = "Café 😀 naïve\n" + (SEEDS / "003_26a68be119fd5844.txt").read_text(encoding="utf-8")
    payload = {"text": text, "options": {"offsets": "utf16"}}
    status, _, body = _post(live_server, json.dumps(payload).encode(), "application/json")
    assert status == 200
    assert _covers(body["spans"], len(text.encode("utf-16-le")) // 2)


def test_integration_html_over_http(live_server: str, engine) -> None:
    prose = (SEEDS / "003_26a68be119fd5844.txt").read_text(encoding="utf-8").split("\n")
    body_html = "".join(f"<p>{p}</p>" for p in prose)
    page = f"<html><head><title>A page</title></head><body>{body_html}</body></html>"
    status, _, body = _post(live_server, page.encode("utf-8"), "text/html; charset=utf-8")
    assert status == 200
    assert body["input_text"].startswith("A page\n")
    assert body["text"] == engine.clean(body["input_text"]).text
    assert _covers(body["spans"], len(body["input_text"]))


def test_integration_chunked_body_is_read_whole(live_server: str, engine) -> None:
    text = (SEEDS / "003_26a68be119fd5844.txt").read_text(encoding="utf-8") * 40
    status, _, body = _post(live_server, text.encode(), "text/plain; charset=utf-8", chunked=True)
    assert status == 200
    assert body["stats"]["chars_in"] == len(text)
    assert body["text"] == engine.clean(text).text


def test_integration_chunked_oversize_body_is_refused_not_truncated(live_server: str) -> None:
    oversize = b"a " * (MAX_BODY_BYTES // 2 + 100_000)
    status, ctype, body = _post(live_server, oversize, "text/plain", chunked=True)
    _assert_problem(status, ctype, body, 413)


def test_integration_content_length_oversize_body_is_413(live_server: str) -> None:
    status, ctype, body = _post(live_server, b"a" * (MAX_BODY_BYTES + 1), "text/plain")
    _assert_problem(status, ctype, body, 413)


def test_integration_bad_input_is_a_problem_not_a_500(live_server: str) -> None:
    _assert_problem(*_post(live_server, b"caf\xe9", "text/plain; charset=utf-8"), 400)
    _assert_problem(*_post(live_server, b"{oops", "application/json"), 400)
    _assert_problem(*_post(live_server, b'{"text": "a", "html": "b"}', "application/json"), 422)
    _assert_problem(*_post(live_server, b"<x/>", "application/xml"), 415)
    status, resp, body = _request(live_server, "GET", "/nope")
    _assert_problem(status, resp.getheader("Content-Type", ""), body, 404)
    status, resp, body = _request(live_server, "GET", "/v1/clean")
    _assert_problem(status, resp.getheader("Content-Type", ""), body, 405)
    assert "POST" in resp.getheader("Allow", "")


def test_integration_concurrent_requests_all_answer(live_server: str) -> None:
    text = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    payload = json.dumps({"text": text}).encode()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: _post(live_server, payload, "application/json"), range(32)))
    assert {r[0] for r in results} == {200}
    assert len({r[2]["text"] for r in results}) == 1


def test_integration_probes_answer_while_heavy_requests_run(live_server: str) -> None:
    """gthread: a probe takes a free thread instead of queueing behind documents being cleaned.

    3 heavy requests: fewer than one worker's threads (4), so even if one worker took them
    all it has a thread left. (With every thread of a worker busy, a probe it accepts waits.)
    """
    para = "<div class='x'><p>" + "A sentence with <a href='#'>a link</a> and <b>bold</b> words in it. " * 8
    page = ("<html><body>" + (para + "</p></div>") * 300 + "</body></html>").encode()  # < 200,000 chars
    overlapping: list[float] = []
    with ThreadPoolExecutor(3) as pool:
        heavy = [pool.submit(_post, live_server, page, "text/html") for _ in range(3)]
        time.sleep(0.2)
        while not all(f.done() for f in heavy):
            started = time.monotonic()
            status, _, body = _request(live_server, "GET", "/healthz")
            elapsed = time.monotonic() - started
            assert status == 200 and body == {"status": "ok"}
            if not all(f.done() for f in heavy):
                overlapping.append(elapsed)
            time.sleep(0.1)
        assert {f.result()[0] for f in heavy} == {200}
    assert all(seconds < 1.0 for seconds in overlapping), overlapping


def test_integration_probes(live_server: str, engine) -> None:
    for path in ("/healthz", "/readyz", "/v1/labels", "/v1/rules"):
        status, resp, body = _request(live_server, "GET", path)
        assert status == 200 and resp.getheader("Content-Type", "").startswith("application/json")
    assert _request(live_server, "GET", "/readyz")[2]["version"] == engine.version


def test_integration_concurrent_html_pages_never_kill_a_worker(live_server: str) -> None:
    """readability-lxml shares one lxml parser per process; unguarded, gthread workers died of SIGSEGV."""
    import html as html_lib

    paragraphs = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8").split("\n")
    def page(i: int) -> str:
        body = "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs[i % 5:])
        return (f"<html><head><title>Page {i}</title></head><body><nav><a href='/'>Home</a></nav>"
                f"<article>{body}</article><footer>© 2025</footer></body></html>")

    pages = [page(i) for i in range(48)]
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(
            lambda page: _post(live_server, json.dumps({"html": page}).encode(), "application/json"), pages))
    assert [status for status, _, _ in results] == [200] * len(pages)


def test_integration_openapi_document_carries_the_servers_limits(live_server: str) -> None:
    status, resp, doc = _request(live_server, "GET", "/openapi.json")
    assert status == 200 and resp.getheader("Content-Type", "").startswith("application/json")
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["schemas"]["CleanRequest"]["properties"]["text"]["maxLength"] == 200_000
    assert str(MAX_BODY_BYTES) in doc["paths"]["/v1/clean"]["post"]["responses"]["413"]["description"]
