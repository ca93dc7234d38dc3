#!/usr/bin/env python3
"""Cost of the Prometheus metrics: requests per second with and without them, in one run.

    python bench/metrics_overhead.py [--requests 2000] [--concurrency 8] [--scrape-after 10000]

Starts two `winnow serve` (2 gthread workers each) on loopback, one with WINNOW_METRICS=0,
and sends both the same requests (the seed documents) in alternating rounds, reporting the
median of the per-round ratios so that machine noise hits both alike. It also times, in this
process and in multiprocess mode, what the metrics code adds to one request next to what the
engine takes. Then sends --scrape-after requests to the metrics server and prints the size of
one /metrics scrape. Loopback only, bounded in count, stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import ROOT, start_server, stop_server  # noqa: E402

SEEDS = sorted((ROOT / "seeds").glob("[0-9]*.txt"))


def load(base: str, bodies: list[bytes], n: int, concurrency: int) -> float:
    """Send n requests over keep-alive connections; return requests per second."""
    host, port = base.removeprefix("http://").split(":")

    def worker(share: int) -> int:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        done = 0
        for i in range(share):
            conn.request("POST", "/v1/clean", body=bodies[i % len(bodies)],
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
            done += 1
        conn.close()
        return done

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        total = sum(pool.map(worker, [n // concurrency] * concurrency))
    return total / (time.perf_counter() - t0)


def in_process_cost(bodies: list[bytes], n: int = 300) -> str:
    """Microseconds the metrics add per request, against the engine's own time, in one process."""
    with tempfile.TemporaryDirectory() as path:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path  # before prometheus_client is imported
        from winnow.config import Settings
        from winnow.engine import Engine
        from winnow.metrics import Metrics

        engine = Engine.from_settings(Settings())
        metrics = Metrics(frozenset(r.id for r in engine.rules.rules), engine.version)
        texts = [json.loads(b)["text"] for b in bodies]
        results = [engine.clean(t) for t in texts]
        t0 = time.perf_counter()
        for i in range(n):
            engine.clean(texts[i % len(texts)])
        engine_us = (time.perf_counter() - t0) / n * 1e6
        t0 = time.perf_counter()
        for i in range(n):
            metrics.observe_result(results[i % len(results)], "text")
            metrics.observe_request("/v1/clean", 200, 0.01)
        metrics_us = (time.perf_counter() - t0) / n * 1e6
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
    return (f"in-process per request: engine {engine_us:.0f} us, metrics {metrics_us:.0f} us "
            f"({100 * metrics_us / engine_us:.1f}% of the engine)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=4000, help="per server, split into --rounds alternating rounds")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--scrape-after", type=int, default=10_000)
    args = ap.parse_args()
    bodies = [json.dumps({"text": p.read_text(encoding="utf-8")}).encode() for p in SEEDS]
    print(in_process_cost(bodies), flush=True)
    with tempfile.TemporaryDirectory() as on_dir, tempfile.TemporaryDirectory() as off_dir:
        with_metrics, base_on = start_server(Path(on_dir))
        without, base_off = start_server(Path(off_dir), WINNOW_METRICS="0")
        try:
            ratios, on_rates, off_rates = [], [], []
            for r in range(args.rounds):
                order = [(base_on, on_rates), (base_off, off_rates)]
                for base, rates in order if r % 2 == 0 else order[::-1]:
                    rates.append(load(base, bodies, args.requests // args.rounds, args.concurrency))
                ratios.append(on_rates[-1] / off_rates[-1])
                print(f"  round {r + 1}/{args.rounds}: ratio {ratios[-1]:.3f}", file=sys.stderr, flush=True)
            print(f"requests/s with metrics {statistics.median(on_rates):.1f}, without "
                  f"{statistics.median(off_rates):.1f} (medians); median ratio {statistics.median(ratios):.3f} "
                  f"(rounds ranged {min(ratios):.2f}..{max(ratios):.2f})")
            sent = args.requests
            while sent < args.scrape_after:
                batch = min(2000, args.scrape_after - sent)
                load(base_on, bodies, batch, args.concurrency)
                sent += batch
                print(f"  {sent}/{args.scrape_after} requests sent", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            with urllib.request.urlopen(base_on + "/metrics", timeout=30) as resp:
                scrape = resp.read()
            print(f"/metrics after {sent} requests: {len(scrape)} bytes, "
                  f"{sum(1 for line in scrape.splitlines() if not line.startswith(b'#'))} samples, "
                  f"scraped in {1000 * (time.perf_counter() - t0):.1f} ms")
        finally:
            stop_server(with_metrics)
            stop_server(without)
    return 0


if __name__ == "__main__":
    sys.exit(main())
