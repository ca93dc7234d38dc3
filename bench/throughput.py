#!/usr/bin/env python3
"""In-process throughput of the engine on the corpus views (no HTTP), with a baseline in the same run.

    python bench/throughput.py --corpus ../shared/corpus/scrapinghub.jsonl.gz [--views text,markdown,wet]
        [--repeat 3] [--split all] [--stages]

Prints, per view: documents, mean input size, ms per document (mean and p50/p99 of the best of
--repeat passes), MB/s of input text, for the engine with its segment model, the engine without
it (rules and heuristics: WINNOW_MODEL_PATH=off) and the cheapest possible line filter (split
lines, strip, drop short ones), all in one run so that the ratios hold on a noisy machine.
With --stages, also where the engine's time goes: ms per document in each stage, timed at the
boundaries where a request checks its time budget.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import load  # noqa: E402
from winnow.config import Settings  # noqa: E402
from winnow.engine import Engine  # noqa: E402


def line_filter(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n") if len(line.strip()) > 40)


def timed(fn, texts: list[str], repeat: int) -> list[float]:
    best = [float("inf")] * len(texts)
    for _ in range(repeat):
        for i, text in enumerate(texts):
            t0 = time.perf_counter()
            fn(text)
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


class StageClock:
    """Stands in for a request's Deadline: the engine checks it after every stage (segmentation, each
    tagger by its role, resolution), so the time between two checks is the stage that just ended;
    what follows the last check is assembling the spans and rendering the clean text."""

    def __init__(self, roles: list[str]) -> None:
        self.ms: dict[str, float] = defaultdict(float)
        self._last = 0.0
        self._roles = roles  # "tagging" is checked after each tagger, in this order
        self._tagger = 0

    def start(self) -> None:
        self._last, self._tagger = time.perf_counter(), 0

    def check(self, stage: str) -> None:
        now = time.perf_counter()
        if stage == "tagging":
            stage = f"tagger: {self._roles[self._tagger]}"
            self._tagger += 1
        self.ms[stage] += (now - self._last) * 1000
        self._last = now

    def stop(self) -> None:
        self.ms["assembly and rendering"] += (time.perf_counter() - self._last) * 1000


def stage_table(engine: Engine, texts: list[str]) -> list[str]:
    """ms per document by stage (one timed run over ``texts``)."""
    for text in texts:  # warm up first: RE2 builds its DFA states lazily, on the first pages it reads
        engine.clean(text)
    clock = StageClock([t.role for t in engine.taggers])
    for text in texts:
        clock.start()
        engine.clean(text, deadline=clock)
        clock.stop()
    rows = [f"{'stage':24s} {'ms/doc':>8s}"]
    rows += [f"{stage:24s} {ms / len(texts):8.3f}" for stage, ms in clock.ms.items()]
    rows.append(f"{'total':24s} {sum(clock.ms.values()) / len(texts):8.3f}")
    return rows


def report(name: str, seconds: list[float], chars: int) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    return (f"{name:12s} {statistics.mean(ms):7.2f} ms/doc  p50 {statistics.median(ms):6.2f}  p99 {p99:7.2f}  "
            f"{chars / 1e6 / sum(seconds):6.2f} MB/s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--views", default="text,markdown,wet")
    ap.add_argument("--split", default="all", choices=["all", "train", "dev"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--stages", action="store_true", help="also time each stage of the engine")
    args = ap.parse_args()
    settings = Settings.from_env()
    engines = {"engine": Engine.from_settings(settings)}
    if engines["engine"].model is not None:
        engines["no model"] = Engine.from_settings(dataclasses.replace(settings, model_path=Path("off")))
    records = load(args.corpus, args.split)
    for view in args.views.split(","):
        texts = [r["views"][view] for r in records]
        chars = sum(len(t) for t in texts)
        print(f"{view}: {len(texts)} documents, mean {chars / len(texts) / 1000:.1f} K chars", flush=True)
        for name, engine in engines.items():
            print("  " + report(name, timed(engine.clean, texts, args.repeat), chars), flush=True)
        print("  " + report("line filter", timed(line_filter, texts, args.repeat), chars), flush=True)
        if args.stages:
            for row in stage_table(engines["engine"], texts):
                print("    " + row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
