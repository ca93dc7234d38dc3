#!/usr/bin/env python3
"""Throughput of `winnow serve` beside a bare Flask app under the same gunicorn settings, in one run.

    python bench/server_ratio.py [--corpus ../shared/corpus/scrapinghub.jsonl.gz] [--split dev] [--view text]
        [--clients 8] [--seconds 10] [--rounds 3] [--warmup 3] [--workers 2] [--threads N]

The bare app (`bench.server_ratio:bare_app()`) has one route, POST /v1/clean, that parses the
JSON body and answers {"text": <its first 100 characters>}: what HTTP, gunicorn, Flask and
JSON cost with no cleaning. Both servers are started here on free loopback ports with the
same gunicorn config file (service/gunicorn_conf.py: gthread workers, keep-alive, preload),
the same WINNOW_WORKERS / WINNOW_THREADS (--threads defaults to winnow's own default), and
each its own metrics directory in a fresh temporary directory (WINNOW_METRICS_DIR); winnow
keeps its default limits.

The corpus view's documents are posted as {"text": ...} by --clients keep-alive client
threads (bench/load.py's client) for --seconds per phase, after a --warmup phase on each
server; phases alternate winnow, bare, winnow, bare, ... (--rounds each). Printed: requests/s
of each phase, the client process's CPU use (near one core, the client may be what limits a
fast server), the median of each server, the errors (any non-200 answer is one) and the ratio
winnow / bare of the medians. Loopback only; bounded in time (a hard stop kills the servers
and exits); the servers are stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import Run, client, percentile  # noqa: E402
from bench.server import free_port, start_server, stop_server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "service" / "gunicorn_conf.py"
TIMEOUT_S = 60.0  # per request


def bare_app():
    """A Flask app that parses the JSON body of POST /v1/clean and cleans nothing (gunicorn factory)."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.post("/v1/clean")
    def clean():
        body = request.get_json()
        return jsonify({"text": body["text"][:100]})

    return app


def start_bare(tmp: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    """Start the bare app with gunicorn and winnow's config on a free loopback port; (process, base URL)."""
    port = free_port()
    log_path = tmp / f"bare-server-{port}.log"
    env = {**os.environ, "WINNOW_HOST": "127.0.0.1", "WINNOW_PORT": str(port), "WINNOW_WORKERS": str(workers),
           "WINNOW_THREADS": str(threads), "WINNOW_METRICS_DIR": str(tmp / "bare-metrics")}
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
                                 "bench.server_ratio:bare_app()"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    probe = urllib.request.Request(base + "/v1/clean", data=b'{"text": "ready?"}',
                                   headers={"Content-Type": "application/json"})
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(probe, timeout=2) as resp:
                if resp.status == 200:
                    return proc, base
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(f"the bare app did not become ready:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.2)


def phase(port: int, bodies: list[bytes], clients: int, seconds: float) -> dict:
    """``clients`` keep-alive threads post the bodies for ``seconds``; each starts at its own share of them."""
    run = Run()
    cpu0, started = time.process_time(), time.monotonic()
    threads = [threading.Thread(target=client, daemon=True,
                                args=(run, "127.0.0.1", port, bodies, n * len(bodies) // clients,
                                      started + seconds, None, TIMEOUT_S))
               for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ok = sorted(o.ended - o.started for o in run.outcomes if o.error is None)
    return {"rps": len(ok) / elapsed, "ok": len(ok), "p50_ms": 1000 * percentile(ok, 50),
            "errors": Counter(o.error for o in run.outcomes if o.error is not None),
            "client_cpu": (time.process_time() - cpu0) / elapsed}


def main(argv: list[str] | None = None) -> int:
    from bench.quality import load
    from winnow.config import Settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "scrapinghub.jsonl.gz"))
    ap.add_argument("--split", default="dev", choices=["all", "train", "dev"])
    ap.add_argument("--view", default="text")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each measured phase")
    ap.add_argument("--rounds", type=int, default=3, help="measured phases per server")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load on each server first")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=Settings.from_env().threads, help="per worker (winnow's default)")
    args = ap.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.rounds < 1 or args.warmup < 0:
        ap.error("--clients, --seconds and --rounds must be positive, --warmup not negative")

    bodies = [json.dumps({"text": r["views"][args.view]}, ensure_ascii=False).encode("utf-8")
              for r in load(args.corpus, args.split)]
    if not bodies:
        raise SystemExit(f"no documents of split {args.split} in {args.corpus}")
    print(f"{len(bodies)} documents ({args.view}, split {args.split}, {sum(map(len, bodies)) / 1e6:.1f} MB); "
          f"{args.workers} workers x {args.threads} threads; {args.clients} clients, {args.rounds} x "
          f"{args.seconds:g} s per server", file=sys.stderr, flush=True)

    servers: dict[str, subprocess.Popen] = {}

    def hard_stop() -> None:  # a hung socket must not keep the run (or the servers) alive
        print("server_ratio.py: hard stop", file=sys.stderr, flush=True)
        for proc in servers.values():
            proc.kill()
        os._exit(3)

    budget = 2 * (args.warmup + args.rounds * args.seconds + TIMEOUT_S) + 120
    timer = threading.Timer(budget, hard_stop)
    timer.daemon = True
    timer.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # through the finally below
    results: dict[str, list[dict]] = {"winnow": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="winnow-server-ratio-") as tmp:
        try:
            # "": Settings.from_env's "unset", so winnow keeps its own limits, not start_server's test ones
            servers["winnow"], winnow_base = start_server(
                Path(tmp) / "winnow-metrics", workers=args.workers, WINNOW_WORKERS=str(args.workers),
                WINNOW_THREADS=str(args.threads), WINNOW_MAX_BODY_BYTES="", WINNOW_MAX_TEXT_CHARS="")
            servers["bare"], bare_base = start_bare(Path(tmp), args.workers, args.threads)
            ports = {"winnow": int(winnow_base.rsplit(":", 1)[1]), "bare": int(bare_base.rsplit(":", 1)[1])}
            if args.warmup:
                for name, port in ports.items():
                    warm = phase(port, bodies, args.clients, args.warmup)
                    print(f"  warm-up {name:6s} {warm['rps']:8.1f} requests/s", file=sys.stderr, flush=True)
            for r in range(1, args.rounds + 1):
                for name, port in ports.items():
                    res = phase(port, bodies, args.clients, args.seconds)
                    results[name].append(res)
                    errors = sum(res["errors"].values())
                    print(f"round {r} {name:6s} {res['rps']:8.1f} requests/s  ({res['ok']} ok, {errors} errors; "
                          f"p50 {res['p50_ms']:.1f} ms; client CPU {100 * res['client_cpu']:.0f}% of a core)",
                          flush=True)
        finally:  # before the temporary directory goes: the servers write their logs and metrics there
            for proc in servers.values():
                stop_server(proc)
            timer.cancel()

    medians = {name: statistics.median(r["rps"] for r in rounds) for name, rounds in results.items()}
    for name, median in medians.items():
        errors = sum((r["errors"] for r in results[name]), Counter())
        print(f"{name:6s} median {median:8.1f} requests/s; errors {sum(errors.values())}"
              + (f" {dict(errors)}" if errors else ""))
    if medians["bare"]:
        print(f"ratio winnow / bare: {medians['winnow'] / medians['bare']:.3f}")
    return 1 if any(r["errors"] for rounds in results.values() for r in rounds) else 0


if __name__ == "__main__":
    sys.exit(main())
