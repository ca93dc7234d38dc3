#!/usr/bin/env python3
"""winnow.dask on a local Dask cluster: pages/s, and the answers against the library's.

    python bench/dask_local.py ../shared/corpus/scrapinghub.jsonl.gz [--split dev] [--view text]
        [--workers 2] [--threads 1] [--repeat 20] [--partitions 16] [--scheduler distributed]

The pages of one view of one split, --repeat times, go into a dask bag of --partitions partitions
cleaned by ``winnow.dask.clean_bag``: on a distributed LocalCluster (--workers processes of
--threads threads, on loopback; the scheduler a real cluster runs), or on Dask's local
``processes``/``threads`` schedulers. Printed: the cluster's start, the time the workers took to
build their cleaners (``client.run(winnow.dask.warm_up)``, distributed only: the other schedulers
build theirs inside the timed run), the seconds to compute the bag, pages/s, MB/s, cleaners built
per worker, and the number of answers that differ from the library's here (must be 0).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import load  # noqa: E402
from winnow.library import Cleaner  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", help="JSONL(.gz) records with views (the evaluation corpus format)")
    ap.add_argument("--split", default="dev", choices=["all", "train", "dev"])
    ap.add_argument("--view", default="text")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="threads per worker process")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--scheduler", default="distributed", choices=["distributed", "processes", "threads"])
    args = ap.parse_args(argv)
    if min(args.workers, args.threads, args.repeat, args.partitions) < 1:
        ap.error("--workers, --threads, --repeat and --partitions must be at least 1")

    import dask.bag as db

    import winnow.dask

    records = load(args.corpus, args.split)
    pages = [{"text": r["views"][args.view], "url": r.get("url") or r["id"]} for r in records]
    if not pages:
        ap.error(f"no pages of split {args.split} in {args.corpus}")
    items = pages * args.repeat
    chars = sum(len(p["text"]) for p in items)
    print(f"{len(pages)} pages of split {args.split}, view {args.view}, x{args.repeat}: the library's answers",
          file=sys.stderr, flush=True)
    cleaner = Cleaner()
    reference = []
    for page in pages:
        answer = cleaner.clean(text=page["text"]).to_dict()
        answer["url"] = page["url"]
        reference.append(answer)
    bag = winnow.dask.clean_bag(db.from_sequence(items, npartitions=args.partitions))

    t0 = time.perf_counter()
    built: dict = {}
    if args.scheduler == "distributed":
        from distributed import Client, LocalCluster

        print(f"starting a LocalCluster: {args.workers} workers x {args.threads} threads", file=sys.stderr, flush=True)
        with LocalCluster(n_workers=args.workers, threads_per_worker=args.threads, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
            started = time.perf_counter() - t0
            print("building the workers' cleaners", file=sys.stderr, flush=True)
            t1 = time.perf_counter()
            client.run(winnow.dask.warm_up)
            warm = time.perf_counter() - t1
            print("cleaning", file=sys.stderr, flush=True)
            t1 = time.perf_counter()
            answers = bag.compute()
            seconds = time.perf_counter() - t1
            built = client.run(winnow.dask.cleaners_built)
    else:
        started = warm = 0.0
        print(f"cleaning on the {args.scheduler} scheduler", file=sys.stderr, flush=True)
        t1 = time.perf_counter()
        answers = bag.compute(scheduler=args.scheduler, num_workers=args.workers * args.threads)
        seconds = time.perf_counter() - t1
        if args.scheduler == "threads":
            built = {"this process": winnow.dask.cleaners_built()}
    mismatches = sum(a != reference[n % len(pages)] for n, a in enumerate(answers))
    print(f"{args.scheduler}: {args.workers} workers x {args.threads} threads, {args.partitions} partitions; "
          f"cluster start {started:.2f} s, cleaners built in {warm:.2f} s")
    print(f"{len(answers)} pages in {seconds:.2f} s: {len(answers) / seconds:.1f} pages/s, "
          f"{chars / 1e6 / seconds:.2f} MB/s; mismatches {mismatches} (of {len(items)}); "
          f"cleaners built per worker {sorted(built.values()) if built else 'n/a'}")
    return 0 if mismatches == 0 and len(answers) == len(items) else 1


if __name__ == "__main__":
    sys.exit(main())
