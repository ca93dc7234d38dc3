#!/usr/bin/env python3
"""In-process quality and speed of the engine on a corpus (JSONL records with views and gold).

    python bench/quality.py --corpus ../shared/corpus/scrapinghub.jsonl.gz --split train \
        [--views text,markdown,wet,html] [--keep content] [--out DIR] [--worst 5]

Each page goes through the library's Cleaner (the service's request path: HTML is read as the
service reads it), so "html" measures the HTML input.

Tune on split "train" only. The shingle F1 here follows the ScrapingHub benchmark's definition
so that tuning is quick; figures to report come from the independent judge (shared/eval) run
against the real service. With --out, predictions are written as DIR/<view>.jsonl for it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from winnow.engine import Engine  # noqa: E402
from winnow.library import Cleaner  # noqa: E402

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def doc_scores(gold: str, pred: str) -> tuple[float | None, float | None]:
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    if fp == 0 and fn == 0:
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def corpus_f1(engine: Engine, records: list[dict], view: str) -> tuple[float, float, float]:
    """F1, precision and recall of the engine on one view of the records (benchmark definition)."""
    precisions, recalls = [], []
    for rec in records:
        p, r = doc_scores(rec["gold"], engine.clean(rec["views"][view]).text)
        if p is not None:
            precisions.append(p)
        if r is not None:
            recalls.append(r)
    P, R = statistics.mean(precisions), statistics.mean(recalls)
    return (2 * P * R / (P + R) if P + R else 0.0), P, R


def load(corpus: str, split: str) -> list[dict]:
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if split == "all" or r.get("split") == split]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--split", default="train", choices=["train", "dev", "all"])
    ap.add_argument("--views", default="text,markdown,wet")
    ap.add_argument("--out", help="write predictions DIR/<view>.jsonl")
    ap.add_argument("--worst", type=int, default=0, help="print the N worst documents per view")
    ap.add_argument("--keep", help="labels kept, comma-separated (the request's options.keep; default the service's)")
    args = ap.parse_args(argv)

    cleaner = Cleaner(max_text_chars=50_000_000)  # the service's request path, without its size limits
    keep = args.keep.split(",") if args.keep else None
    records = load(args.corpus, args.split)
    print(f"{len(records)} records of split {args.split} from {args.corpus}", file=sys.stderr)
    for view in args.views.split(","):
        precisions, recalls, rows, elapsed, chars = [], [], [], 0.0, 0
        preds = []
        for n, rec in enumerate(records, 1):
            text = rec["html"] if view == "html" else rec["views"][view]
            page = {"html": text} if view == "html" else {"text": text}
            t0 = time.perf_counter()
            out = cleaner.clean(**page, keep=keep, spans=False).text
            elapsed += time.perf_counter() - t0
            chars += len(text)
            p, r = doc_scores(rec["gold"], out)
            if p is not None:
                precisions.append(p)
            if r is not None:
                recalls.append(r)
            rows.append((min(p or 0, r or 0), p, r, rec["id"], rec.get("url", "")))
            preds.append({"id": rec["id"], "text": out})
            if n % 50 == 0:
                print(f"  {view}: {n}/{len(records)}", file=sys.stderr)
        P, R = statistics.mean(precisions), statistics.mean(recalls)
        f1 = 2 * P * R / (P + R) if P + R else 0.0
        print(f"{view:9s} F1 {f1:.3f}  P {P:.3f}  R {R:.3f}   {1000 * elapsed / len(records):.2f} ms/doc  "
              f"{chars / 1e6 / elapsed:.2f} MB/s (chars)")
        for worst in sorted(rows, key=lambda r: r[0])[: args.worst]:
            print(f"    worst: P {worst[1]} R {worst[2]} {worst[3][:16]} {worst[4]}")
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            with open(Path(args.out) / f"{view}.jsonl", "w", encoding="utf-8") as f:
                for pred in preds:
                    f.write(json.dumps(pred, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
