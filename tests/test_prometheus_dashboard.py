"""The shipped Grafana dashboard, evaluated by a real Prometheus scraping a real `winnow serve`.

Debian's `prometheus` (apt-get install prometheus) runs on loopback with a temporary config that
scrapes a 2-worker `winnow serve` every second. A short mixed load with known counts is sent
(cleaned texts and HTML pages, 415s, 400s and 422s, every error kind for the first time), and
every expression of k8s/base/winnow-dashboard.json is evaluated through the HTTP API:

- during the load, with Grafana's $__rate_interval for a 1 s scrape (4 s): never NaN;
- over a window from the last scrape before the load to the first after it (so that Prometheus
  extrapolates nothing): each value times the window equals what the answers say was sent;
- idle, 4 s windows with no request but Prometheus' own scrapes: 0 or no data, never NaN.

Skipped, with the reason, without /usr/bin/prometheus, unless WINNOW_REQUIRE_PROMETHEUS=1 (set by
.ci/run, which installs it) makes that a failure. WINNOW_DASHBOARD_REPORT=PATH writes the values.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.server import ROOT, free_port, start_server, stop_server

pytestmark = pytest.mark.integration
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
DASHBOARD = ROOT / "k8s" / "base" / "winnow-dashboard.json"
SEEDS = ROOT / "seeds"
SCRAPE_SECONDS = 1
GRAFANA_RATE_INTERVAL = "4s"  # $__rate_interval: max(4 x scrape interval, step + scrape interval)
LOAD_SECONDS = 4.0
MODEL_TAGGERS = ("segment_model_v1", "quality_v1")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _missing(reason: str) -> None:
    if os.environ.get("WINNOW_REQUIRE_PROMETHEUS") == "1":
        pytest.fail(f"{reason} (WINNOW_REQUIRE_PROMETHEUS=1)")
    pytest.skip(reason)


def _get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Prometheus:
    def __init__(self, base: str) -> None:
        self.base = base

    def query(self, expr: str, at: float | None = None) -> list[dict]:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        status, body = _get(f"{self.base}/api/v1/query?{urllib.parse.urlencode(params)}")
        answer = json.loads(body)
        assert status == 200 and answer["status"] == "success", (expr, answer)
        return answer["data"]["result"]

    def sample_times(self, series: str, seconds: int = 120) -> list[float]:
        """Timestamps of the scrapes of one series over the last ``seconds``."""
        (result,) = self.query(f"{series}[{seconds}s]")
        return [float(t) for t, _ in result["values"]]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[str, Prometheus]]:
    if not Path(PROMETHEUS).exists():
        _missing(f"{PROMETHEUS} not found: install Debian's prometheus (apt-get install prometheus)")
    tmp = tmp_path_factory.mktemp("prometheus")
    proc, base = start_server(tmp / "metrics", workers=2)
    port = free_port()
    config = tmp / "prometheus.yml"
    config.write_text(json.dumps({  # YAML is a superset of JSON
        "global": {"scrape_interval": f"{SCRAPE_SECONDS}s", "scrape_timeout": f"{SCRAPE_SECONDS}s"},
        "scrape_configs": [{"job_name": "winnow", "metrics_path": "/metrics",
                            "static_configs": [{"targets": [base.removeprefix("http://")]}]}],
    }))
    log = open(tmp / "prometheus.log", "wb")  # noqa: SIM115 -- kept open for the life of the process
    prom = subprocess.Popen([PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/-/ready", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert prom.poll() is None and time.monotonic() < deadline, (tmp / "prometheus.log").read_text()
            time.sleep(0.2)
        yield base, Prometheus(f"http://127.0.0.1:{port}")
    finally:
        prom.terminate()
        prom.wait(timeout=30)
        stop_server(proc)


def _expressions() -> list[tuple[str, str, str]]:
    """(panel title, legend, expression) of every target of the shipped dashboard."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [(p["title"], t.get("legendFormat", ""), t["expr"]) for p in dashboard["panels"]
            for t in p.get("targets", [])]


def _evaluate(prom: Prometheus, window: str, at: float) -> dict[tuple[str, str], list[dict]]:
    return {(title, legend): prom.query(expr.replace("$__rate_interval", window), at)
            for title, legend, expr in _expressions()}


def _values(result: list[dict]) -> list[float]:
    return [float(r["value"][1]) for r in result]


def _by(result: list[dict], label: str) -> dict[str, float]:
    return {r["metric"].get(label, ""): float(r["value"][1]) for r in result}


