#!/usr/bin/env python3
"""In-process speed of this checkout's engine beside another checkout's (an older commit), in one run.

    python bench/compare_engines.py --baseline /work/base --corpus ../shared/corpus/scrapinghub.jsonl.gz \
        [--split dev] [--view text] [--rounds 5] [--warm CORPUS ...]

Two packages named `service` cannot live in one process, so each checkout gets a worker
subprocess (this interpreter, cwd and sys.path[0] set to the checkout) that imports the
checkout's service/ folder by its folder name (not the installed `winnow`: older checkouts
have no `winnow`; the rules are then the checkout's rules/, winnow.config) and builds its engine
once with Engine.from_settings(Settings.from_env()) (WINNOW_* variables reach both workers
alike) and cleans every document once to warm up. Then, round by round, the checkouts take
turns (this, baseline, this, baseline, ...): a worker times one pass over all documents,
time.perf_counter around each engine.clean, while the other waits idle, so that machine noise
hits both. Per document the best of the rounds counts. Printed for each checkout: documents,
mean chars, mean ms/doc, p50, p99, MB/s (of input characters), then the ratio this / baseline.
Outputs are not compared: two commits may legitimately clean differently.

Worker protocol (JSON lines): the parent sends the texts; the worker answers once ready, then
answers each "time" command with the seconds per document; "quit" or end of input ends it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def import_engine():
    """The engine class, wherever this checkout keeps it (service.engine now, service.pipeline before)."""
    try:
        from service.engine import Engine
    except ImportError as first:
        try:
            from service.pipeline import Engine
        except ImportError:
            raise first from None
    return Engine


def worker(checkout: Path) -> int:
    """Serve timing commands for the engine of ``checkout``; the protocol runs on stdin/stdout."""
    sys.path[0] = str(checkout)  # instead of this script's directory: `service` comes from the checkout
    out, sys.stdout = sys.stdout, sys.stderr  # a stray print must not break the protocol

    import service
    from service.config import Settings

    if Path(service.__file__).resolve().parent.parent != checkout:
        raise SystemExit(f"worker for {checkout}: imported service from {service.__file__}")
    Engine = import_engine()
    message = json.loads(sys.stdin.readline())
    texts = message["texts"]
    engine = Engine.from_settings(Settings.from_env())
    for text in message.get("warm", []) + texts:  # warm up: RE2 builds its DFA states lazily, on the
        engine.clean(text)                          # first pages it reads
    print(json.dumps({"ready": True, "engine": f"{Engine.__module__}.Engine", "service": service.__file__}),
          file=out, flush=True)
    for command in sys.stdin:
        if command.strip() != "time":
            break
        seconds = []
        for text in texts:
            t0 = time.perf_counter()
            engine.clean(text)
            seconds.append(time.perf_counter() - t0)
        print(json.dumps({"seconds": seconds}), file=out, flush=True)
    return 0


class Worker:
    """The parent's handle on one checkout's worker subprocess."""

    def __init__(self, name: str, checkout: Path) -> None:
        self.name, self.checkout = name, checkout
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(checkout)],
            cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )  # stderr is inherited: a worker's traceback shows up as is

    def send(self, message: str) -> None:
        self.proc.stdin.write(message + "\n")
        self.proc.stdin.flush()

    def receive(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the worker for {self.checkout} died (exit status {self.proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def commit(checkout: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def report(name: str, seconds: list[float], chars: int) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    return (f"{name:34s} {len(ms):5d} docs  mean {chars / len(ms):8.0f} chars  {statistics.mean(ms):7.2f} ms/doc  "
            f"p50 {statistics.median(ms):6.2f}  p99 {p99:7.2f}  {chars / 1e6 / sum(seconds):6.2f} MB/s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", required=True, type=Path, help="root of the other checkout (e.g. an older commit)")
    ap.add_argument("--corpus", required=True, help="JSONL(.gz) records with views (the evaluation corpus format)")
    ap.add_argument("--split", default="dev", choices=["all", "train", "dev"])
    ap.add_argument("--view", default="text")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warm", action="append", default=[], metavar="CORPUS",
                    help="also clean every view of every page of this corpus once before timing (repeatable): "
                         "a long-running worker has read varied pages, and RE2's DFA caches fill with them")
    args = ap.parse_args(argv)
    baseline = args.baseline.resolve()
    if not (baseline / "service").is_dir() or args.rounds < 1:
        ap.error("--baseline must be a checkout root (with service/), --rounds at least 1")

    sys.path.insert(0, str(ROOT))
    from bench.quality import load

    texts = [r["views"][args.view] for r in load(args.corpus, args.split)]
    if not texts:
        raise SystemExit(f"no documents of split {args.split} in {args.corpus}")
    chars = sum(len(t) for t in texts)
    warm = [t for path in args.warm for r in load(path, "all") for t in r["views"].values() if t]
    print(f"{len(texts)} documents ({args.view}, split {args.split}); building both engines and warming them"
          f" on {len(warm) + len(texts)} texts", file=sys.stderr, flush=True)
    workers = [Worker(f"this ({ROOT}, {commit(ROOT)})", ROOT),
               Worker(f"baseline ({baseline}, {commit(baseline)})", baseline)]
    try:
        for w in workers:  # both build and warm up at the same time: nothing is timed yet
            w.send(json.dumps({"texts": texts, "warm": warm}))
        for w in workers:
            ready = w.receive()
            print(f"  {w.name}: {ready['engine']} from {ready['service']}", file=sys.stderr, flush=True)
        best = {w.name: [float("inf")] * len(texts) for w in workers}
        for r in range(1, args.rounds + 1):
            progress = []
            for w in workers:  # one at a time, alternating: this, baseline, this, baseline, ...
                w.send("time")
                seconds = w.receive()["seconds"]
                best[w.name] = [min(b, s) for b, s in zip(best[w.name], seconds, strict=True)]
                progress.append(f"{w.name.split()[0]} {1000 * sum(seconds) / len(seconds):.2f} ms/doc")
            print(f"  round {r}/{args.rounds}: {', '.join(progress)}", file=sys.stderr, flush=True)
    finally:
        for w in workers:
            w.close()

    print(f"{args.corpus} split {args.split}, view {args.view}, best of {args.rounds} rounds per document")
    for w in workers:
        print(report(w.name, best[w.name], chars))
    this, base = (sum(best[w.name]) for w in workers)
    print(f"ratio this / baseline: {this / base:.3f} x the time per document ({base / this:.2f} x the speed)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        sys.exit(worker(Path(sys.argv[2]).resolve()))
    sys.exit(main())
