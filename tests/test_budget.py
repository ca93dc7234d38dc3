"""The per-request time budget: a slow document gets a 503 problem, is counted, and frees its worker."""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import threading
import time
import types
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.server import start_server, stop_server
from winnow import budget as budget_module
from winnow import html as html_module
from winnow import page as page_module
from winnow.budget import BudgetExceeded, Deadline, active, checked, checkpoint
from winnow.config import Settings
from winnow.html import read_html
from winnow.model import trees as trees_module
from winnow.model.trees import TreeEnsemble
from winnow.page import render_page
from winnow.taggers import content as content_module

ROOT = Path(__file__).resolve().parent.parent
PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")
TEXT = "Advertisement\n" + "\n".join([PROSE] * 6) + "\n© 2024 Example Inc. All rights reserved."
PARA = "<div class='x'><p>" + "A sentence with <a href='#'>a link</a> and <b>bold</b> words in it. " * 8 + "</p></div>"
HEAVY_PAGE = "<html><head><title>Heavy</title></head><body>" + PARA * 400 + "</body></html>"  # ~150 K chars of text
STAGES_PAGE = "<html><head><title>Stages</title></head><body>" + PARA * 150 + "</body></html>"  # > 4,096 nodes
ENGINE_STAGES = {"segmentation", "tagging", "resolution"}


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _budget_samples(client) -> dict[str, float]:
    samples = _samples(client.get("/metrics").get_data(as_text=True))
    return {dict(labels)["stage"]: value for (name, labels), value in samples.items()
            if name == "winnow_budget_exceeded_total"}


@pytest.fixture()
def with_budget(app, settings, monkeypatch):
    def set_budget(seconds: float, **more) -> None:
        monkeypatch.setitem(app.extensions, "winnow.settings",
                            dataclasses.replace(settings, request_budget_s=seconds, **more))
    return set_budget


