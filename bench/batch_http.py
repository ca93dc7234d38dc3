#!/usr/bin/env python3
"""Throughput of POST /v1/clean/batch against single POST /v1/clean requests, on the same server.

    python bench/batch_http.py CORPUS [--view text] [--pages 400] [--sizes 1,10,100] [--clients 4]
        [--rounds 3] [--url URL]

CORPUS is a JSONL(.gz) file of the evaluation corpus (its `views`); --pages pages are taken from it in
order (cycling when it has fewer). Without --url, `winnow serve` is started on a free loopback port
with 2 workers (bench/server.py; batch limits raised to fit a batch of the largest size) and stopped
at the end. Each round runs, for every batch size, one pass of single requests and one pass of
batches over the same pages, alternating, with --clients threads on keep-alive connections (the same
ones for every pass of a round: gunicorn's gthread workers keep the connections they accept, so both
modes meet the same split of clients over workers); the figure is pages per second (median over
rounds) and the ratio batch / single. Every answer is
checked: a single request must answer 200, every batch line must be an answer (no problem), in
order. Loopback only; bounded by --rounds; progress on stderr.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import start_server, stop_server  # noqa: E402


def load_pages(corpus: str, view: str, pages: int) -> list[str]:
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["views"][view] for line in f if line.strip()]
    return [texts[i % len(texts)] for i in range(pages)]


class Client:
    """One keep-alive connection, reopened when the server has closed it."""

    def __init__(self, base: str) -> None:
        self.url = urllib.parse.urlsplit(base)
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=300)
            try:
                self.conn.request("POST", path, body=body, headers={"Content-Type": content_type})
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("not reached")


def run_pass(conns: list[Client], units: list[tuple[str, bytes, str, int]]) -> float:
    """Post every unit (path, body, content type, pages in it) over the clients' threads; seconds taken."""
    queue = list(reversed(units))
    clients = len(conns)

    def worker(client: Client) -> None:
        while True:
            try:
                path, body, ctype, pages = queue.pop()
            except IndexError:
                return
            status, data = client.post(path, body, ctype)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {data[:200]!r}")
            if path.endswith("/batch"):
                answers = [json.loads(line) for line in data.splitlines()]
                ids = [a.get("id") for a in answers]
                if len(answers) != pages or any("line" in a for a in answers) or ids != sorted(ids):
                    raise RuntimeError(f"a batch of {pages} pages answered {len(answers)} lines, not all in order")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker, c) for c in conns]:
            future.result()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--view", default="text", choices=["text", "markdown", "wet"])
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--sizes", default="1,10,100")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--url", help="an already running server (default: start one with 2 workers)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    texts = load_pages(args.corpus, args.view, args.pages)
    singles = [("/v1/clean", json.dumps({"text": t}).encode(), "application/json", 1) for t in texts]
    batches: dict[int, list] = {}
    for size in sizes:
        units = []
        for start in range(0, len(texts), size):
            lines = [json.dumps({"id": start + i, "text": t}) for i, t in enumerate(texts[start:start + size])]
            units.append(("/v1/clean/batch", ("\n".join(lines) + "\n").encode(), "application/x-ndjson", len(lines)))
        batches[size] = units
    largest = max(len(u[1]) for units in batches.values() for u in units)
    proc = None
    base = args.url
    if base is None:
        metrics_dir = Path(tempfile.mkdtemp(prefix="winnow-bench-batch-"))
        proc, base = start_server(metrics_dir, workers=2, WINNOW_MAX_BATCH_BYTES=str(largest + 1),
                                  WINNOW_MAX_BATCH_LINES=str(max(sizes)))
    mb = sum(len(t.encode()) for t in texts) / 1e6
    print(f"{len(texts)} pages ({args.view} view, {mb:.1f} MB) from {args.corpus}; server {base}; "
          f"{args.clients} clients; {args.rounds} rounds", file=sys.stderr)
    rates: dict[tuple[str, int], list[float]] = {}
    try:
        for round_no in range(1, args.rounds + 1):
            # the same keep-alive connections for every pass of a round: a gthread worker keeps the
            # connections it accepted, so single and batch passes meet the same split over the workers
            conns = [Client(base) for _ in range(args.clients)]
            run_pass(conns, singles[: args.clients * 4])  # warm (RE2 DFA states) and open the connections
            for size in sizes:
                for mode, units in (("single", singles), ("batch", batches[size])):
                    seconds = run_pass(conns, units)
                    rate = len(texts) / seconds
                    rates.setdefault((mode, size), []).append(rate)
                    print(f"round {round_no}: {mode:6} (beside batches of {size:3}): {rate:7.1f} pages/s",
                          file=sys.stderr)
    finally:
        if proc is not None:
            stop_server(proc)
    print(f"{'batch size':>10}  {'single pages/s':>14}  {'batch pages/s':>13}  {'batch / single':>14}")
    for size in sizes:
        single = statistics.median(rates[("single", size)])
        batch = statistics.median(rates[("batch", size)])
        print(f"{size:>10}  {single:>14.1f}  {batch:>13.1f}  {batch / single:>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
