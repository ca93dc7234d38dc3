#!/usr/bin/env python3
"""Coordinate sweep of the thresholds in rules/settings/thresholds.yaml, on split "train" only.

    python bench/tune.py --corpus ../shared/corpus/scrapinghub.jsonl.gz [--views text,markdown,wet]

For each parameter in turn, tries the listed values with the others held at their current
best and keeps the value with the highest mean F1 over the views. Prints every trial; the
winning values are for a human to copy into thresholds.yaml (nothing is written).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import corpus_f1, load  # noqa: E402
from winnow.config import Settings  # noqa: E402
from winnow.engine import Engine, Thresholds  # noqa: E402

GRID = {
    ("resolve", "penalty_cap_chars"): [100, 200, 400, 100000],
    ("resolve", "weight_residue"): [0.0, -0.2, -0.5],
    ("resolve", "weight_neargood"): [0.3, 0.5, 0.7, 1.0],
    ("resolve", "weight_short"): [-0.5, -0.2, 0.0],
    ("resolve", "weight_bad"): [-0.25, -0.5, -1.0],
    ("quality", "length_low"): [50, 70, 90],
    ("quality", "stopwords_low"): [0.25, 0.30, 0.35],
    ("quality", "stopwords_high"): [0.28, 0.32, 0.36],
    ("quality", "sentence_stopwords_low"): [0.10, 0.15, 0.20, 0.25],
    ("quality", "max_link_density"): [0.1, 0.2, 0.35],
    ("resolve", "block_end_min_chars"): [60, 80, 120],
}


def mean_f1(engine: Engine, records: list[dict], views: list[str]) -> float:
    return statistics.mean(corpus_f1(engine, records, view)[0] for view in views)


def with_value(t: Thresholds, group: str, name: str, value) -> Thresholds:
    return dataclasses.replace(t, **{group: dataclasses.replace(getattr(t, group), **{name: value})})


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--views", default="text,markdown,wet")
    args = ap.parse_args()
    records = load(args.corpus, "train")
    views = args.views.split(",")
    base = Engine.from_settings(Settings.from_env())
    best_t = base.thresholds
    best = mean_f1(base, records, views)
    print(f"start: mean F1 {best:.4f}", flush=True)
    for (group, name), values in GRID.items():
        for value in values:
            trial = with_value(best_t, group, name, value)
            engine = Engine(base.rules, base.stop, trial)
            score = mean_f1(engine, records, views)
            print(f"  {group}.{name}={value}: {score:.4f}", flush=True)
            if score > best + 1e-4:
                best, best_t = score, trial
        print(f"best {group}.{name} = {getattr(getattr(best_t, group), name)}  (mean F1 {best:.4f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
