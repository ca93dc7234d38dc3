#!/usr/bin/env python3
"""HTML input: Winnow's time per page beside trafilatura's and readability-lxml's, in one run.

    python bench/html_speed.py --corpus ../shared/corpus/scrapinghub.jsonl.gz [--split dev] \
        [--rounds 3] [--warmup 100] [--save DIR] [--baseline CHECKOUT]

Each page is cleaned by Winnow (``read_html`` then the engine: what ``POST /v1/clean`` with
``html`` runs, without HTTP), by trafilatura 2.3.1 (``extract``) and by readability-lxml
(``Document(...).summary()`` rendered as text), the three taking turns page by page so that the
machine's load falls on all of them alike; the figure is the median over rounds of the total
time, per page, and the ratio to trafilatura. Before the first round each extractor cleans
``--warmup`` pages of the corpus's other splits, untimed, as a long-running worker has cleaned
pages before. The first round is also reported on its own: pages the process has not seen, as a
sidecar meets them. Later rounds see the same pages again, and what Winnow's process keeps then
answers from memory: RE2 builds its DFA states as texts need them and keeps them (the rules took
2.1 ms a scrapinghub dev page on first sight after the 121 train pages, 0.8 on the second), and
the words of class names are cached. The first-sight cost falls as the warm-up grows. (Engine
0.15.0, each extractor in its own process, scrapinghub dev after 100 pages: first round 23.3 ms,
1.27 times trafilatura; median of three rounds 22.5 ms, 1.23 times.) With --save, each
extractor's answers are written as DIR/<name>.jsonl (``{"id", "text"}``) for shared/eval/score.py,
so the quality of the same answers can be judged. With --baseline, another checkout's Winnow (an
older commit: its service/ folder imported under the name ``winnow_baseline``, with the
checkout's rules/) takes its turn as a fourth extractor, so that a change's speed is measured in
the same run, as a ratio.

Every extractor runs in a worker process of its own (this script with ``--worker``), as each runs
alone in service: run in one process, they slow each other down (Winnow took 1.0-1.4 ms a page
more on scrapinghub dev with trafilatura cleaning each page beside it, from the caches and memory
they share), and an extractor in the parent would be measured under conditions the others are not.
The parent sends each page to each worker in turn; a worker times its own extraction and sends
the text and the seconds back. readability-lxml's and the baseline's workers never import this
checkout's ``winnow.html``: importing it points readability-lxml's text measure at Winnow's linear
one (the same results, faster), which would speed up the library and an older Winnow too.
Benchmark-only dependency: ``pip install trafilatura==2.3.1``.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_extractor(name: str):
    """The Winnow package ``name`` (already importable) as an extractor: what ``POST /v1/clean`` with
    ``html`` runs, without HTTP."""
    answer = importlib.import_module(f"{name}.answer")
    config = importlib.import_module(f"{name}.config")
    engine = importlib.import_module(f"{name}.engine").Engine.from_settings(config.Settings.from_env())
    kept = importlib.import_module(f"{name}.document").KEPT_LABELS_DEFAULT

    def extract(html: str) -> str:
        reply, _ = answer.build_answer(engine, answer.CleanRequest(None, html, kept, "codepoint", False))
        return reply["text"]

    extract.engine = engine
    return extract


def baseline_extractor(checkout: Path):
    """``checkout``'s Winnow as an extractor: its service/ folder imported as ``winnow_baseline``."""
    if not (checkout / "service" / "__init__.py").is_file():
        raise SystemExit(f"html_speed: --baseline {checkout} is not a checkout (no service/__init__.py)")
    name = "winnow_baseline"
    spec = importlib.util.spec_from_file_location(name, checkout / "service" / "__init__.py",
                                                  submodule_search_locations=[str(checkout / "service")])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    extract = package_extractor(name)
    print(f"baseline: engine {extract.engine.version['engine']} from {checkout}", file=sys.stderr)
    return extract


def readability_extractor():
    """readability-lxml's own pick, rendered as text by Winnow's renderer (winnow.page, which leaves
    readability-lxml as it is: only winnow.html points its text measure elsewhere)."""
    sys.path.insert(0, str(ROOT))
    import readability.readability as library
    from readability import Document

    from winnow.page import render_page

    if library.clean.__module__ != library.__name__:
        raise SystemExit("html_speed worker: readability-lxml's clean is not its own")

    def extract(html: str) -> str:
        return render_page(Document(html).summary(html_partial=True)).text

    return extract


def trafilatura_extractor():
    import trafilatura

    return lambda html: trafilatura.extract(html) or ""


