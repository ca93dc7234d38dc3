#!/usr/bin/env python3
"""HTML input: Winnow's time per page beside trafilatura's and readability-lxml's, in one run.

    python bench/html_speed.py --corpus ../shared/corpus/scrapinghub.jsonl.gz [--split dev] \
        [--rounds 3] [--save DIR] [--baseline CHECKOUT]

Each page is cleaned in-process by Winnow (``read_html`` then the engine: what ``POST /v1/clean``
with ``html`` runs, without HTTP), by trafilatura 2.3.1 (``extract``) and by readability-lxml
(``Document(...).summary()`` rendered as text), the three taking turns page by page so that the
machine's load falls on all of them alike; the figure is the median over rounds of the total
time, per page, and the ratio to trafilatura. With --save, each extractor's answers are written
as DIR/<name>.jsonl (``{"id", "text"}``) for shared/eval/score.py, so the quality of the same
answers can be judged. With --baseline, another checkout's Winnow (an older commit: its service/
folder imported in this process under the name ``winnow_baseline``, with the checkout's rules/)
takes its turn as a fourth extractor, so that a change's speed is measured in the same run, as a
ratio. Benchmark-only dependency: ``pip install trafilatura==2.3.1``.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from winnow.answer import CleanRequest, build_answer  # noqa: E402
from winnow.config import Settings  # noqa: E402
from winnow.document import KEPT_LABELS_DEFAULT  # noqa: E402
from winnow.engine import Engine  # noqa: E402
from winnow.page import render_page  # noqa: E402


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
    answer = importlib.import_module(f"{name}.answer")
    config = importlib.import_module(f"{name}.config")
    engine = importlib.import_module(f"{name}.engine").Engine.from_settings(config.Settings.from_env())
    kept = importlib.import_module(f"{name}.document").KEPT_LABELS_DEFAULT
    print(f"baseline: engine {engine.version['engine']} from {checkout}", file=sys.stderr)

    def extract(html: str) -> str:
        reply, _ = answer.build_answer(engine, answer.CleanRequest(None, html, kept, "codepoint", False))
        return reply["text"]

    return extract


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save")
    parser.add_argument("--baseline", help="root of another checkout (e.g. an older commit) to time beside this one")
    args = parser.parse_args(argv)
    try:
        import trafilatura
        from readability import Document
    except ImportError as exc:
        print(f"html_speed: needs trafilatura (pip install trafilatura==2.3.1): {exc}", file=sys.stderr)
        return 2
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        pages = [r for r in map(json.loads, f) if r.get("split") == args.split and r.get("html")]
    engine = Engine.from_settings(Settings.from_env())

    def winnow(html: str) -> str:
        answer, _ = build_answer(engine, CleanRequest(None, html, KEPT_LABELS_DEFAULT, "codepoint", False))
        return answer["text"]

    extractors = {"winnow": winnow}
    if args.baseline:
        extractors["winnow-baseline"] = baseline_extractor(Path(args.baseline).resolve())

    def readability(html: str) -> str:
        return render_page(Document(html).summary(html_partial=True)).text

    def traf(html: str) -> str:
        return trafilatura.extract(html) or ""

    extractors.update({"trafilatura": traf, "readability-lxml": readability})
    totals: dict[str, list[float]] = {name: [] for name in extractors}
    answers: dict[str, dict[str, str]] = {name: {} for name in extractors}
    for r in range(args.rounds):
        spent = dict.fromkeys(extractors, 0.0)
        for k, page in enumerate(pages, 1):
            for name, fn in extractors.items():
                started = time.perf_counter()
                text = fn(page["html"])
                spent[name] += time.perf_counter() - started
                answers[name][page["id"]] = text
            if sys.stderr.isatty() or k % 50 == 0 or k == len(pages):
                print(f"\r  round {r + 1}/{args.rounds}: {k}/{len(pages)} pages", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        for name in extractors:
            totals[name].append(spent[name])
    base = statistics.median(totals["trafilatura"])
    print(f"{args.corpus} split {args.split}: {len(pages)} pages, median of {args.rounds} rounds")
    print(f"{'extractor':<18} {'ms/page':>8} {'x trafilatura':>14}")
    for name in extractors:
        median = statistics.median(totals[name])
        print(f"{name:<18} {1000 * median / max(len(pages), 1):8.1f} {median / base:14.2f}")
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
