"""/metrics parsed with the Prometheus text parser: totals add up across gunicorn workers.

The multiprocess directory: an operator's PROMETHEUS_MULTIPROC_DIR is used as is; otherwise each
server has a private one under WINNOW_METRICS_DIR, removed at exit, and a starting server removes
only the directories no live process holds (service/metrics_dir.py).
"""

from __future__ import annotations

import fcntl
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from bench.server import ROOT, start_server, stop_server
from winnow import create_app
from winnow.errors import ProblemError
from winnow.openapi import openapi_document

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


def _scrape(base: str) -> dict:
    with urllib.request.urlopen(base + "/metrics", timeout=10) as resp:
        assert resp.headers["Content-Type"] == CONTENT_TYPE_LATEST
        return _samples(resp.read().decode())


def _private_dirs(parent: Path) -> set[Path]:
    return set(parent.glob("server-*"))


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path, Path, Path, Path]]:
    """A 2-worker server, started beside an abandoned directory and one that a live process holds."""
    parent = tmp_path_factory.mktemp("metrics")
    abandoned, held = parent / "server-abandoned", parent / "server-held"
    for d in (abandoned, held):
        d.mkdir()
        (d / "owner.lock").touch()
        (d / "counter_1.db").write_bytes(b"values of another server")
    with open(held / "owner.lock") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)  # as a live server (or one of its workers) holds its own
        proc, base = start_server(parent, workers=2)
        (own,) = _private_dirs(parent) - {held}
        yield base, parent, own, abandoned, held
        stop_server(proc)


@pytest.mark.integration
def test_metrics_add_up_across_two_workers(server) -> None:
    base, _, metrics_dir, abandoned, held = server
    seeds = [(SEEDS / name).read_text(encoding="utf-8")
             for name in ("000_d69cd4827b63c906.txt", "003_26a68be119fd5844.txt")]
    payloads = [{"text": seeds[i % 2]} for i in range(40)] + [{"text": 5}] * 3
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda p: _post(base, p), payloads))
    ok = [body for status, body in results if status == 200]
    assert len(ok) == 40 and sum(1 for status, _ in results if status == 422) == 3

    samples = _scrape(base)

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
    # the server's own directory is new; of the others it removed only the one nobody holds
    assert "1" not in pids and not abandoned.exists()
    assert (held / "counter_1.db").read_bytes() == b"values of another server"


@pytest.mark.integration
def test_metrics_a_second_server_on_the_host_leaves_the_first_ones_counts(server) -> None:
    base, parent, own, _, held = server
    assert _post(base, {"text": "Advertisement\nSome words of an article."})[0] == 200
    before = _scrape(base)
    proc, base_b = start_server(parent, workers=1)  # the same WINNOW_METRICS_DIR
    try:
        assert _post(base_b, {"text": 5})[0] == 422
        after = _scrape(base)
        samples_b = _scrape(base_b)
        own_b = _private_dirs(parent) - {own, held}
    finally:
        stop_server(proc)
    for key in ("200", "422"):
        assert _value(after, "winnow_requests_total", endpoint="/v1/clean", status=key) == \
            _value(before, "winnow_requests_total", endpoint="/v1/clean", status=key) > 0
    (own_b,) = own_b
    assert _value(samples_b, "winnow_requests_total", endpoint="/v1/clean", status="422") == 1
    assert _value(samples_b, "winnow_requests_total", endpoint="/v1/clean", status="200") == 0
    assert not own_b.exists()  # removed when its server exited; the first server's is untouched
    assert own.is_dir() and list(own.glob("counter_*.db"))
    assert _value(_scrape(base), "winnow_requests_total", endpoint="/v1/clean", status="200") == \
        _value(before, "winnow_requests_total", endpoint="/v1/clean", status="200")


@pytest.mark.integration
def test_metrics_honour_prometheus_multiproc_dir_and_never_empty_it(tmp_path: Path) -> None:
    given = tmp_path / "operator"
    given.mkdir()
    (given / "README").write_text("the operator's own file")
    winnow_dir = tmp_path / "winnow"
    proc, base = start_server(winnow_dir, workers=1, PROMETHEUS_MULTIPROC_DIR=str(given))
    try:
        assert _post(base, {"text": "Advertisement\nSome words of an article."})[0] == 200
        samples = _scrape(base)
        files = {p.name for p in given.iterdir()}
    finally:
        stop_server(proc)
    assert _value(samples, "winnow_requests_total", endpoint="/v1/clean", status="200") == 1
    assert any(name.startswith("counter_") for name in files) and "README" in files
    assert not winnow_dir.exists() or not _private_dirs(winnow_dir)
    assert (given / "README").exists() and list(given.glob("counter_*.db"))  # not removed at exit either


def test_metrics_content_type_is_prometheus_clients(client) -> None:
    assert client.get("/metrics").headers["Content-Type"] == CONTENT_TYPE_LATEST


def test_metrics_every_known_label_value_starts_at_zero(settings) -> None:
    """rate() sees a series from its second sample: one born at 5 would hide its first 5 events."""
    client = create_app(settings).test_client()
    first = _samples(client.get("/metrics").get_data(as_text=True))
    paths = openapi_document(settings)["paths"]
    flask_paths = {"/static/{filename}": "/static/<path:filename>"}
    for path, operations in paths.items():
        for operation in operations.values():
            for status in operation["responses"]:
                endpoint = flask_paths.get(path, path)
                assert (("winnow_requests_total", (("endpoint", endpoint), ("status", status)))) in first
    kinds, todo = set(), [ProblemError]
    while todo:
        cls = todo.pop()
        kinds.add(cls.slug)
        todo += cls.__subclasses__()
    for kind in kinds | {"not-found", "method-not-allowed", "internal-error"}:
        assert first[("winnow_errors_total", (("kind", kind),))] == 0
    for label in ("ad", "paywall", "content", "boilerplate"):
        assert first[("winnow_removed_chars_total", (("label", label),))] == 0
    assert first[("winnow_rule_hits_total", (("rule", "paywall.login_prompt"),))] == 0
    assert first[("winnow_documents_total", (("input", "html"),))] == 0
    counted = {k: v for k, v in first.items() if k[0] in ("winnow_requests_total", "winnow_errors_total")}
    assert set(counted.values()) == {0.0}  # the first scrape counts itself after it is written

    # the errors a client can cause land on series that were there at 0: no new series appears
    client.get("/no/such/page")
    client.delete("/v1/clean")
    client.post("/v1/clean", data=b"x", headers={"Content-Type": "image/png"})
    client.post("/v1/clean", data=b"{", headers={"Content-Type": "application/json"})
    client.post("/v1/clean", json={"text": 5})
    client.get("/static/no-such-file.css")
    then = _samples(client.get("/metrics").get_data(as_text=True))
    new_series = {k for k in then if k[0] in ("winnow_requests_total", "winnow_errors_total")} - set(counted)
    assert not new_series
    for kind in ("not-found", "method-not-allowed", "unsupported-media-type", "malformed-body", "invalid-request"):
        assert then[("winnow_errors_total", (("kind", kind),))] >= 1


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
