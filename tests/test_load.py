"""bench/load.py, small: concurrent clients against real gunicorn, and a worker killed under load;
bench/hostile.py: hostile inputs answered on time while /healthz keeps answering.

A two-page corpus is written from the seed pages, so this runs without the evaluation corpus.
The scripts are run as a user runs them (a subprocess, its JSON summary read back).
"""

from __future__ import annotations

import gzip
import html
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ("000_d69cd4827b63c906.txt", "003_26a68be119fd5844.txt")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("load") / "pages.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for name in SEEDS:
            text = (ROOT / "seeds" / name).read_text(encoding="utf-8")
            body = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))
            page = {"id": name, "views": {"text": text, "markdown": text, "wet": text},
                    "html": f"<html><head><title>{name}</title></head><body>{body}</body></html>"}
            out.write(json.dumps(page) + "\n")
    return path


def _load(corpus: Path, *args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), str(corpus), "--json", *args],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_load_concurrent_clients_get_no_errors(corpus: Path) -> None:
    code, summary = _load(corpus, "--clients", "8", "--seconds", "3")
    assert code == 0, summary
    assert summary["errors"] == 0 and summary["failed"] == []
    assert summary["requests"] == summary["ok"] >= 20
    assert summary["documents"] == 8  # 2 pages x (3 views + html)
    lat = summary["latency_ms"]
    assert 0 < lat["p50"] <= lat["p99"] <= lat["max"]
    assert summary["rps"] > 0 and summary["healthy_after"] and summary["workers_after"] == 2


def test_load_killed_worker_fails_only_its_requests_and_is_replaced(corpus: Path) -> None:
    code, summary = _load(corpus, "--clients", "8", "--seconds", "4", "--kill-worker")
    assert code == 0, summary
    kill = summary["kill"]
    assert kill["pid"] in kill["workers_before"] and kill["pid"] not in kill["workers_after"]
    assert len(kill["workers_after"]) == 2 and kill["respawn_s"] is not None and kill["respawn_s"] < 10
    # only what was in flight on the killed worker may fail; everything sent afterwards succeeds
    assert kill["failures_not_in_flight"] == 0 and kill["failures_not_on_killed_worker"] == 0
    assert kill["failures"] <= min(kill["in_flight_at_kill"], kill["connections_on_killed_worker"])
    assert kill["in_flight_at_kill"] <= 8
    assert summary["errors"] == kill["failures"]
    assert kill["succeeded_after_kill"] > 0
    assert summary["healthy_after"] and summary["workers_after"] == 2


def test_load_refuses_a_non_loopback_url(corpus: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), str(corpus), "--url",
                           "http://example.com:80"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2 and "loopback" in proc.stderr


def test_load_hostile_inputs_are_answered_on_time_and_probes_keep_answering() -> None:
    """Issue 25's inputs and the ones beyond any budget or limit, against 2 workers with a 3 s budget:
    each answered (200, 413, 422 or a 503 problem) within the budget + 1 s, /healthz within 1 s."""
    budget = 3.0
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "hostile.py"), "--json", "--budget", str(budget)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.stdout, proc.stderr
    summary = json.loads(proc.stdout)
    assert proc.returncode == 0 and summary["failed"] == [], summary["failed"]
    results = {r["input"]: r for r in summary["results"]}
    assert len(results) >= 19
    for r in results.values():
        assert r["status"] in (200, 413, 422, 503) and r["seconds"] <= budget + 1.0, r
        assert r["healthz_worst_s"] <= 1.0 and r["probe_failures"] == 0, r
        assert r["healthz_worst_same_worker_s"] is not None, r  # the probes reached the busy worker too
    assert results["5 MB of one-character lines"]["status"] == 422
    assert results["'![]()' x 5 MB (a million images)"]["problem"] == "time-budget-exceeded"
    # over the node limit: refused after the parse, before the walk; over the line limit: while walking
    for name in ("'<td> </td>' x 8 MB, one table row, as HTML", "'<p>a</p>' x 8 MB, as HTML"):
        assert results[name]["status"] == 422, results[name]
