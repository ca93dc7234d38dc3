#!/usr/bin/env python3
"""Digests that tell whether two machines compute the same answers and the same training inputs.

    python bench/reproducibility.py CORPUS [CORPUS ...] [--limit N] [--train OUT.npz]

For the corpora's split train it prints one line each:
  machine   the architecture and the SIMD extensions numpy found
  answers   a digest of the engine's answers (clean text and spans; the built-in rules and model)
            on every text, markdown and wet view
  features  a digest of stage one's training matrix (hashed n-grams, dense features, labels,
            sample weights), exactly what `winnow train` fits
  artifact  with --train: the sha256 of the artifact `winnow train` writes (needs the [train] extra)

Run it on two machines and compare the lines: equal answers mean the service behaves the same;
equal features but different artifacts mean the solvers, not our features, differ (see "Training"
in rules/model/MODEL_CARD.md). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from winnow.config import Settings  # noqa: E402
from winnow.engine import Engine  # noqa: E402
from winnow.model.features import StopWordHashes  # noqa: E402
from winnow.model.train import VIEWS, build_examples, prepare, read_records, train  # noqa: E402
from winnow.rules import load_word_lists  # noqa: E402


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine() -> str:
    try:  # numpy does not export its CPU feature table; a later numpy may move it
        from numpy._core._multiarray_umath import __cpu_features__ as features
        found = " ".join(sorted(name for name, on in features.items() if on))
    except ImportError:
        found = "(SIMD extensions unknown)"
    return f"{platform.machine()} python {platform.python_version()} numpy {np.__version__}: {found}"


def answers_digest(engine: Engine, records: list[dict]) -> tuple[str, int]:
    """Digest of the clean text and spans of every view of ``records``, and how many views."""
    h, views = hashlib.sha256(), 0
    for n, rec in enumerate(records, 1):
        for view in VIEWS:
            text = rec["views"].get(view)
            if not text:
                continue
            result = engine.clean(text)
            h.update(result.text.encode("utf-8", "surrogatepass"))
            h.update(json.dumps([list(s) for s in result.spans]).encode())
            views += 1
        if n % 50 == 0 or n == len(records):
            _log(f"  answered {n}/{len(records)} pages")
    return h.hexdigest()[:16], views


def features_digest(engine: Engine, stop: StopWordHashes, records: list[dict]) -> tuple[str, int]:
    """Digest of the training matrix built from ``records``, and its number of segments."""
    data = prepare(build_examples(engine, stop, records))
    return data.digest()[:16], len(data.y)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="+", type=Path)
    ap.add_argument("--limit", type=int, help="only the first N train pages of each corpus")
    ap.add_argument("--train", type=Path, help="also train, write the artifact here and print its sha256")
    args = ap.parse_args(argv)
    missing = [str(p) for p in args.corpus if not p.is_file()]
    if missing:
        ap.error(f"no such corpus: {', '.join(missing)}")
    records = [r for path in args.corpus for r in read_records(path, "train")[:args.limit]]
    print(f"machine   {machine()}", flush=True)

    t0 = time.perf_counter()
    digest, views = answers_digest(Engine.from_settings(Settings()), records)
    print(f"answers   {digest}  ({views} views, {time.perf_counter() - t0:.0f} s)", flush=True)

    t0 = time.perf_counter()
    rules_only = Engine.from_settings(replace(Settings(), model_path=Path("off")))
    stop = StopWordHashes(load_word_lists(Settings().rules_dir / "stopwords"))
    digest, segments = features_digest(rules_only, stop, records)
    print(f"features  {digest}  ({segments} segments, {time.perf_counter() - t0:.0f} s)", flush=True)

    if args.train:
        t0 = time.perf_counter()
        train(rules_only, stop, args.corpus, args.train, limit=args.limit, log=_log)
        sha = hashlib.sha256(args.train.read_bytes()).hexdigest()
        print(f"artifact  {sha[:16]}  ({time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
