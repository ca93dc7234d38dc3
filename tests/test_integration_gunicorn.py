"""Against real gunicorn (2 gthread workers) on loopback, over HTTP."""

from __future__ import annotations

import http.client
import json
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _post(base: str, body: bytes, content_type: str, chunked: bool = False) -> tuple[int, str, dict]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        if chunked:
            conn.putrequest("POST", "/v1/clean")
            conn.putheader("Content-Type", content_type)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for i in range(0, len(body), 65536):
                piece = body[i:i + 65536]
                conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            conn.request("POST", "/v1/clean", body=body, headers={"Content-Type": content_type})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def test_integration_seed_cleans_over_http(live_server: str, engine) -> None:
    text = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    status, ctype, body = _post(live_server, json.dumps({"text": text}).encode(), "application/json")
    assert status == 200 and ctype.startswith("application/json")
    assert body["text"] == engine.clean(text).text
    assert body["paywalled"] is True
    assert body["spans"][-1]["end"] == len(text)


def test_integration_chunked_body_is_read_whole(live_server: str, engine) -> None:
    text = (SEEDS / "003_26a68be119fd5844.txt").read_text(encoding="utf-8")
    status, _, body = _post(live_server, text.encode(), "text/plain; charset=utf-8", chunked=True)
    assert status == 200
    assert body["text"] == engine.clean(text).text
    assert body["stats"]["chars_in"] == len(text)


def test_integration_chunked_oversize_body_is_refused_not_truncated(live_server: str) -> None:
    status, ctype, body = _post(live_server, b"a " * 600_000, "text/plain", chunked=True)
    assert status == 413
    assert ctype.startswith("application/problem+json")
    assert body["status"] == 413


def test_integration_concurrent_requests_all_answer(live_server: str) -> None:
    text = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    payload = json.dumps({"text": text}).encode()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: _post(live_server, payload, "application/json"), range(32)))
    assert {r[0] for r in results} == {200}
    assert len({r[2]["text"] for r in results}) == 1


def test_integration_probes(live_server: str) -> None:
    for path in ("/healthz", "/readyz", "/v1/labels", "/v1/rules"):
        with urllib.request.urlopen(live_server + path, timeout=5) as resp:
            assert resp.status == 200
