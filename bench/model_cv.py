#!/usr/bin/env python3
"""Cross-validated quality of the segment model on split "train": how tuning is done without dev.

    python bench/model_cv.py ../shared/corpus/scrapinghub.jsonl.gz ../shared/corpus/readability.jsonl.gz \
        [--folds 5] [--seed 0 1 2] [--c-first 1.0] [--trees 100] [--depth 5] [--learning-rate 0.1]
        [--min-leaf 40] [--policy key=value ...] [--min-segments 16] [--dump spans.jsonl] [--cache DIR]
        [--balance 0 0.5 ...] [--views text,markdown,wet,html]

Pages are split into folds (the views of a page stay together). For each fold the whole engine runs
with a model that never saw that fold's pages: stage one fitted on the other folds (these fits
also give the out-of-fold verdicts stage two learns from, as in `winnow train`), stage two fitted
on the other folds' pages. Prints F1/P/R per corpus and view (benchmark definition, bench/quality.py)
per seed, then the mean over seeds. Decide on the mean of several seeds: with 61 and 121 pages, one
seed's mean of six moves by up to 0.7 when a handful of training segments change (four rule hits did
that), more than most single changes gain. Dev is never read.

--cache DIR keeps each fold's model, named by a digest of everything it is fitted from (the
training matrix, labels, weights, seed, folds, C, tree settings, feature version): a change to the
resolver or its thresholds then costs only the evaluation, and compares the same models.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import doc_scores  # noqa: E402
from winnow.config import Settings  # noqa: E402
from winnow.engine import Engine  # noqa: E402
from winnow.html import read_html  # noqa: E402
from winnow.model.artifact import SegmentModel  # noqa: E402
from winnow.model.features import DENSE_NAMES, FEATURE_VERSION, StopWordHashes  # noqa: E402
from winnow.model.train import (  # noqa: E402
    VIEWS,
    TreeParams,
    assemble_model,
    build_examples,
    context_matrix,
    first_stage_out_of_fold,
    fold_of,
    prepare,
    read_records,
)
from winnow.rules import load_word_lists  # noqa: E402


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _f1(precisions: list[float], recalls: list[float]) -> tuple[float, float, float]:
    p, r = statistics.mean(precisions), statistics.mean(recalls)
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def _training_digest(data, args, seed: int) -> str:
    """What stage one's fold models are fitted from, as a digest (the first cache's key)."""
    h = hashlib.sha256(data.digest().encode())
    h.update(json.dumps([FEATURE_VERSION, seed, args.folds, args.c_first]).encode())
    return h.hexdigest()[:24]


def _first_stage(args, seed: int, data, folds: np.ndarray, digest: str):
    """Stage one's out-of-fold verdicts and fold models, from the cache when it holds them."""
    path = args.cache / f"cv-{digest}-first.npz" if args.cache else None
    if path is not None and path.exists():
        with np.load(path) as saved:
            first = np.split(saved["first"], data.bounds[1:-1])
            models = [(saved["coef"][k], float(saved["intercept"][k])) for k in range(args.folds)]
        _log(f"  seed {seed}: stage one from {path}")
        return first, models
    first, models = first_stage_out_of_fold(data, folds, args.folds, args.c_first, seed, _log)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, first=np.concatenate(first), coef=np.stack([c for c, _ in models]),
                 intercept=np.array([i for _, i in models]))
    return first, models


def _fold_models(args, seed: int, data, examples, folds: np.ndarray, params) -> list[SegmentModel]:
    """The model of each fold (fitted on the other folds), from the cache when it holds them: stage
    two is keyed by its own inputs (the context matrix), so a change of context features refits it
    alone."""
    digest = _training_digest(data, args, seed)
    first, first_models = _first_stage(args, seed, data, folds, digest)
    ctx = context_matrix(examples, first)
    paths = []
    if args.cache:
        h = hashlib.sha256(digest.encode())
        h.update(np.ascontiguousarray(ctx).tobytes())
        h.update(json.dumps(dataclasses.asdict(params)).encode())
        paths = [args.cache / f"cv-{h.hexdigest()[:24]}-fold{k}.npz" for k in range(args.folds)]
        if all(p.exists() for p in paths):
            _log(f"  seed {seed}: fold models from {args.cache}")
            return [SegmentModel.load(p) for p in paths]
    models = [assemble_model(data, first_models[k], ctx, data.rows(np.flatnonzero(folds != k)), params, seed,
                             {"name": f"cv_fold_{k}", "feature_version": FEATURE_VERSION,
                              "dense_names": list(DENSE_NAMES)}) for k in range(args.folds)]
    for model, path in zip(models, paths, strict=False):
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
    # judged as saved, as the service loads a model (the artifact stores some weights in float32):
    # a run that fits the models and a run that takes them from the cache give the same answers
    return [SegmentModel.load(p) for p in paths] if paths else models


