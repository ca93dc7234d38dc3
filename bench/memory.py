#!/usr/bin/env python3
"""Time from start to /readyz, and worker memory at rest and after N requests.

    python bench/memory.py [--requests 10000] [--workers 2] [--concurrency 8] [--corpus PATH ...]

Starts `winnow serve` on loopback, reads the RSS of the master and each worker from /proc,
sends the seed documents N times (progress on stderr), reads RSS again, and each process's peak
(VmHWM). With --corpus, the requests are a mix of every page of those corpora, each once as its
text view and once as its HTML (the largest HTML pages included), instead of the seeds: the run
to size a pod's memory from. Loopback only, bounded in count, stops by itself. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.metrics_overhead import SEEDS, load  # noqa: E402
from bench.server import start_server, stop_server  # noqa: E402


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pss_mib(pid: int) -> float:
    """Proportional set size: pages shared with the master (forked) counted once across processes."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def report(when: str, master: int) -> None:
    workers = children(master)
    print(f"{when}: master {rss_mib(master):.0f} MiB, workers "
          + ", ".join(f"{rss_mib(w):.0f}" for w in workers) + " MiB (peak "
          + ", ".join(f"{rss_mib(w, 'VmHWM'):.0f}" for w in workers) + " MiB); PSS of all "
          + f"{pss_mib(master) + sum(pss_mib(w) for w in workers):.0f} MiB", flush=True)


def corpus_bodies(paths: list[str]) -> list[bytes]:
    """Every page of the corpora, as its text view and as its HTML, in the corpora's order."""
    bodies = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for record in map(json.loads, f):
                text = (record.get("views") or {}).get("text")
                if text:
                    bodies.append(json.dumps({"text": text}).encode())
                if record.get("html"):
                    bodies.append(json.dumps({"html": record["html"]}).encode())
    return bodies


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--corpus", action="append", default=[], help="corpus JSONL(.gz): its pages as text and HTML")
    args = ap.parse_args()
    if args.corpus:
        bodies = corpus_bodies(args.corpus)
        print(f"{len(bodies)} bodies (text and HTML) from {len(args.corpus)} corpora", flush=True)
    else:
        bodies = [json.dumps({"text": p.read_text(encoding="utf-8")}).encode() for p in SEEDS]
    with tempfile.TemporaryDirectory() as metrics_dir:
        t0 = time.perf_counter()
        limits = {}
        if args.corpus:  # the production limits (bench/server.py's are small): the corpora's largest pages pass
            limits = {"WINNOW_MAX_BODY_BYTES": str(8 * 1024 * 1024), "WINNOW_MAX_TEXT_CHARS": "5000000"}
        proc, base = start_server(Path(metrics_dir), workers=args.workers, **limits)
        print(f"start to /readyz: {time.perf_counter() - t0:.2f} s", flush=True)
        try:
            time.sleep(1)
            report("at rest", proc.pid)
            sent = 0
            while sent < args.requests:
                batch = min(2000, args.requests - sent)
                load(base, bodies, batch, args.concurrency)
                sent += batch
                print(f"  {sent}/{args.requests} requests", file=sys.stderr, flush=True)
            report(f"after {sent} requests", proc.pid)
        finally:
            stop_server(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