def _load() -> list[tuple[str, dict | str, str]]:
    """The mixed load: (kind, body, content type) in a fixed order."""
    texts = [(SEEDS / name).read_text(encoding="utf-8")
             for name in ("000_d69cd4827b63c906.txt", "003_26a68be119fd5844.txt")]
    paragraphs = "".join(f"<p>{line}</p>" for line in texts[1].splitlines() if line.strip())
    html = f"<html><head><title>A page</title></head><body><article>{paragraphs}</article></body></html>"
    ok = [("text", {"text": texts[i % 2]}, "application/json") for i in range(24)]
    ok += [("html", {"html": html}, "application/json") for _ in range(6)]
    errors = [("415", "some bytes", "image/png")] * 5 + [("400", "{not json", "application/json")] * 4
    errors += [("422", {"text": 5}, "application/json")] * 3
    load = []
    for i in range(max(len(ok), len(errors))):  # interleaved
        load += ok[i:i + 1] + errors[i:i + 1]
    return load


def _send(base: str, items: list, results: list, started: float, spacing: float) -> None:
    for i, (kind, body, content_type) in enumerate(items):
        time.sleep(max(0.0, started + i * spacing - time.monotonic()))
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        req = urllib.request.Request(base + "/v1/clean", data=data, method="POST",
                                     headers={"Content-Type": content_type})
        t0 = time.monotonic()
        status, answer = _get_request(req)
        results.append((kind, status, answer, time.monotonic() - t0))


def _get_request(req: urllib.request.Request) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _no_nan(values: dict[tuple[str, str], list[dict]], when: str) -> None:
    for key, result in values.items():
        for v in _values(result):
            assert not math.isnan(v), f"{when}: panel {key} shows NaN: {result}"