class FakeClock:
    """monotonic() for winnow.budget only: every reading advances one second."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


def _assert_budget_problem(resp) -> dict:
    assert resp.status_code == 503, resp.get_data()[:300]
    assert resp.mimetype == "application/problem+json"
    body = json.loads(resp.get_data())
    assert body["type"].endswith("/time-budget-exceeded") and body["status"] == 503
    assert body["instance"] == "/v1/clean" and "budget" in body["detail"]
    assert int(resp.headers["Retry-After"]) >= 1
    return body


def test_budget_exhausted_request_is_a_503_problem_and_counted(client, with_budget) -> None:
    before = _budget_samples(client)
    with_budget(1e-9)
    body = _assert_budget_problem(client.post("/v1/clean", json={"text": TEXT}))
    assert "reading the body" in body["detail"]
    after = _budget_samples(client)
    assert after.get("reading_the_body", 0) == before.get("reading_the_body", 0) + 1
    samples = _samples(client.get("/metrics").get_data(as_text=True))
    assert samples[("winnow_errors_total", (("kind", "time-budget-exceeded"),))] >= 1
    assert samples[("winnow_requests_total", (("endpoint", "/v1/clean"), ("status", "503")))] >= 1


@pytest.mark.parametrize("kind", ["text", "html"])
def test_budget_every_stage_checks_the_deadline(client, with_budget, monkeypatch, kind: str) -> None:
    """With a clock that ticks once per reading, budget k trips at the (k+1)th check: walk them all."""
    monkeypatch.setattr(budget_module, "time", types.SimpleNamespace(monotonic=FakeClock().monotonic))
    payload = {"text": TEXT} if kind == "text" else {"html": STAGES_PAGE}
    stages: list[str] = []
    for k in range(1, 200):
        with_budget(k - 0.5)
        resp = client.post("/v1/clean", json=payload)
        if resp.status_code == 200:
            break
        detail = _assert_budget_problem(resp)["detail"]
        stages.append(detail.split(" during ", 1)[1].split(";", 1)[0])
    else:
        pytest.fail("the request never finished within 200 clock ticks")
    assert stages[0] == "reading the body"
    assert ENGINE_STAGES <= set(stages)
    if kind == "html":
        assert {"readability", "html parsing", "html rendering"} <= set(stages)
        assert stages.index("html parsing") < stages.index("html rendering") < stages.index("readability") \
            < stages.index("segmentation")
    # one stage at a time, in order, each noticed once per its own checks
    assert stages.index("segmentation") < stages.index("tagging") \
        < stages.index("resolution")


def test_budget_zero_means_no_budget(client, with_budget, monkeypatch) -> None:
    clock = types.SimpleNamespace(monotonic=lambda: time.monotonic() + 1e9 * next(ticks))
    ticks = iter(range(10**6))
    monkeypatch.setattr(budget_module, "time", clock)
    with_budget(0)
    assert client.post("/v1/clean", json={"text": TEXT}).status_code == 200


def test_budget_a_real_slow_document_gives_up_and_the_next_request_is_served(client, with_budget) -> None:
    with_budget(0.02)
    _assert_budget_problem(client.post("/v1/clean", json={"html": HEAVY_PAGE}))
    with_budget(30)
    assert client.post("/v1/clean", json={"html": HEAVY_PAGE}).status_code == 200  # the parser lock was released
    assert client.post("/v1/clean", json={"text": TEXT}).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_budget_waiting_for_the_parser_lock_is_bounded(client, with_budget) -> None:
    with_budget(0.3)
    with html_module._READABILITY_LOCK:  # another thread is parsing a page
        started = time.monotonic()
        body = _assert_budget_problem(client.post("/v1/clean", json={"html": "<p>hello</p>"}))
        waited = time.monotonic() - started
    assert "waiting for the html parser" in body["detail"]
    assert 0.25 <= waited < 5
    assert client.post("/v1/clean", json={"html": "<p>hello</p>"}).status_code == 200


class CountingDeadline(Deadline):
    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__(3600)
        self.stages: list[str] = []
        self.fail_after = fail_after

    def check(self, stage: str) -> None:
        self.stages.append(stage)
        if self.fail_after is not None and len(self.stages) > self.fail_after:
            raise BudgetExceeded(stage, self.budget_s)


def test_budget_render_walk_checks_every_few_thousand_nodes() -> None:
    markup = "<div>" + "<p>word <b>bold</b></p>" * 5000 + "</div>"  # ~20,000 walk items
    deadline = CountingDeadline()
    assert render_page(markup, deadline).text == render_page(markup).text  # checking changes nothing
    rendering = deadline.stages.count("html rendering")
    assert 20_000 // page_module._CHECK_EVERY - 1 <= rendering <= 40_000 // page_module._CHECK_EVERY + 1
    with pytest.raises(BudgetExceeded) as caught:
        render_page(markup, CountingDeadline(fail_after=1))
    assert caught.value.stage == "html rendering"


def test_budget_exceeded_is_not_swallowed_by_the_html_path() -> None:
    """read_html turns readability's failures into "no pick"; never a budget overrun."""
    page = "<html><body>" + "<p>short enough words here</p>" * 3000 + "</body></html>"
    counting = CountingDeadline()
    read_html(page, counting)
    assert {"html parsing", "html rendering", "readability"} <= set(counting.stages)
    for fail_after in range(len(counting.stages)):  # whichever check finds the budget spent
        with pytest.raises(BudgetExceeded):
            read_html(page, CountingDeadline(fail_after=fail_after))
    assert html_module._READABILITY_LOCK.acquire(blocking=False)  # and the lock is free again
    html_module._READABILITY_LOCK.release()


def test_budget_too_many_spans_is_refused_not_truncated(client, engine, with_budget) -> None:
    spans = len(engine.clean(TEXT).spans)
    assert spans > 2
    with_budget(10, max_spans=spans)
    assert len(client.post("/v1/clean", json={"text": TEXT}).get_json()["spans"]) == spans  # at the limit: fine
    with_budget(10, max_spans=spans - 1)
    resp = client.post("/v1/clean", json={"text": TEXT})
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    body = json.loads(resp.get_data())
    assert body["type"].endswith("/too-many-spans") and str(spans - 1) in body["detail"]
    assert "spans=false" in body["detail"]
    resp = client.post("/v1/clean", json={"text": TEXT, "options": {"spans": False}})
    assert resp.status_code == 200 and resp.get_json()["text"] == engine.clean(TEXT).text


def test_budget_settings_from_env() -> None:
    s = Settings.from_env(environ={"WINNOW_REQUEST_BUDGET_S": "2.5", "WINNOW_MAX_SPANS": "7"})
    assert s.request_budget_s == 2.5 and s.max_spans == 7
    assert Settings.from_env(environ={}).request_budget_s == 10.0
    for bad in ({"WINNOW_REQUEST_BUDGET_S": "-1"}, {"WINNOW_REQUEST_BUDGET_S": "nan"},
                {"WINNOW_REQUEST_BUDGET_S": "inf"}, {"WINNOW_MAX_SPANS": "0"}, {"WINNOW_MAX_BODY_BYTES": "-5"}):
        with pytest.raises(ValueError):
            Settings.from_env(environ=bad)


