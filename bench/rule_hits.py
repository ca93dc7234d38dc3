#!/usr/bin/env python3
"""How often each rule fires on a corpus, and how often on lines of the gold article text.

    python bench/rule_hits.py --corpus ../shared/corpus/scrapinghub.jsonl.gz [--split train]
        [--views text,markdown,wet] [--show-gold]

A rule that fires on gold lines removes article text: narrow it. Use split "train" only.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import load  # noqa: E402
from service.config import Settings  # noqa: E402
from service.document import Document  # noqa: E402
from service.pipeline import Engine  # noqa: E402
from service.segment import split_segments  # noqa: E402

_FOLD = re.compile(r"\W+")


def fold(text: str) -> str:
    return _FOLD.sub(" ", text).strip().lower()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--split", default="train", choices=["train", "dev", "all"])
    ap.add_argument("--views", default="text,markdown,wet")
    ap.add_argument("--show-gold", action="store_true", help="print the gold lines each rule hits")
    args = ap.parse_args()
    engine = Engine.from_settings(Settings.from_env())
    records = load(args.corpus, args.split)
    fires: Counter[str] = Counter()
    in_gold: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for n, rec in enumerate(records, 1):
        gold = fold(rec["gold"])
        for view in args.views.split(","):
            text = rec["views"][view]
            doc = Document(text, split_segments(text))
            for span in engine.phrases.tag(doc):
                piece = text[span.start:span.end]
                fires[span.rule] += 1
                folded = fold(piece)
                if len(folded) > 20 and folded in gold:
                    in_gold[span.rule] += 1
                    examples.setdefault(span.rule, []).append(piece[:120])
        if n % 25 == 0:
            print(f"  {n}/{len(records)} records", file=sys.stderr)
    print(f"{'rule':40s} {'fires':>6s} {'in_gold':>7s}")
    for rule in sorted(fires, key=lambda r: -fires[r]):
        print(f"{rule:40s} {fires[rule]:6d} {in_gold[rule]:7d}")
        if args.show_gold:
            for piece in examples.get(rule, [])[:5]:
                print(f"    gold: {piece!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