def test_dashboard_against_prometheus_during_load_and_idle(stack) -> None:
    base, prom = stack
    report: dict = {}
    shipped = {r["id"] for r in json.loads(_get(base + "/v1/rules")[1])["rules"]}  # before: no request after
    version = json.loads(_get(base + "/readyz")[1])["version"]
    # the counters' zero samples are scraped before the first request of the load
    deadline = time.monotonic() + 20
    while not prom.query('count_over_time(winnow_requests_total{endpoint="/v1/clean",status="415"}[1m]) >= 2'):
        assert time.monotonic() < deadline, "Prometheus did not scrape winnow twice"
        time.sleep(0.25)
    load_start = time.time()
    load = _load()
    results: list = []
    spacing = LOAD_SECONDS / (len(load) / 2)
    clients = [threading.Thread(target=_send, args=(base, load[i::2], results, time.monotonic(), spacing))
               for i in range(2)]
    for c in clients:
        c.start()
    try:  # during the load, as Grafana shows it
        time.sleep(LOAD_SECONDS * 0.6)
        during = _evaluate(prom, GRAFANA_RATE_INTERVAL, time.time())
    finally:
        for c in clients:
            c.join(timeout=60)
    load_end = time.time()
    _no_nan(during, "during the load")
    rps = during[("Requests per second", "{{endpoint}} {{status}}")]
    clean = {r["metric"]["status"]: float(r["value"][1]) for r in rps if r["metric"]["endpoint"] == "/v1/clean"}
    assert clean["200"] > 0, clean  # the load is seen while it runs
    report["during"] = {f"{t} / {lg}": _values(r) for (t, lg), r in during.items()}
    assert len(results) == len(load)

    # what was sent, from the answers
    sent = {kind: sum(1 for k, s, _, _ in results if k == kind and s == int(kind))
            for kind in ("415", "400", "422")}
    ok = [answer for k, s, answer, _ in results if k in ("text", "html") and s == 200]
    assert len(ok) == 30 and sent == {"415": 5, "400": 4, "422": 3}
    chars_in = sum(a["stats"]["chars_in"] for a in ok)
    chars_out = sum(a["stats"]["chars_out"] for a in ok)
    removed: dict[str, int] = {}
    for a in ok:
        for label, n in a["stats"]["removed_chars_by_label"].items():
            removed[label] = removed.get(label, 0) + n
    rule_hits: dict[str, int] = {}
    for a in ok:
        for span in a["spans"]:
            if span["rule"] in shipped:
                rule_hits[span["rule"]] = rule_hits.get(span["rule"], 0) + 1
    scored = sum(1 for a in ok for s in a["spans"] if s["tagger"] in MODEL_TAGGERS)
    paywalled = sum(1 for a in ok if a["paywalled"])
    mostly_removed = sum(1 for a in ok if a["stats"]["chars_in"] - a["stats"]["chars_out"] > a["stats"]["chars_in"] / 2)
    slowest = max(seconds for *_, seconds in results)

    # a window from the last scrape before the load to the first one after it: nothing extrapolated
    series = "winnow_build_info"  # one sample per scrape
    deadline = time.monotonic() + 10
    while not [t for t in prom.sample_times(series) if t > load_end + 0.1]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    times = prom.sample_times(series)
    t_start = max(t for t in times if t < load_start - 0.1)
    t_end = min(t for t in times if t > load_end + 0.1)
    window_ms = round((t_end - t_start) * 1000)
    seconds = window_ms / 1000
    values = _evaluate(prom, f"{window_ms}ms", t_end)
    _no_nan(values, "over the load")

    def close(got: float, want: float) -> bool:
        return math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9)

    requests = {(r["metric"]["endpoint"], r["metric"]["status"]): float(r["value"][1]) * seconds
                for r in values[("Requests per second", "{{endpoint}} {{status}}")]}
    for status, n in (("200", 30), ("415", 5), ("400", 4), ("422", 3), ("413", 0), ("503", 0)):
        assert close(requests[("/v1/clean", status)], n), (status, requests[("/v1/clean", status)], n)
    errors = {k: v * seconds for k, v in _by(values[("Errors per second, by kind", "{{kind}}")], "kind").items()}
    # the first errors of each kind are counted: every kind was there at 0 before them
    expected_errors = {"unsupported-media-type": 5, "malformed-body": 4, "invalid-request": 3}
    for kind, n in errors.items():
        assert close(n, expected_errors.get(kind, 0)), (kind, n)
    assert set(expected_errors) <= set(errors)
    (into,) = _values(values[("Throughput (characters per second)", "in")])
    (out,) = _values(values[("Throughput (characters per second)", "out")])
    assert close(into * seconds, chars_in) and close(out * seconds, chars_out)
    share = _by(values[("Removed share of input, by label", "{{label}}")], "label")
    for label, value in share.items():
        assert close(value, removed.get(label, 0) / chars_in), label
    assert set(removed) <= set(share)
    (paywall_share,) = _values(values[("Paywalled documents", "paywalled share")])
    (mostly_share,) = _values(values[("Paywalled documents", "more than half removed")])
    assert close(paywall_share, paywalled / 30) and close(mostly_share, mostly_removed / 30)
    assert paywalled > 0
    top = {k: v * seconds for k, v in _by(values[("Top rules (spans per second)", "{{rule}}")], "rule").items()}
    assert 0 < len(top) <= 15 and all(v > 0 and close(v, rule_hits.get(k, 0)) for k, v in top.items())
    assert close(max(top.values()), max(rule_hits.values()))
    buckets = _by(values[("Model score distribution", "{{le}}")], "le")
    assert scored > 0 and close(buckets["+Inf"] * seconds, scored)
    bounds = sorted(buckets, key=float)
    assert all(buckets[a] <= buckets[b] + 1e-9 for a, b in zip(bounds, bounds[1:], strict=False))  # cumulative
    (p50,) = _values(values[("Latency of /v1/clean", "p50")])
    (p99,) = _values(values[("Latency of /v1/clean", "p99")])
    bound = min(b for b in LATENCY_BUCKETS if b >= slowest)  # the server's time is within the client's
    assert 0 < p50 <= p99 <= bound
    assert all(v == 0 for v in _values(values[("Requests given up at the time budget, by stage", "{{stage}}")]))
    (build,) = values[("Versions", "")]
    assert build["metric"]["version"] == version["engine"] and float(build["value"][1]) == 1
    report["load"] = {"window_s": seconds, "requests": {f"{e} {s}": round(v, 6) for (e, s), v in requests.items()
                                                        if e == "/v1/clean"},
                      "errors": errors, "chars_in": into * seconds, "chars_out": out * seconds,
                      "removed_share": share, "paywalled_share": paywall_share, "mostly_removed_share": mostly_share,
                      "top_rules": top, "scored_spans": buckets["+Inf"] * seconds, "p50_s": p50, "p99_s": p99,
                      "client_slowest_s": slowest}

    # idle: windows after the load with no request but the scrapes
    idle_at = load_end + 4 + 1.5 * SCRAPE_SECONDS
    time.sleep(max(0.0, idle_at - time.time()))
    idle = _evaluate(prom, GRAFANA_RATE_INTERVAL, idle_at)
    _no_nan(idle, "idle")
    no_data = {("Removed share of input, by label", "{{label}}"), ("Paywalled documents", "paywalled share"),
               ("Paywalled documents", "more than half removed"), ("Latency of /v1/clean", "p50"),
               ("Latency of /v1/clean", "p99"), ("Top rules (spans per second)", "{{rule}}")}
    for key, result in idle.items():
        if key in no_data:
            assert result == [], f"idle: panel {key} shows {result}"
        elif key == ("Versions", ""):
            assert _values(result) == [1.0]
        elif key == ("Requests per second", "{{endpoint}} {{status}}"):  # Prometheus' own scrapes only
            busy = {(r["metric"]["endpoint"], r["metric"]["status"]) for r in result if float(r["value"][1]) > 0}
            assert busy == {("/metrics", "200")}, busy
        else:
            assert result and all(v == 0 for v in _values(result)), f"idle: panel {key} shows {result}"
    report["idle"] = {f"{t} / {lg}": _values(r) for (t, lg), r in idle.items()}
    if os.environ.get("WINNOW_DASHBOARD_REPORT"):
        Path(os.environ["WINNOW_DASHBOARD_REPORT"]).write_text(json.dumps(report, indent=1))