def _http(base: str, method: str, path: str, body: bytes | None = None,
          ctype: str = "application/json") -> tuple[int, dict, bytes]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": ctype} if body is not None else {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def _workers(master: int) -> list[int]:
    return sorted(int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split())


@pytest.mark.integration
def test_budget_under_gunicorn_the_worker_stays_healthy(tmp_path: Path) -> None:
    proc, base = start_server(tmp_path / "metrics", workers=1, WINNOW_REQUEST_BUDGET_S="0.05")
    try:
        workers = _workers(proc.pid)
        heavy = json.dumps({"html": HEAVY_PAGE}).encode()
        results: list[tuple[int, dict, bytes]] = []

        def post_heavy() -> None:
            results.append(_http(base, "POST", "/v1/clean", heavy))

        threads = [threading.Thread(target=post_heavy) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.05)
        status, _, body = _http(base, "GET", "/healthz")  # a free thread answers while they run
        assert status == 200 and json.loads(body) == {"status": "ok"}
        for t in threads:
            t.join(60)
        assert [r[0] for r in results] == [503] * 3
        for _, headers, body in results:
            assert headers["Content-Type"].startswith("application/problem+json")
            assert headers["Retry-After"] == "1"
            assert json.loads(body)["type"].endswith("/time-budget-exceeded")
        # the same worker, healthy: probes and a small document are answered (on a busy machine
        # the small document itself may run past a 0.05 s budget: it is sent again, a few times)
        assert _workers(proc.pid) == workers
        assert _http(base, "GET", "/healthz")[0] == 200
        small, late = json.dumps({"text": TEXT}).encode(), 0
        for _ in range(5):
            status, _, body = _http(base, "POST", "/v1/clean", small)
            if status != 503:
                break
            late += 1
        assert status == 200 and json.loads(body)["stats"]["chars_in"] == len(TEXT)
        samples = _samples(_http(base, "GET", "/metrics")[2].decode())
        exceeded = sum(v for (name, _), v in samples.items() if name == "winnow_budget_exceeded_total")
        assert exceeded == 3 + late
        assert samples[("winnow_errors_total", (("kind", "time-budget-exceeded"),))] == 3 + late
    finally:
        stop_server(proc)


