#!/usr/bin/env python3
"""Library throughput: winnow.Cleaner.clean_many in this process and with a pool of worker processes.

    python bench/library.py ../shared/corpus/scrapinghub.jsonl.gz [--split dev] [--view text]
        [--jobs 1,2] [--repeat 20] [--chunksize 8]

The pages of one view of one split are streamed --repeat times (a crawl is long; the pool's start
is paid once) through ``Cleaner().clean_many(pages, jobs=N)`` for each N of --jobs (1: this
process). Printed per N: pages, seconds to the first answer (the workers' start: each builds its
engine), total seconds, pages/s over the whole run and after the first answer, MB/s of input, and
how many answers differ from the in-process answers (must be 0). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import load  # noqa: E402
from winnow.library import Cleaner  # noqa: E402


def run(cleaner: Cleaner, pages: list[str], repeat: int, jobs: int, chunksize: int,
        reference: list[dict] | None) -> dict:
    stream = itertools.chain.from_iterable(itertools.repeat(pages, repeat))
    total = len(pages) * repeat
    t0 = time.perf_counter()
    first = None
    mismatches = 0
    answers = []
    for n, result in enumerate(cleaner.clean_many(stream, jobs=jobs, chunksize=chunksize), 1):
        if first is None:
            first = time.perf_counter() - t0
        answer = result.to_dict()
        if reference is None:
            if n <= len(pages):
                answers.append(answer)
        elif answer != reference[(n - 1) % len(pages)]:
            mismatches += 1
        if n % 500 == 0:
            print(f"  jobs={jobs}: {n}/{total} pages, {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - t0
    return {"pages": total, "first": first, "seconds": seconds, "mismatches": mismatches, "answers": answers}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", help="JSONL(.gz) records with views (the evaluation corpus format)")
    ap.add_argument("--split", default="dev", choices=["all", "train", "dev"])
    ap.add_argument("--view", default="text")
    ap.add_argument("--jobs", default="1,2", help="comma-separated worker counts; 1: in this process")
    ap.add_argument("--repeat", type=int, default=20, help="stream the pages this many times")
    ap.add_argument("--chunksize", type=int, default=8)
    args = ap.parse_args(argv)
    jobs = [int(j) for j in args.jobs.split(",")]
    if args.repeat < 1 or min(jobs) < 1:
        ap.error("--repeat and --jobs must be at least 1")

    pages = [r["views"][args.view] for r in load(args.corpus, args.split)]
    if not pages:
        ap.error(f"no pages of split {args.split} in {args.corpus}")
    chars = sum(len(p) for p in pages) * args.repeat
    print(f"{len(pages)} pages of split {args.split}, view {args.view}, x{args.repeat}", file=sys.stderr)
    t0 = time.perf_counter()
    cleaner = Cleaner()
    built = time.perf_counter() - t0
    reference = run(cleaner, pages, 1, 1, args.chunksize, None)["answers"]  # also warms RE2's DFAs up
    print(f"Cleaner() built in {built:.2f} s; {len(pages)} pages x {args.repeat} = {len(pages) * args.repeat} "
          f"pages, mean {chars / args.repeat / len(pages):.0f} chars")
    for n in jobs:
        r = run(cleaner, pages, args.repeat, n, args.chunksize, reference)
        steady = (r["pages"] - 1) / (r["seconds"] - r["first"]) if r["seconds"] > r["first"] else float("nan")
        print(f"jobs={n:<3d} {r['pages']:6d} pages  first answer {r['first']:6.2f} s  total {r['seconds']:7.2f} s  "
              f"{r['pages'] / r['seconds']:7.1f} pages/s  ({steady:7.1f} after the first)  "
              f"{chars / 1e6 / r['seconds']:5.2f} MB/s  mismatches {r['mismatches']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
