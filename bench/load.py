#!/usr/bin/env python3
"""Load test: many concurrent clients post real corpus pages to `winnow serve`; optionally kill a worker.

    python bench/load.py CORPUS [--clients 64] [--seconds 60] [--kill-worker] [--url URL] [--json]

CORPUS is a JSONL(.gz) file of pages (the evaluation corpus format: `views` and `html`); every
view and the HTML of each page become requests ({"text": ...} / {"html": ...}). Without --url
the script starts `winnow serve` itself on a free loopback port (production limits: 8 MB
bodies, 5,000,000 characters) and stops it at the end. Loopback only, bounded in time
(--seconds, plus a hard stop) and optionally in count (--max-requests); stops by itself.

Each client is a thread with a keep-alive connection, as a scraper would hold; like urllib3,
it reconnects before reusing a connection the server has closed. Reported: requests,
errors by kind, requests per second, p50/p90/p99/max latency.

--kill-worker SIGKILLs one gunicorn worker halfway through. Then only requests in flight
on that worker may fail: sent before the kill, not yet answered, and on a connection the
killed worker held (read from /proc just before the kill; a gthread worker holds many
keep-alive connections, and queues their requests for its threads). The master must start
a new worker by itself, and every request after that must succeed. Exit status 1 when a
criterion fails.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import select
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import start_server, stop_server, workers_of  # noqa: E402

VIEWS = ("text", "markdown", "wet", "html")
KILL_GRACE_S = 0.2  # a request sent this soon after os.kill may still reach the worker being torn down


@dataclass
class Outcome:
    started: float
    ended: float
    status: int | None  # None: no HTTP answer (connection reset, closed, timed out)
    error: str | None  # None: a 200 answer
    port: int | None  # the client's local port: which server connection carried the request


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def load_bodies(corpus: Path, views: tuple[str, ...], limit: int | None) -> list[bytes]:
    """Request bodies: every chosen view of every page (HTML as {"html": ...})."""
    opener = gzip.open if corpus.suffix == ".gz" else open
    bodies: list[bytes] = []
    with opener(corpus, "rt", encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if limit is not None and n >= limit:
                break
            page = json.loads(line)
            for view in views:
                value = page.get("html") if view == "html" else page.get("views", {}).get(view)
                if value:
                    key = "html" if view == "html" else "text"
                    bodies.append(json.dumps({key: value}, ensure_ascii=False).encode("utf-8"))
    if not bodies:
        raise SystemExit(f"load.py: no documents in {corpus}")
    return bodies


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection that is readable has been closed by the server (urllib3's test)."""
    if conn.sock is None:
        return True
    readable, _, _ = select.select([conn.sock], [], [], 0)
    return bool(readable)