def test_budget_every_stage_checked_in_the_code_is_a_known_stage_and_exported_at_zero(client) -> None:
    """The metric's stage label is a fixed set: every literal passed to check()/BudgetExceeded is in it."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "service").rglob("*.py"))
    used = set(re.findall(r"""(?:check\(\w+, |BudgetExceeded\()"([^"]+)\"""", source))
    assert used and used == set(budget_module.STAGES), used ^ set(budget_module.STAGES)
    with pytest.raises(ValueError):
        BudgetExceeded("somewhere new", 1.0)
    exported = _budget_samples(client)
    assert {s.replace(" ", "_") for s in budget_module.STAGES} <= set(exported)


# --- inside the stages: the active deadline ------------------------------------------------------------

def test_budget_checkpoint_checks_only_the_active_deadline() -> None:
    spent = Deadline(-1.0)  # already past
    checkpoint("tagging")  # no active deadline (the CLI, training): nothing to check
    items = [1, 2, 3]
    assert checked(items, "tagging") is items  # and nothing added to the loop
    with active(spent):
        with pytest.raises(BudgetExceeded) as caught:
            checkpoint("tagging")
        assert caught.value.stage == "tagging"
        with pytest.raises(BudgetExceeded):
            list(checked(range(10), "tagging", every=4))
        assert list(checked(range(3), "tagging", every=4)) == [0, 1, 2]  # checked every 4 items, not before
        with active(None):  # nested: the inner one wins, and the outer one comes back
            checkpoint("tagging")
        with pytest.raises(BudgetExceeded):
            checkpoint("tagging")
    checkpoint("tagging")
    with active(Deadline(10.0)):
        checkpoint("tagging", reserve_s=1.0)
        with pytest.raises(BudgetExceeded):  # time left, but less than the stages after need
            checkpoint("tagging", reserve_s=60.0)


def test_budget_the_active_deadline_belongs_to_its_thread() -> None:
    seen: list[BaseException | None] = []

    def other() -> None:
        try:
            checkpoint("tagging")
            seen.append(None)
        except BudgetExceeded as exc:
            seen.append(exc)

    with active(Deadline(-1.0)):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert seen == [None]  # another request's thread (gthread) is not this request


@pytest.mark.parametrize("text, stage", [
    ("![]()" * 400_000, "tagging"),  # 1.2 M residue spans: ~7 s without a budget
    ("we use cookies. " * 130_000, "tagging"),  # 2 MB of rule hits, one line
])
def test_budget_a_hostile_text_stops_inside_its_stage(client, with_budget, text: str, stage: str) -> None:
    """The budget is checked inside the long stages, not only between them: the 503 comes on time."""
    budget = 0.5
    with_budget(budget, max_text_chars=5_000_000, max_body_bytes=8 * 1024 * 1024)
    started = time.monotonic()
    resp = client.post("/v1/clean", json={"text": text})
    elapsed = time.monotonic() - started
    if resp.status_code == 200:  # a fast machine may clean it within the budget: then on time too
        assert elapsed < budget + 1.0
        return
    body = _assert_budget_problem(resp)
    assert f"during {stage}" in body["detail"]
    assert elapsed < budget + 1.0, elapsed


def test_budget_trees_in_chunks_give_the_same_bits_and_check_between_them(monkeypatch) -> None:
    rng = np.random.default_rng(7)
    depth, trees, features = 3, 5, 4
    ensemble = TreeEnsemble(rng.integers(0, features, (trees, 2 ** depth - 1)).astype(np.int32),
                            rng.normal(size=(trees, 2 ** depth - 1)), rng.normal(size=(trees, 2 ** depth)), 0.25)
    x = rng.normal(size=(1000, features))
    whole = ensemble.decision(x)
    monkeypatch.setattr(trees_module, "CHUNK_ROWS", 64)
    deadline = CountingDeadline()
    with active(deadline):
        chunked = ensemble.decision(x)
    assert np.array_equal(whole, chunked)
    assert deadline.stages == ["tagging"] * 16  # one check per chunk of 64 rows
    with active(CountingDeadline(fail_after=3)), pytest.raises(BudgetExceeded):
        ensemble.decision(x)


def test_budget_gives_up_before_the_stages_that_cannot_be_interrupted(client, with_budget, monkeypatch) -> None:
    """Resolution, assembly and rendering check no deadline: the content stage reserves their time."""
    monkeypatch.setattr(content_module, "TAIL_S_PER_SEGMENT", 100.0)  # as if each segment took 100 s after it
    with_budget(30)
    body = _assert_budget_problem(client.post("/v1/clean", json={"text": TEXT}))
    assert "during tagging" in body["detail"]
    with_budget(0)  # no budget, nothing to reserve
    assert client.post("/v1/clean", json={"text": TEXT}).status_code == 200


def test_budget_gives_up_before_the_model_reads_a_page_it_cannot_read_in_time(client, with_budget,
                                                                              monkeypatch) -> None:
    """The model's reading runs in whole-array steps (0.7-2 s for 100,000 lines): a page whose
    reading would outrun what is left of the budget gives up before it starts, the model unread."""
    from winnow.taggers.segment_model import ModelTagger

    reads = []
    read = ModelTagger.read
    monkeypatch.setattr(ModelTagger, "read", lambda self, doc: reads.append(len(doc.segments)) or read(self, doc))
    monkeypatch.setattr(content_module, "MODEL_S_PER_SEGMENT", 100.0)  # as if each segment took 100 s to read
    text = "\n".join(["Advertisement", PROSE] * 10)  # long enough for the model to judge (16 segments)
    with_budget(30)
    body = _assert_budget_problem(client.post("/v1/clean", json={"text": text}))
    assert "during tagging" in body["detail"] and reads == []
    with_budget(0)  # no budget, nothing to reserve: the model reads the page
    assert client.post("/v1/clean", json={"text": text}).status_code == 200 and reads == [20]


def test_budget_line_evidence_checks_the_deadline_while_it_walks_the_lines() -> None:
    """Reading what the markup says of each line takes about 7 us a line, unchecked before: a page of
    100,000 lines held its worker 0.7 s past a spent budget."""
    page = render_page("<p>a</p>" * 10_000)
    deadline = CountingDeadline()
    with active(deadline):
        html_module.line_evidence(page)
    assert deadline.stages == ["html rendering"] * (10_000 // 4096)
    with active(CountingDeadline(fail_after=1)), pytest.raises(BudgetExceeded):
        html_module.line_evidence(page)
