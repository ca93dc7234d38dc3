#!/usr/bin/env python3
"""Hostile inputs against `winnow serve`: each answered in time, and /healthz answered throughout.

    python bench/hostile.py [--url URL] [--budget 10] [--only NAME,...] [--json]

Each input of ``hostile_inputs()`` (below: Markdown and table syntax repeated to 1 MB, a 4 MB word,
a 5 MB line of words, 100 K one-character lines, deeply nested lists and quotes, 50,000 image lines,
``<div>`` repeated as HTML) is posted, one at a time, while probe connections ask ``GET /healthz``
every 20 ms. For each it prints the status, the time to the answer and the worst probe latency:
on the worker that holds the hostile request (read from /proc; a gthread worker answers probes
on other threads of the same process, so this is where the GIL shows), and overall.

Without --url the script starts `winnow serve` itself (2 workers, production limits: 8 MB bodies,
5,000,000 characters, the budget given by --budget) on a free loopback port and stops it at the
end; with --url (loopback only) the probes cannot tell the workers apart and report the worst of
all. Criteria (exit status 1 when one fails): every answer is a 200, or a 413, 422 or 503
problem+json, within the budget + 1 s; every probe answers within 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import peer_ports  # noqa: E402
from bench.server import start_server, stop_server, workers_of  # noqa: E402

MB = 1 << 20
PROBE_EVERY_S = 0.02
PROBE_LIMIT_S = 1.0
ANSWER_SLACK_S = 1.0  # an answer may come this long after the budget
ANSWERS = {200, 413, 422, 503}
PROSE = "The council met on Tuesday and voted to rebuild the old bridge before the winter"


def _nested(line: str, step: str, size: int) -> str:
    """Lines ``step * depth + line`` for depth 0, 1, 2, ... until ``size`` characters."""
    out, total, depth = [], 0, 0
    while total < size:
        row = step * depth + line + "\n"
        out.append(row)
        total += len(row)
        depth += 1
    return "".join(out)[:size]


def hostile_inputs(mb: float = 1.0) -> list[tuple[str, str, str]]:
    """(name, "text" or "html", document): the inputs of issue 25. The repeated syntax is ``mb``
    megabytes; the word (4 MB), the line of words (5,000,000 characters, the default limit), the
    one-character lines (100 K) and the image lines (50,000) have the sizes the issue gives."""
    n = int(mb * MB)
    words = (PROSE + " ") * (5_000_000 // (len(PROSE) + 1) + 1)
    return [
        ("'![](' x 1 MB", "text", "![](" * (n // 4)),
        ("'[a](' x 1 MB", "text", "[a](" * (n // 4)),
        ("'[' x 1 MB", "text", "[" * n),
        ("'[' x 1 MB, then '](x)'", "text", "[" * (n - 4) + "](x)"),
        ("'](' x 1 MB", "text", "](" * (n // 2)),
        ("'| ' x 1 MB", "text", "| " * (n // 2)),
        ("'<div>' x 1 MB, as HTML", "html", "<div>" * (n // 5)),
        ("one 4 MB word", "text", "w" * (4 * MB)),
        ("a 5 MB line of words", "text", words[:5_000_000]),
        ("100 K lines of one character", "text", "a\n" * 100_000),
        ("nested Markdown lists, 1 MB", "text", _nested("- item", "  ", n)),
        ("nested Markdown quotes, 1 MB", "text", _nested(" quote", ">", n)),
        ("50,000 '![](x)' lines", "text", "![](x)\n" * 50_000),
    ]


def budget_inputs() -> list[tuple[str, str, str]]:
    """Inputs beyond the issue's list, too slow for any budget or over a limit: each must end in a 503
    (or a 422) on time, whatever stage it is in when the budget runs out."""
    return [
        ("'![]()' x 5 MB (a million images)", "text", "![]()" * 1_000_000),
        ("'<p>a</p>' x 8 MB, as HTML", "html", "<p>a</p>" * 1_000_000),
        ("'<div>' x 8 MB, as HTML (nested)", "html", "<div>" * 1_600_000),
        ("'<td> </td>' x 8 MB, one table row, as HTML", "html",
         "<table><tr>" + "<td> </td>" * 799_000 + "</tr></table>"),
        # at the limits: the most nodes a page may have (WINNOW_MAX_HTML_NODES, all walked), and the
        # most lines (WINNOW_MAX_SEGMENTS, a paragraph each: all walked, then every line judged)
        ("'<td> </td>' x 199,990 (at the node limit), as HTML", "html",
         "<table><tr>" + "<td> </td>" * 199_990 + "</tr></table>"),
        ("'<p>a</p>' x 99,990 (at the segment limit), as HTML", "html", "<p>a</p>" * 99_990),
        ("'we use cookies ' x 5 MB (rule hits)", "text", ("we use cookies " * 333_334)[:5_000_000]),
        ("5 MB of one-character lines", "text", "a\n" * 2_500_000),
        ("'a | ' x 5 MB (table cells)", "text", "a | " * 1_250_000),
        ("JSON-LD x 7 MB (fourteen 0.5 MB blocks of distinct words), as HTML", "html", _json_ld_page(14)),
    ]


def _json_ld_page(blocks: int) -> str:
    """A page of ``blocks`` JSON-LD blocks, each an ``articleBody`` of distinct words just under
    structured.MAX_BLOCK_CHARS (every word 4-gram new), and a paragraph of the first block's words:
    the most structured text a page may make Winnow read."""
    parts = []
    for b in range(blocks):
        words = " ".join(f"w{b}x{i}" for i in range(MB // 10))[:499_000]
        parts.append('<script type="application/ld+json">{"articleBody": "' + words + '"}</script>')
    first = " ".join(f"w0x{i}" for i in range(10_000))
    return f"<html><head>{''.join(parts)}</head><body><p>{first}</p></body></html>"


@dataclass
class Probes:
    """Keep-alive connections asking /healthz in turn; the worst latency seen per worker pid."""

    host: str
    port: int
    master: int | None
    expected: int = 1  # workers the master is to have: the last may be forked after /readyz answered
    conns: list[tuple[http.client.HTTPConnection, int | None]] = field(default_factory=list)
    worst: dict[int | None, float] = field(default_factory=dict)
    failures: int = 0
    rounds: int = 0  # full rounds over every connection
    stop: threading.Event = field(default_factory=threading.Event)

    def connect(self, count: int = 4, within_s: float = 10.0) -> None:
        """Open probe connections until every worker holds one (or ``within_s`` seconds are spent). A
        worker still busy with the previous input (a garbage-collector pass over a big page's tree), or
        a worker forked last on a loaded machine, accepts late: between tries the others are given a
        moment, so the late one gets its turn."""
        deadline = time.monotonic() + within_s
        while True:
            workers = set(workers_of(self.master)) if self.master else set()
            if len(self.conns) >= count:
                time.sleep(0.02)
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            conn.request("GET", "/healthz")  # answered: the worker has accepted the connection
            conn.getresponse().read()
            owner = self._owner(conn)
            self.conns.append((conn, owner))
            held = {o for _, o in self.conns}
            if len(self.conns) >= count and (not self.master or (len(workers) >= self.expected
                                                                 and workers <= held)):
                return
            if time.monotonic() > deadline:
                return

    def _owner(self, conn: http.client.HTTPConnection) -> int | None:
        """The pid of the worker holding ``conn`` (None without a master). A loaded machine's /proc
        can lag an accept, for a probe connection as for the hostile one: looked up for up to 2 s."""
        if not self.master:
            return None
        port = conn.sock.getsockname()[1]
        for _ in range(200):
            found = next((w for w in workers_of(self.master) if port in peer_ports(w)), None)
            if found is not None:
                return found
            time.sleep(0.01)
        return None

    def run(self) -> None:
        while not self.stop.is_set():
            for conn, owner in self.conns:
                started = time.monotonic()
                try:
                    conn.request("GET", "/healthz")
                    ok = conn.getresponse().read() == b'{"status":"ok"}\n'
                except (OSError, http.client.HTTPException):
                    ok = False
                    conn.close()
                latency = time.monotonic() - started
                if not ok:
                    self.failures += 1
                self.worst[owner] = max(self.worst.get(owner, 0.0), latency)
            self.rounds += 1
            self.stop.wait(PROBE_EVERY_S)

    def close(self) -> None:
        for conn, _ in self.conns:
            conn.close()


def post(host: str, port: int, kind: str, document: str, timeout: float,
         on_connect=None) -> tuple[int | None, str, float]:
    """(status, problem type or "", seconds) of one POST /v1/clean."""
    body = json.dumps({kind: document}).encode()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.connect()
        if on_connect is not None:
            on_connect(conn)
        conn.request("POST", "/v1/clean", body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        payload = resp.read()
        problem = ""
        if resp.status != 200:
            problem = "(not problem+json)"
            if resp.getheader("Content-Type", "").startswith("application/problem+json"):
                problem = json.loads(payload).get("type", "").rsplit("/", 1)[-1]
        return resp.status, problem, time.monotonic() - started
    except (OSError, http.client.HTTPException) as exc:
        return None, type(exc).__name__, time.monotonic() - started
    finally:
        conn.close()


def run_one(host: str, port: int, master: int | None, name: str, kind: str, document: str,
            timeout: float, workers: int = 1) -> dict:
    probes = Probes(host, port, master, expected=workers)
    probes.connect()
    owner: list[int | None] = [None]

    def on_connect(conn: http.client.HTTPConnection) -> None:
        owner[0] = probes._owner(conn)  # the worker that accepts the hostile connection (it is idle)

    thread = threading.Thread(target=probes.run, daemon=True)
    thread.start()
    try:
        status, problem, seconds = post(host, port, kind, document, timeout, on_connect)
        # a fast answer can come before the probes went round once: let every connection be asked
        # (the busy worker's too) before stopping, so each worker's latency is on record
        done, waited = probes.rounds, time.monotonic()
        while probes.rounds <= done + 1 and time.monotonic() - waited < 2.0:
            time.sleep(0.01)
    finally:
        probes.stop.set()
        thread.join(timeout + 5)
        probes.close()
    same = probes.worst.get(owner[0]) if master and owner[0] is not None else None
    others = [w for pid, w in probes.worst.items() if pid != owner[0]] if master and owner[0] is not None else []
    return {"input": name, "kind": kind, "chars": len(document), "status": status, "problem": problem,
            "seconds": round(seconds, 3), "worker": owner[0],
            "probe_workers": sorted({o for _, o in probes.conns if o is not None}),
            "healthz_worst_same_worker_s": None if same is None else round(same, 3),
            "healthz_worst_other_workers_s": round(max(others), 3) if others else None,
            "healthz_worst_s": round(max(probes.worst.values(), default=0.0), 3),
            "probe_failures": probes.failures}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="an already running server (loopback only); default: start one")
    ap.add_argument("--budget", type=float, default=10.0,
                    help="WINNOW_REQUEST_BUDGET_S of the server started here; with --url, the server's budget")
    ap.add_argument("--workers", type=int, default=2, help="workers of the server started here")
    ap.add_argument("--only", help="comma-separated substrings: run only the inputs whose name holds one")
    ap.add_argument("--issue-only", action="store_true",
                    help="only the inputs of issue 25, not the ones beyond any budget or limit")
    ap.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    args = ap.parse_args(argv)
    if args.url and urllib.parse.urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        ap.error("--url must be a loopback address")
    inputs = hostile_inputs() + ([] if args.issue_only else budget_inputs())
    if args.only:
        keys = [k.strip() for k in args.only.split(",") if k.strip()]
        inputs = [i for i in inputs if any(k in i[0] for k in keys)]
    timeout = args.budget + 60
    hard_stop = threading.Timer(len(inputs) * (timeout + 10) + 120, lambda: os._exit(3))
    hard_stop.daemon = True
    hard_stop.start()
    results: list[dict] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="winnow-hostile-") as tmp:
        proc = None
        if args.url:
            base = args.url.rstrip("/")
        else:
            proc, base = start_server(Path(tmp) / "metrics", workers=args.workers,
                                      WINNOW_MAX_BODY_BYTES=str(8 * MB), WINNOW_MAX_TEXT_CHARS="5000000",
                                      WINNOW_REQUEST_BUDGET_S=str(args.budget))
        url = urllib.parse.urlsplit(base)
        try:
            for name, kind, document in inputs:
                result = run_one(url.hostname, url.port, proc.pid if proc else None, name, kind, document, timeout,
                                 workers=args.workers if proc else 1)
                results.append(result)
                if not args.json:
                    _print_row(result)
                if result["status"] not in ANSWERS or (result["status"] != 200 and result["problem"].startswith("(")):
                    failed.append(f"{name}: status {result['status']} {result['problem']}")
                if result["seconds"] > args.budget + ANSWER_SLACK_S:
                    failed.append(f"{name}: answered after {result['seconds']} s (budget {args.budget:g} s)")
                if result["healthz_worst_s"] > PROBE_LIMIT_S or result["probe_failures"]:
                    failed.append(f"{name}: /healthz took {result['healthz_worst_s']} s "
                                  f"({result['probe_failures']} probes failed)")
            if proc is not None and len(workers_of(proc.pid)) != args.workers:
                failed.append(f"{len(workers_of(proc.pid))} workers after the run, not {args.workers}")
        finally:
            if proc is not None:
                stop_server(proc)
            hard_stop.cancel()
    summary = {"budget_s": args.budget, "workers": args.workers, "results": results, "failed": failed}
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print("PASS" if not failed else "FAIL: " + "; ".join(failed))
    return 1 if failed else 0


def _print_row(r: dict) -> None:
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    print(f"{r['input']:38} {r['chars']:>9} {r['status']!s:>4} {r['problem'] or '':22} {r['seconds']:7.3f} s  "
          f"healthz worst: same worker {seconds(r['healthz_worst_same_worker_s'])} s, "
          f"other {seconds(r['healthz_worst_other_workers_s'])} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
