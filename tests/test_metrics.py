"""/metrics parsed with the Prometheus text parser: totals add up across gunicorn workers."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.server import ROOT, start_server, stop_server

SEEDS = ROOT / "seeds"
DASHBOARD = ROOT / "k8s" / "base" / "winnow-dashboard.json"


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _post(base: str, payload: dict) -> tuple[int, dict]:
    req = urllib.request.Request(base + "/v1/clean", data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    metrics_dir = tmp_path_factory.mktemp("metrics")
    (metrics_dir / "counter_1.db").write_bytes(b"stale values of an earlier run")  # must be wiped at start
    proc, base = start_server(metrics_dir, workers=2)
    yield base, metrics_dir
    stop_server(proc)


@pytest.mark.integration
def test_metrics_add_up_across_two_workers(server) -> None:
    base, metrics_dir = server
    seeds = [(SEEDS / name).read_text(encoding="utf-8")
             for name in ("000_d69cd4827b63c906.txt", "003_26a68be119fd5844.txt")]
    payloads = [{"text": seeds[i % 2]} for i in range(40)] + [{"text": 5}] * 3
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda p: _post(base, p), payloads))
    ok = [body for status, body in results if status == 200]
    assert len(ok) == 40 and sum(1 for status, _ in results if status == 422) == 3

    with urllib.request.urlopen(base + "/metrics", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain")
        samples = _samples(resp.read().decode())

    assert _value(samples, "winnow_requests_total", endpoint="/v1/clean", status="200") == 40
    assert _value(samples, "winnow_requests_total", endpoint="/v1/clean", status="422") == 3
    assert _value(samples, "winnow_errors_total", kind="invalid-request") == 3
    assert _value(samples, "winnow_documents_total", input="text") == 40
    assert _value(samples, "winnow_paywalled_documents_total") == 20
    assert _value(samples, "winnow_request_duration_seconds_count", endpoint="/v1/clean") == 43
    assert _value(samples, "winnow_input_chars_total") == sum(b["stats"]["chars_in"] for b in ok)
    assert _value(samples, "winnow_output_chars_total") == sum(b["stats"]["chars_out"] for b in ok)
    removed: dict[str, int] = {}
    for body in ok:
        for label, chars in body["stats"]["removed_chars_by_label"].items():
            removed[label] = removed.get(label, 0) + chars
    for label, chars in removed.items():
        assert _value(samples, "winnow_removed_chars_total", label=label) == chars
    rule_hits = sum(1 for b in ok for s in b["spans"] if s["rule"] == "paywall.login_prompt")
    assert _value(samples, "winnow_rule_hits_total", rule="paywall.login_prompt") == rule_hits
    assert any(name == "winnow_build_info" and value == 1 for (name, _), value in samples.items())
    scored = sum(1 for b in ok for s in b["spans"] if s["tagger"] in ("segment_model_v1", "quality_v1"))
    assert any(s["tagger"] == "segment_model_v1" for b in ok for s in b["spans"])  # seed 000 is long enough
    assert _value(samples, "winnow_model_score_count") == scored > 0
    # more than one worker wrote values: the totals above are sums across processes
    pids = {re.sub(r"\D", "", p.stem) for p in metrics_dir.glob("counter_*.db")}
    assert len(pids) >= 2
    assert "1" not in pids  # the stale file was removed before the workers started


def test_metrics_single_process_exposition(client) -> None:
    client.post("/v1/clean", json={"text": "Advertisement\nSome words."})
    samples = _samples(client.get("/metrics").get_data(as_text=True))
    assert _value(samples, "winnow_removed_chars_total", label="ad") >= len("Advertisement\n")
    assert _value(samples, "winnow_requests_total", endpoint="/v1/clean", status="200") >= 1


def test_metrics_labels_never_carry_request_values(client) -> None:
    client.post("/v1/clean", json={"text": "x", "url": "https://secret.example/doc-123"})
    client.get("/no/such/path/doc-456")
    text = client.get("/metrics").get_data(as_text=True)
    assert "secret.example" not in text and "doc-456" not in text and "doc-123" not in text


def test_metrics_dashboard_queries_only_exported_metrics(client) -> None:
    client.post("/v1/clean", json={"text": "Advertisement\nSome words."})
    exported = {name for name, _ in _samples(client.get("/metrics").get_data(as_text=True))}
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 7
    for expr in exprs:
        for name in re.findall(r"\bwinnow_[a-z0-9_]+", expr):
            assert name in exported, f"dashboard queries {name}, which the service does not export"