def client(run: Run, host: str, server_port: int, bodies: list[bytes], first: int, deadline: float,
           max_requests: list[int] | None, timeout: float) -> None:
    conn: http.client.HTTPConnection | None = None
    i = first
    while not run.stop.is_set() and time.monotonic() < deadline:
        if max_requests is not None:
            with run.lock:
                if max_requests[0] <= 0:
                    return
                max_requests[0] -= 1
        body = bodies[i % len(bodies)]
        i += 1
        started = time.monotonic()  # before the reuse check: a request checked before a kill started before it
        if conn is not None and _dropped(conn):
            conn.close()
            conn = None
        if conn is None:
            conn = http.client.HTTPConnection(host, server_port, timeout=timeout)
        port = None
        try:
            if conn.sock is None:
                conn.connect()
            port = conn.sock.getsockname()[1]
            conn.request("POST", "/v1/clean", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            payload = resp.read()
            status = resp.status
            error = None
            if status != 200:
                try:
                    error = f"{status} {json.loads(payload).get('type', '').rsplit('/', 1)[-1]}"
                except ValueError:
                    error = f"{status} (not JSON)"
            elif not payload.startswith(b"{"):
                error = "200 without a JSON body"
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            status, error = None, type(exc).__name__
            conn.close()
            conn = None
        run.add(Outcome(started, time.monotonic(), status, error, port))
    if conn is not None:
        conn.close()


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def healthy(base: str) -> bool:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def peer_ports(pid: int) -> set[int]:
    """Remote ports of the TCP connections process ``pid`` holds (its clients' ports), from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[9] in inodes:
                ports.add(int(fields[2].rsplit(":", 1)[1], 16))
    return ports


def kill_one_worker(master: int, workers: int, run: Run, summary: dict) -> None:
    """SIGKILL the first worker; time until the master has ``workers`` workers again."""
    before = workers_of(master)
    if not before:
        summary["kill"] = {"error": "no worker processes found"}
        return
    victim = before[0]
    held = peer_ports(victim)  # the connections that die with it
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    recovered_at = None
    while time.monotonic() < killed_at + 30 and not run.stop.is_set():
        now = workers_of(master)
        if victim not in now and len(now) >= workers:
            recovered_at = time.monotonic()
            break
        time.sleep(0.01)
    summary["kill"] = {"pid": victim, "at": killed_at, "held": held, "workers_before": before,
                       "workers_after": workers_of(master),
                       "respawn_s": None if recovered_at is None else round(recovered_at - killed_at, 3)}


def analyse(run: Run, summary: dict, started: float, ended: float) -> list[str]:
    """Fill in the figures; return the criteria that failed."""
    outcomes = sorted(run.outcomes, key=lambda o: o.started)
    ok = [o for o in outcomes if o.error is None]
    latencies = sorted(o.ended - o.started for o in ok)
    errors: dict[str, int] = {}
    for o in outcomes:
        if o.error is not None:
            errors[o.error] = errors.get(o.error, 0) + 1
    elapsed = ended - started
    summary.update({
        "requests": len(outcomes), "ok": len(ok), "errors": sum(errors.values()), "errors_by_kind": errors,
        "seconds": round(elapsed, 2), "rps": round(len(ok) / elapsed, 1) if elapsed else 0.0,
        "latency_ms": {name: round(percentile(latencies, q) * 1000, 1)
                       for name, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))},
    })
    failed: list[str] = []
    if not ok:
        failed.append("no request succeeded")
    kill = summary.get("kill")
    if kill is None:
        if errors:
            failed.append(f"{sum(errors.values())} errors: {errors}")
        return failed
    if "error" in kill:
        return [*failed, f"kill: {kill['error']}"]
    at, held = kill.pop("at"), kill.pop("held")
    in_flight = [o for o in outcomes if o.started <= at <= o.ended]
    failures = [o for o in outcomes if o.error is not None]
    outside = [o for o in failures if not (o.started <= at + KILL_GRACE_S and o.ended >= at)]
    elsewhere = [o for o in failures if o.port not in held]
    after = [o for o in outcomes if o.started > at + KILL_GRACE_S]
    kill.update({"connections_on_killed_worker": len(held), "in_flight_at_kill": len(in_flight),
                 "failures": len(failures), "failures_not_in_flight": len(outside),
                 "failures_not_on_killed_worker": len(elsewhere),
                 "succeeded_after_kill": sum(1 for o in after if o.error is None),
                 "first_answer_after_kill_s": round(min((o.ended for o in after if o.error is None),
                                                        default=at) - at, 3)})
    if outside:
        failed.append(f"{len(outside)} requests failed that were not in flight at the kill: "
                      f"{sorted({o.error for o in outside})}")
    if elsewhere:
        failed.append(f"{len(elsewhere)} requests failed on connections the killed worker did not hold")
    if kill["respawn_s"] is None:
        failed.append("the master did not start a new worker within 30 s")
    if not kill["succeeded_after_kill"]:
        failed.append("no request succeeded after the kill")
    return failed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="JSONL(.gz) pages with `views` and `html`")
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-requests", type=int, help="stop after this many requests (default: time only)")
    ap.add_argument("--views", default=",".join(VIEWS), help=f"which inputs of each page to send ({','.join(VIEWS)})")
    ap.add_argument("--pages", type=int, help="use only the first N pages")
    ap.add_argument("--url", help="an already running server (loopback only); default: start one")
    ap.add_argument("--workers", type=int, default=2, help="workers of the server started here")
    ap.add_argument("--threads", type=int, default=4, help="threads per worker of the server started here")
    ap.add_argument("--kill-worker", action="store_true", help="SIGKILL one worker halfway (not with --url)")
    ap.add_argument("--timeout", type=float, default=60.0, help="per-request socket timeout, seconds")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    args = ap.parse_args(argv)
    views = tuple(v for v in args.views.split(",") if v)
    if set(views) - set(VIEWS) or args.clients < 1 or args.seconds <= 0:
        ap.error("bad --views, --clients or --seconds")
    if args.url and urllib.parse.urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        ap.error("--url must be a loopback address")
    if args.url and args.kill_worker:
        ap.error("--kill-worker needs the server this script starts (it must know the master's pid)")
    bodies = load_bodies(args.corpus, views, args.pages)
    print(f"{len(bodies)} documents, {sum(map(len, bodies)) / 1e6:.1f} MB; {args.clients} clients for "
          f"{args.seconds:g} s", file=sys.stderr, flush=True)
    # a hard stop, whatever happens: the run is bounded in time even if a socket hangs
    hard_stop = threading.Timer(args.seconds + 2 * args.timeout + 60, lambda: os._exit(3))
    hard_stop.daemon = True
    hard_stop.start()
    with tempfile.TemporaryDirectory(prefix="winnow-load-") as tmp:
        proc = None
        if args.url:
            base = args.url.rstrip("/")
        else:
            proc, base = start_server(Path(tmp) / "metrics", workers=args.workers, WINNOW_THREADS=str(args.threads),
                                      WINNOW_MAX_BODY_BYTES=str(8 * 1024 * 1024), WINNOW_MAX_TEXT_CHARS="5000000")
        url = urllib.parse.urlsplit(base)
        summary: dict = {"clients": args.clients, "documents": len(bodies), "url": base}
        run = Run()
        try:
            started = time.monotonic()
            deadline = started + args.seconds
            budget = [args.max_requests] if args.max_requests is not None else None
            threads = [threading.Thread(target=client, daemon=True,
                                        args=(run, url.hostname, url.port, bodies, n * 7, deadline, budget,
                                              args.timeout))
                       for n in range(args.clients)]
            for t in threads:
                t.start()
            killer = None
            next_report = started + 5
            while any(t.is_alive() for t in threads):
                now = time.monotonic()
                if args.kill_worker and killer is None and now >= started + args.seconds / 2:
                    killer = threading.Thread(target=kill_one_worker, args=(proc.pid, args.workers, run, summary))
                    killer.start()
                if now >= next_report:
                    with run.lock:
                        done = len(run.outcomes)
                        bad = sum(1 for o in run.outcomes if o.error is not None)
                    print(f"  {now - started:5.1f} s: {done} requests, {bad} errors, {done / (now - started):.1f}/s",
                          file=sys.stderr, flush=True)
                    next_report += 5
                time.sleep(0.05)
            ended = time.monotonic()
            if killer is not None:
                killer.join()
            failed = analyse(run, summary, started, ended)
            summary["healthy_after"] = healthy(base)
            if not summary["healthy_after"]:
                failed.append("/healthz does not answer after the run")
            if proc is not None:
                summary["workers_after"] = len(workers_of(proc.pid))
                if summary["workers_after"] != args.workers:
                    failed.append(f"{summary['workers_after']} workers after the run, not {args.workers}")
        finally:
            run.stop.set()
            if proc is not None:
                stop_server(proc)
            hard_stop.cancel()
    summary["failed"] = failed
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        lat = summary["latency_ms"]
        print(f"requests {summary['requests']}, ok {summary['ok']}, errors {summary['errors']} "
              f"{summary['errors_by_kind'] or ''}")
        print(f"{summary['rps']} requests/s over {summary['seconds']} s; latency p50 {lat['p50']} ms, "
              f"p90 {lat['p90']} ms, p99 {lat['p99']} ms, max {lat['max']} ms")
        if "kill" in summary:
            print(f"kill: {summary['kill']}")
        print("PASS" if not failed else "FAIL: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
