#!/usr/bin/env python3
"""Is the rule stage's DFA budget big enough? The shipped rules beside the same rules with 4x the room.

    python bench/rule_stage.py --corpus ../shared/corpus/scrapinghub.jsonl.gz \
        [--corpus ../shared/corpus/wcxb.jsonl.gz ...] [--split all] [--rounds 3] [--factor 4]

RE2 builds a pattern's DFA lazily, in a state cache bounded by the pattern's memory budget. A
scope's finder (rules.py) holds every rule of its scope: when the states that varied pages reach
outgrow the cache, RE2 resets it again and again and falls back to its NFA, many times slower,
silently. A benchmark over a few pages never shows it (their states fit), so this one reads every
view of every page of the corpora given: what a long-running worker reads.

Two rule sets are loaded in this process: as shipped, and with the finders' budget multiplied by
--factor. Each cleans every text once to warm up; then, round by round, they take turns timing
line and inline rule matching over all texts. Printed: ms per text for each (best round) and the
ratio shipped / roomy. Near 1.0 the shipped budget holds the pages' states; well above it the
finder thrashes, and its budget (rules.py, ``_FINDER_MAX_MEM``) needs raising, or its scope
splitting. With 64 MB (before 128) the ratio was 2.24 over every scrapinghub view (3.84 against
1.72 ms a text); with 128 MB it is 1.06 over every view of the three corpora. Progress goes to
stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import load  # noqa: E402
from winnow import rules as rules_module  # noqa: E402
from winnow.config import Settings  # noqa: E402


def _load(factor: int):
    shipped = rules_module._FINDER_MAX_MEM
    rules_module._FINDER_MAX_MEM = shipped * factor
    try:
        return rules_module.load_rules(Path(Settings().rules_dir))
    finally:
        rules_module._FINDER_MAX_MEM = shipped


def _pass(ruleset, texts: list[str]) -> float:
    t0 = time.perf_counter()
    for text in texts:
        ruleset.line_hits(text)
        ruleset.inline_hits(text)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", action="append", required=True, help="JSONL(.gz) records with views (repeatable)")
    ap.add_argument("--split", default="all", choices=["all", "train", "dev"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--factor", type=int, default=4, help="the roomy set's finder budget, times the shipped one")
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.factor < 2:
        ap.error("--rounds at least 1, --factor at least 2")
    texts = [t for path in args.corpus for r in load(path, args.split) for t in r["views"].values() if t]
    if not texts:
        raise SystemExit("no texts in the corpora given")
    sets = {"shipped": _load(1), f"roomy (x{args.factor})": _load(args.factor)}
    print(f"{len(texts)} texts; warming both rule sets", file=sys.stderr, flush=True)
    for ruleset in sets.values():
        _pass(ruleset, texts)
    best = dict.fromkeys(sets, float("inf"))
    for r in range(1, args.rounds + 1):
        for name, ruleset in sets.items():
            best[name] = min(best[name], _pass(ruleset, texts))
        print(f"  round {r}/{args.rounds}: " + ", ".join(f"{n} {1000 * s / len(texts):.3f} ms/text"
                                                       for n, s in best.items()), file=sys.stderr, flush=True)
    mib = rules_module._FINDER_MAX_MEM >> 20
    print(f"{len(texts)} texts (every view, split {args.split}), best of {args.rounds} rounds; finder budget {mib} MiB")
    for name, seconds in best.items():
        print(f"{name:14s} {1000 * seconds / len(texts):7.3f} ms/text (line and inline rules)")
    shipped, roomy = best.values()
    print(f"ratio shipped / roomy: {shipped / roomy:.2f} (near 1: the shipped budget holds the pages' DFA states)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
