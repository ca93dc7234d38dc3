"""POST /v1/clean/batch: through the Flask test client, then against a real gunicorn.

Every good line's answer must be exactly the /v1/clean answer for the same object (plus its id);
every bad line's a problem in its place; whole-batch errors ordinary problem answers.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import time
import urllib.parse
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from prometheus_client.parser import text_string_to_metric_families

from bench.server import start_server, stop_server
from winnow import batch as batch_module
from winnow import create_app
from winnow.batch import count_lines, iter_lines

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
NDJSON = "application/x-ndjson"
PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")
DOC = "Advertisement\n" + PROSE + "\n" + PROSE + "\n© 2024 Example Inc. All rights reserved."
PAGE = f"<html><head><title>Budget</title></head><body><nav>Home</nav><p>{PROSE}</p><p>{PROSE}</p></body></html>"


def _ndjson(*items) -> bytes:
    return b"".join((item if isinstance(item, bytes) else json.dumps(item).encode()) + b"\n" for item in items)


def _lines(data: bytes) -> list[dict]:
    assert data.endswith(b"\n") or not data
    return [json.loads(line) for line in data.splitlines()]


def _post(client, body: bytes, content_type: str = NDJSON):
    return client.post("/v1/clean/batch", data=body, content_type=content_type)


def _single(client, item: dict) -> dict:
    resp = client.post("/v1/clean", json={k: v for k, v in item.items() if k != "id"})
    assert resp.status_code == 200
    return resp.get_json()


def _samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _validator(client, name: str) -> Draft202012Validator:
    doc = client.get("/openapi.json").get_json()
    return Draft202012Validator({**doc["components"]["schemas"][name], "components": doc["components"]})


def test_batch_count_and_iter_lines() -> None:
    assert count_lines(b"") == 0 and count_lines(b"a") == 1 and count_lines(b"a\n") == 1
    assert count_lines(b"a\n\nb") == 3 and count_lines(b"\n\n\n") == 3
    body = b'{"a":1}\n\n  \r\n{"b":2}\r\n' + b"x" * 11 + b"\n{}"
    assert list(iter_lines(body, 10)) == [(1, b'{"a":1}'), (4, b'{"b":2}\r'), (5, None), (6, b"{}")]


def test_batch_answers_in_order_with_ids_and_a_bad_line_in_the_middle(client) -> None:
    items = [{"id": "a", "text": DOC}, {"id": 7, "html": PAGE, "url": "https://example.com/x"},
             {"text": DOC, "options": {"spans": False, "keep": ["content"]}}]
    body = _ndjson(items[0], b'{"id": "broken", "text": ', items[1], {"id": "bad", "text": 5},
                   b"", items[2], {"id": None, "text": "Advertisement\nCafe \u00e9 prose."})
    resp = _post(client, body)
    assert resp.status_code == 200 and resp.mimetype == NDJSON
    answers = _lines(resp.get_data())
    assert len(answers) == 6  # the blank line 5 gets no answer
    assert answers[0] == {"id": "a", **_single(client, items[0])}
    assert list(answers[0])[0] == "id"
    assert answers[1]["type"].endswith("/malformed-body") and answers[1]["status"] == 400
    assert answers[1]["line"] == 2 and "id" not in answers[1]  # unreadable: its id is unknown
    assert answers[2] == {"id": 7, **_single(client, items[1])}
    assert answers[3]["status"] == 422 and answers[3]["line"] == 4 and answers[3]["id"] == "bad"
    assert "'text' must be a string" in answers[3]["detail"] and answers[3]["instance"] == "/v1/clean/batch"
    assert answers[4] == _single(client, items[2])  # no id given: none echoed
    assert answers[5]["id"] is None and answers[5]["text"] == _single(client, {"text": "Advertisement\nCafe "
                                                                               "\u00e9 prose."})["text"]
    validator = _validator(client, "BatchAnswer")
    for answer in answers:
        validator.validate(answer)


@pytest.mark.parametrize(("line", "status", "detail"), [
    (b"[1, 2]", 422, "must be an object"),
    (b'{"text": "a", "html": "b"}', 422, "exactly one"),
    (b'{"text": "a", "id": [1]}', 422, "'id' must be"),
    (b'{"text": "a", "id": true}', 422, "'id' must be"),
    (b'{"text": "a", "extra": 1}', 422, "unknown fields"),
    (b'{"text": "a", "options": {"offsets": "bytes"}}', 422, "options.offsets"),
    (b'{"text": "\\ud800"}', 422, "lone surrogate"),
    (b"\xff\xfe{", 400, "not valid JSON"),
    (b"nonsense", 400, "not valid JSON"),
])
def test_batch_each_kind_of_bad_line_is_a_problem_in_place(client, line: bytes, status: int, detail: str) -> None:
    answers = _lines(_post(client, _ndjson({"text": DOC}, line, {"text": PROSE})).get_data())
    assert [a.get("status", 200) for a in answers] == [200, status, 200]
    assert answers[1]["line"] == 2 and detail in answers[1]["detail"]
    assert answers[2] == _single(client, {"text": PROSE})


def test_batch_line_limits(app, client, settings, monkeypatch) -> None:
    monkeypatch.setitem(app.extensions, "winnow.settings", dataclasses.replace(
        settings, max_batch_line_bytes=400, max_text_chars=300))
    long_line = json.dumps({"id": "long", "text": "word " * 200}).encode()
    over_chars = {"id": "chars", "text": "x" * 301}
    answers = _lines(_post(client, _ndjson({"text": PROSE}, long_line, over_chars, {"text": PROSE})).get_data())
    assert [a.get("status", 200) for a in answers] == [200, 413, 422, 200]
    assert answers[1]["type"].endswith("/line-too-large") and answers[1]["line"] == 2 and "id" not in answers[1]
    assert answers[2]["id"] == "chars" and "limit is 300" in answers[2]["detail"]


def test_batch_line_over_its_time_budget_is_a_503_in_place(app, client, settings, monkeypatch) -> None:
    monkeypatch.setitem(app.extensions, "winnow.settings", dataclasses.replace(settings, batch_line_budget_s=0.3))
    real = batch_module.build_answer

    def slow_for_the_marked_line(engine, req, *args):
        if req.text is not None and req.text.startswith("SLOW"):
            time.sleep(0.4)  # the engine's first stage then finds the deadline passed
        return real(engine, req, *args)

    monkeypatch.setattr(batch_module, "build_answer", slow_for_the_marked_line)
    answers = _lines(_post(client, _ndjson({"id": 1, "text": DOC}, {"id": 2, "text": "SLOW\n" + DOC},
                                           {"id": 3, "text": DOC})).get_data())
    assert [a["id"] for a in answers] == [1, 2, 3]
    assert answers[1]["status"] == 503 and answers[1]["type"].endswith("/time-budget-exceeded")
    assert "0.3 s" in answers[1]["detail"]
    single = _single(client, {"text": DOC})
    assert answers[0] == {"id": 1, **single} and answers[2] == {"id": 3, **single}


def test_batch_an_unexpected_failure_is_a_500_line_and_the_rest_go_on(client, monkeypatch) -> None:
    real = batch_module.build_answer

    def failing(engine, req, *args):
        if req.text == "BOOM":
            raise RuntimeError("a bug")
        return real(engine, req, *args)

    monkeypatch.setattr(batch_module, "build_answer", failing)
    answers = _lines(_post(client, _ndjson({"id": "x", "text": "BOOM"}, {"text": DOC})).get_data())
    assert answers[0]["status"] == 500 and answers[0]["id"] == "x" and "a bug" not in answers[0]["detail"]
    assert answers[1] == _single(client, {"text": DOC})


def test_batch_whole_batch_errors_are_problem_answers(app, client, settings, monkeypatch) -> None:
    monkeypatch.setitem(app.extensions, "winnow.settings", dataclasses.replace(
        settings, max_batch_lines=3, max_batch_bytes=2000))
    problem = _validator(client, "Problem")
    cases = [
        (_post(client, _ndjson(*[{"text": "a"}] * 4)), 413, "too-many-lines"),
        (_post(client, b"\n" * 4), 413, "too-many-lines"),  # blank lines count
        (_post(client, _ndjson({"text": "a" * 2000})), 413, "payload-too-large"),
        (_post(client, _ndjson({"text": "a"}), "application/json"), 415, "unsupported-media-type"),
        (_post(client, _ndjson({"text": "a"}), "text/plain"), 415, "unsupported-media-type"),
        (_post(client, _ndjson({"text": "a"}), NDJSON + "; charset=latin-1"), 415, "unsupported-media-type"),
    ]
    for resp, status, slug in cases:
        assert resp.status_code == status and resp.mimetype == "application/problem+json"
        body = json.loads(resp.get_data())
        assert body["type"].endswith("/" + slug), body
        problem.validate(body)
    ok = _post(client, _ndjson(*[{"text": "a"}] * 3), NDJSON + "; charset=UTF-8")
    assert ok.status_code == 200 and len(_lines(ok.get_data())) == 3
    empty = _post(client, b"")
    assert empty.status_code == 200 and empty.get_data() == b""


def test_batch_metrics_count_each_line_as_a_document_and_the_request_once(settings) -> None:
    client = create_app(settings).test_client()
    seed = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    items = [{"id": i, "text": seed if i % 2 else DOC} for i in range(6)]
    body = _ndjson(*items[:3], b"{oops", {"text": 5}, *items[3:], {"html": PAGE})
    answers = _lines(_post(client, body).get_data())
    good = [a for a in answers if "line" not in a]
    assert len(answers) == 9 and len(good) == 7
    m = _samples(client.get("/metrics").get_data(as_text=True))

    def value(name: str, **labels: str) -> float:
        return m.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("winnow_requests_total", endpoint="/v1/clean/batch", status="200") == 1
    assert value("winnow_requests_total", endpoint="/v1/clean", status="200") == 0
    assert value("winnow_request_duration_seconds_count", endpoint="/v1/clean/batch") == 1
    assert value("winnow_documents_total", input="text") == 6 and value("winnow_documents_total", input="html") == 1
    assert value("winnow_input_chars_total") == sum(a["stats"]["chars_in"] for a in good)
    assert value("winnow_output_chars_total") == sum(a["stats"]["chars_out"] for a in good)
    removed: dict[str, int] = {}
    for a in good:
        for label, chars in a["stats"]["removed_chars_by_label"].items():
            removed[label] = removed.get(label, 0) + chars
    for label, chars in removed.items():
        assert value("winnow_removed_chars_total", label=label) == chars
    assert value("winnow_paywalled_documents_total") == sum(a["paywalled"] for a in good) > 0
    assert value("winnow_errors_total", kind="malformed-body") == 1
    assert value("winnow_errors_total", kind="invalid-request") == 1
    assert value("winnow_batch_lines_total", status="200") == 7
    assert value("winnow_batch_lines_total", status="400") == value("winnow_batch_lines_total", status="422") == 1
    assert value("winnow_batch_line_duration_seconds_count") == 9
    # a refused batch is one request with its status, and no line
    _post(client, b"x", "text/plain")
    m = _samples(client.get("/metrics").get_data(as_text=True))
    assert value("winnow_requests_total", endpoint="/v1/clean/batch", status="415") == 1
    assert value("winnow_batch_line_duration_seconds_count") == 9


# --- against the real gunicorn ---------------------------------------------------------------------

LIVE_LIMITS = {"WINNOW_MAX_BATCH_LINES": "50", "WINNOW_MAX_BATCH_BYTES": "300000",
               "WINNOW_MAX_BATCH_LINE_BYTES": "100000"}


@pytest.fixture(scope="module")
def batch_server(tmp_path_factory):
    """`winnow serve`, 2 workers, with small batch limits."""
    proc, base = start_server(tmp_path_factory.mktemp("batch-metrics"), workers=2, **LIVE_LIMITS)
    yield base
    stop_server(proc)


def _http(base: str, body: bytes, content_type: str = NDJSON, chunked: bool = False, path: str = "/v1/clean/batch"):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        try:
            if chunked:
                conn.putrequest("POST", path)
                conn.putheader("Content-Type", content_type)
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                for i in range(0, len(body), 65536):
                    conn.send(f"{len(body[i:i + 65536]):x}\r\n".encode() + body[i:i + 65536] + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.request("POST", path, body=body, headers={"Content-Type": content_type})
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (413) and closed before the whole body was sent
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def _scrape(base: str) -> dict:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        return _samples(conn.getresponse().read().decode())
    finally:
        conn.close()


@pytest.mark.integration
def test_batch_over_gunicorn_in_order_with_a_bad_line_and_metrics(batch_server: str, engine) -> None:
    seeds = [(SEEDS / name).read_text(encoding="utf-8") for name in ("000_d69cd4827b63c906.txt",
                                                                     "003_26a68be119fd5844.txt")]
    items = [{"id": f"doc-{i}", "text": seeds[i % 2]} for i in range(20)]
    bad = [b'{"id": "half', {"id": "big", "text": "w " * 60_000}, {"id": "num", "text": 1}]
    body = _ndjson(*items[:10], *bad, *items[10:])
    before = _scrape(batch_server)
    status, headers, data = _http(batch_server, body, chunked=True)
    assert status == 200 and headers["Content-Type"].startswith(NDJSON)
    assert headers.get("Transfer-Encoding") == "chunked"  # streamed, not buffered whole
    answers = _lines(data)
    assert [a.get("id") for a in answers] == [f"doc-{i}" for i in range(10)] + [None, None, "num"] + \
        [f"doc-{i}" for i in range(10, 20)]
    assert [a["status"] for a in answers[10:13]] == [400, 413, 422]
    assert [a["line"] for a in answers[10:13]] == [11, 12, 13]
    for item, answer in zip(items, answers[:10] + answers[13:], strict=True):
        result = engine.clean(item["text"])
        assert answer["text"] == result.text and answer["paywalled"] is result.paywalled
        assert answer["spans"][-1]["end"] == len(item["text"])
    after = _scrape(batch_server)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("winnow_requests_total", endpoint="/v1/clean/batch", status="200") == 1
    assert delta("winnow_requests_total", endpoint="/v1/clean", status="200") == 0
    assert delta("winnow_documents_total", input="text") == 20
    assert delta("winnow_input_chars_total") == sum(len(i["text"]) for i in items)
    assert delta("winnow_batch_lines_total", status="200") == 20
    assert delta("winnow_batch_lines_total", status="413") == 1
    assert delta("winnow_errors_total", kind="line-too-large") == 1


@pytest.mark.integration
def test_batch_over_gunicorn_whole_batch_limits(batch_server: str) -> None:
    def problem(result, expected: int, slug: str) -> None:
        status, headers, data = result
        assert status == expected and headers["Content-Type"].startswith("application/problem+json")
        assert json.loads(data)["type"].endswith("/" + slug)

    problem(_http(batch_server, _ndjson(*[{"text": "a"}] * 51)), 413, "too-many-lines")
    oversize = _ndjson(*[{"text": "w " * 40_000}] * 4)  # 4 lines of 80 KB: each under the line limit
    problem(_http(batch_server, oversize), 413, "payload-too-large")
    problem(_http(batch_server, oversize, chunked=True), 413, "payload-too-large")
    problem(_http(batch_server, _ndjson({"text": "a"}), "application/json"), 415, "unsupported-media-type")
    status, _, data = _http(batch_server, _ndjson(*[{"text": "a"}] * 50))
    assert status == 200 and len(_lines(data)) == 50