def worker(kind: str, checkout: str | None) -> int:
    """Serve one extractor on stdin/stdout: a JSON line with a page's html in, its text and seconds out."""
    out, sys.stdout = sys.stdout, sys.stderr  # a stray print must not break the protocol
    if kind == "baseline":
        extract = baseline_extractor(Path(checkout))
    else:
        extract = {"winnow": lambda: package_extractor("winnow"), "trafilatura": trafilatura_extractor,
                   "readability": readability_extractor}[kind]()
    if kind in ("readability", "baseline") and "winnow.html" in sys.modules:
        raise SystemExit("html_speed worker: this checkout's winnow.html was imported")
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        html = json.loads(line)
        started = time.perf_counter()
        text = extract(html)
        seconds = time.perf_counter() - started
        out.write(json.dumps({"text": text, "seconds": seconds}) + "\n")
        out.flush()
    return 0


class Worker:
    """An extractor in a process of its own (``html_speed.py --worker``); calling it returns the text and
    the seconds the worker spent on it."""

    def __init__(self, kind: str, checkout: Path | None = None) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
        if checkout is not None:
            command.append(str(checkout))
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        encoding="utf-8")
        if self.process.stdout.readline() != "ready\n":
            raise SystemExit(f"html_speed: the {kind} worker did not start")

    def __call__(self, html: str) -> tuple[str, float]:
        self.process.stdin.write(json.dumps(html) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        return reply["text"], reply["seconds"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=100,
                        help="pages of the other splits each extractor cleans, untimed, before the first round")
    parser.add_argument("--save")
    parser.add_argument("--baseline", help="root of another checkout (e.g. an older commit) to time beside this one")
    parser.add_argument("--worker", nargs="+", metavar=("KIND", "CHECKOUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker[0], args.worker[1] if len(args.worker) > 1 else None)
    if not args.corpus:
        parser.error("the following arguments are required: --corpus")
    try:
        import trafilatura  # noqa: F401  (its worker imports it; missing, say so before starting any)
    except ImportError as exc:
        print(f"html_speed: needs trafilatura (pip install trafilatura==2.3.1): {exc}", file=sys.stderr)
        return 2
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        records = [r for r in map(json.loads, f) if r.get("html")]
    pages = [r for r in records if r.get("split") == args.split]
    warmup = [r for r in records if r.get("split") != args.split][:max(args.warmup, 0)]
    # each extractor, in a worker of its own, gives a page's text and the seconds it spent on it
    extractors = {"winnow": Worker("winnow")}
    if args.baseline:
        extractors["winnow-baseline"] = Worker("baseline", Path(args.baseline).resolve())
    extractors["trafilatura"] = Worker("trafilatura")
    extractors["readability-lxml"] = Worker("readability")
    workers = list(extractors.values())
    totals: dict[str, list[float]] = {name: [] for name in extractors}
    answers: dict[str, dict[str, str]] = {name: {} for name in extractors}

    def progress(k: int, total: int, message: str) -> None:
        if sys.stderr.isatty() or k % 50 == 0 or k == total:
            print(f"\r  {message}", end="\n" if k == total else "", file=sys.stderr, flush=True)

    try:
        for k, page in enumerate(warmup, 1):  # untimed: the worker has cleaned pages before, as in service
            for extract in extractors.values():
                extract(page["html"])
            progress(k, len(warmup), f"warm-up: {k}/{len(warmup)} pages of other splits")
        for r in range(args.rounds):
            spent = dict.fromkeys(extractors, 0.0)
            for k, page in enumerate(pages, 1):
                for name, extract in extractors.items():
                    text, seconds = extract(page["html"])
                    spent[name] += seconds
                    answers[name][page["id"]] = text
                progress(k, len(pages), f"round {r + 1}/{args.rounds}: {k}/{len(pages)} pages")
            for name in extractors:
                totals[name].append(spent[name])
    finally:
        for w in workers:
            w.close()
    base, first_base = statistics.median(totals["trafilatura"]), totals["trafilatura"][0]
    print(f"{args.corpus} split {args.split}: {len(pages)} pages, median of {args.rounds} rounds, and the first "
          f"round alone (after {len(warmup)} pages of warm-up)")
    print(f"{'extractor':<18} {'ms/page':>8} {'x trafilatura':>14} {'first round':>12} {'x trafilatura':>14}")
    per_page = 1000 / max(len(pages), 1)
    for name in extractors:
        median, first = statistics.median(totals[name]), totals[name][0]
        print(f"{name:<18} {per_page * median:8.1f} {median / base:14.2f} {per_page * first:12.1f} "
              f"{first / first_base:14.2f}")
    if args.save:
        out = Path(args.save)
        out.mkdir(parents=True, exist_ok=True)
        for name, texts in answers.items():
            with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for pid, text in texts.items():
                    f.write(json.dumps({"id": pid, "text": text}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