_RENDERED: dict[str, tuple] = {}  # page id -> read_html's answer


def _cross_validate(args, seed: int, data, examples, records, corpus_of, base, thresholds, params, stop, dump):
    """One cross-validation: folds drawn with ``seed``; per (corpus, view), and (corpus/page type,
    view) for WCXB, the pages' precisions and recalls, and each page's (worst of P and R, P, R, id)."""
    folds = fold_of(examples, args.folds, seed)
    models = _fold_models(args, seed, data, examples, folds, params)
    page_fold = {ex.page: f for ex, f in zip(examples, folds, strict=True)}
    scores: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    worst: dict[tuple[str, str], list[tuple[float, float | None, float | None, str]]] = {}
    for k in range(args.folds):
        engine = Engine(base.rules, base.stop, thresholds, model=models[k], stop_hashes=stop)
        for rec, corpus in zip(records, corpus_of, strict=True):
            if page_fold.get(rec["id"]) != k:
                continue
            for view in args.views:
                if view == "html":  # the page rendered whole, with its markup's hints, as the service reads it
                    if rec["id"] not in _RENDERED:  # once for every seed and variant
                        _RENDERED[rec["id"]] = read_html(rec.get("html") or "")
                    text, page = _RENDERED[rec["id"]]
                    result = engine.clean(text, page=page)
                else:
                    result = engine.clean(rec["views"].get(view) or "")
                p, r = doc_scores(rec["gold"], result.text)
                if dump:
                    dump.write(json.dumps({"seed": seed, "corpus": corpus, "id": rec["id"], "view": view, "p": p,
                                           "r": r, "spans": [list(s) for s in result.spans]}) + "\n")
                worst.setdefault((corpus, view), []).append((min(p or 0, r or 0), p, r, rec["id"]))
                # the corpus, and for WCXB its page type as well
                kind = [(f"{corpus}/{rec['page_type']}", view)] if rec.get("page_type") else []
                for key in [(corpus, view), *kind]:
                    ps, rs = scores.setdefault(key, ([], []))
                    if p is not None:
                        ps.append(p)
                    if r is not None:
                        rs.append(r)
        _log(f"  seed {seed}: fold {k + 1}/{args.folds} evaluated")
    return scores, worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="+")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, nargs="+", default=[0],
                    help="fold seeds; several give the mean over seeds (one seed's figure moves by up to 0.7)")
    ap.add_argument("--c-first", type=float, default=1.0)
    ap.add_argument("--trees", type=int, default=TreeParams.trees, help="stage two: boosted trees")
    ap.add_argument("--depth", type=int, default=TreeParams.depth)
    ap.add_argument("--learning-rate", type=float, default=TreeParams.learning_rate)
    ap.add_argument("--min-leaf", type=int, default=TreeParams.min_leaf)
    ap.add_argument("--max-features", type=float, default=TreeParams.max_features,
                    help="stage two: the share of the features each split chooses from")
    ap.add_argument("--l2", type=float, default=TreeParams.l2, help="stage two: L2 regularisation of the leaves")
    ap.add_argument("--limit", type=int, help="only the first N train pages of each corpus")
    ap.add_argument("--worst", type=int, default=0, help="print the N worst pages per corpus and view")
    ap.add_argument("--policy", nargs="*", default=[], help="resolver Policy overrides, key=value")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME:KEY=VALUE,...",
                    help="also measure the resolver with these overrides (on top of --policy), on the same "
                         "fold models (repeatable; with --cache they are fitted once)")
    ap.add_argument("--min-segments", type=int, help="pages this long and longer are judged by the model")
    ap.add_argument("--threshold", type=float, help="probability from which the model keeps a segment")
    ap.add_argument("--dump", type=Path, help="write each page's out-of-fold spans and scores here (JSON lines)")
    ap.add_argument("--balance", type=float, nargs="+", default=[0.0],
                    help="page-type balance powers to compare (train.type_balance; 0: every page alike); "
                         "the pages are measured once for all")
    ap.add_argument("--cache", type=Path, help="keep the fold models here and reuse them when their inputs match")
    ap.add_argument("--views", default=",".join(VIEWS),
                    help="views to measure, comma-separated: text, markdown, wet, html (the page's HTML as the "
                         "service reads it)")
    args = ap.parse_args(argv)
    args.views = [v for v in args.views.split(",") if v]
    if not set(args.views) <= {*VIEWS, "html"}:
        ap.error(f"--views: each of {', '.join((*VIEWS, 'html'))}")

    settings = Settings.from_env(model_path=Path("off"))
    base = Engine.from_settings(settings)
    def overridden(policy, pairs: list[str]):
        return dataclasses.replace(policy, **{k: type(getattr(policy, k))(v)
                                              for k, v in (kv.split("=", 1) for kv in pairs)})

    policy = overridden(base.thresholds.resolve, args.policy)
    thresholds = dataclasses.replace(base.thresholds, resolve=policy)
    model_settings = thresholds.model
    if args.threshold is not None:
        model_settings = dataclasses.replace(model_settings, threshold=args.threshold)
    if args.min_segments is not None:
        model_settings = dataclasses.replace(model_settings, min_segments=args.min_segments)
    thresholds = dataclasses.replace(thresholds, model=model_settings)
    variants = [("", thresholds)]
    for spec in args.variant:
        name, _, pairs = spec.partition(":")
        variants.append((f"{name}: ", dataclasses.replace(
            thresholds, resolve=overridden(thresholds.resolve, [kv for kv in pairs.split(",") if kv]))))
    params = TreeParams(args.trees, args.depth, args.learning_rate, args.min_leaf, args.max_features, args.l2)
    stop = StopWordHashes(load_word_lists(Path(settings.rules_dir) / "stopwords"))

    records, examples, corpus_of = [], [], []
    for path in map(Path, args.corpus):
        recs = read_records(path, "train")[: args.limit]
        _log(f"{path.name}: {len(recs)} train pages")
        records += recs
        examples += build_examples(base, stop, recs, silver=False)  # the content stages only
        corpus_of += [path.name] * len(recs)
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    for balance, (variant, variant_thresholds) in ((b, v) for b in args.balance for v in variants):
        data = prepare(examples, balance)
        per_seed = []
        for seed in args.seed:
            t0 = time.perf_counter()
            scores, worst = _cross_validate(args, seed, data, examples, records, corpus_of, base, variant_thresholds,
                                            params, stop, dump)
            _log(f"{variant}balance {balance}, seed {seed}: fitted and evaluated in {time.perf_counter() - t0:.0f} s")
            per_seed.append(scores)
            print(f"{variant}balance {balance}, seed {seed} (folds by page)")
            for (corpus, view), (ps, rs) in sorted(scores.items()):
                f1, p, r = _f1(ps, rs)
                print(f"{corpus:24s} {view:9s} F1 {f1:.3f}  P {p:.3f}  R {r:.3f}  ({len(rs)} pages)")
                for low in sorted(worst.get((corpus, view), []), key=lambda w: w[0])[: args.worst]:
                    print(f"    worst: P {low[1]} R {low[2]} {low[3]}")
        cells = {key: statistics.mean(_f1(*scores[key])[0] for scores in per_seed) for key in per_seed[0]}
        corpora = {key: f1 for key, f1 in cells.items() if "/" not in key[0]}
        print(f"{variant}balance {balance}, mean over seeds {' '.join(map(str, args.seed))}: "
              + "  ".join(f"{corpus.replace('.jsonl.gz', '')} {view} {f1:.3f}"
                          for (corpus, view), f1 in sorted(cells.items()))
              + f"  | mean of the corpora's cells {statistics.mean(corpora.values()):.4f}", flush=True)
    if dump:
        dump.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
