#!/usr/bin/env python3
"""Cross-validated worth of the hand-labelled train pages to the category stage (split train only).

    python bench/category_cv.py ../shared/corpus/scrapinghub.jsonl.gz ../shared/corpus/readability.jsonl.gz \\
        ../shared/corpus/wcxb.jsonl.gz [--hand-labels bench/labels/train] [--folds 4] \\
        [--hand-weight 0 5 10 20] [--c 1 10] [--balance 0 0.5] [--smoothing 0.3] [--min-probability 0.3] \\
        [--boilerplate-margin 1 2] [--seed 0] [--cache /tmp/category_cv.pkl]

The hand-labelled train pages (bench/label_lines.py --train) are split into folds by page. For each
fold, hand weight, C and balance, the category stage is fitted as `winnow train` fits it (silver
labels of every view, the hand labels of the labelled views weighing ``--hand-weight`` views each;
0: their silver labels instead, as before hand labels existed; ``--c``: the inverse regularisation
strength; ``--balance``: how far the classes are evened out) on every page but the fold's, and
names the chaff lines of the fold's hand-labelled views with each ``--smoothing``,
``--min-probability`` and ``--boilerplate-margin`` (read when naming: one fit serves them all).
The verdict inputs are stage one's out-of-fold log-odds, as in training. Printed per setting:
accuracy on the lines the hand calls chaff (not content, title or markup), macro-F1 over their
labels, and the share named ``boilerplate``. Dev pages and the category dev set are never read.

--cache keeps the measured examples and stage one's verdicts (pickle, a local scratch file only).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.model_cv import _log  # noqa: E402  (progress on stderr, as the model's cross-validation prints it)
from winnow.config import Settings  # noqa: E402
from winnow.engine import Engine  # noqa: E402
from winnow.model.features import StopWordHashes, standardise  # noqa: E402
from winnow.model.hand_labels import load_hand_labels, segment_targets  # noqa: E402
from winnow.model.train import build_examples, first_stage_out_of_fold, fold_of, prepare, read_records  # noqa: E402
from winnow.model.train_categories import BALANCE, CHAFF_LABELS, SMOOTHING, fit_categories  # noqa: E402
from winnow.rules import load_word_lists  # noqa: E402


def _measure(args) -> tuple[list, list, np.ndarray, np.ndarray]:
    if args.cache and args.cache.is_file():
        _log(f"examples and stage one's verdicts from {args.cache}")
        with args.cache.open("rb") as f:
            return pickle.load(f)
    settings = Settings.from_env()
    engine = Engine.from_settings(replace(settings, model_path=Path("off")))
    stop = StopWordHashes(load_word_lists(Path(settings.rules_dir) / "stopwords"))
    examples = []
    for path in args.corpora:
        records = read_records(path, "train")
        started = time.perf_counter()

        def progress(n: int, total: int, name=path.name, started=started) -> None:
            if n % 20 == 0 or n == total:
                _log(f"  measured {n}/{total} pages of {name} ({time.perf_counter() - started:.0f} s)")

        measured = build_examples(engine, stop, records, progress=progress)
        for ex in measured:
            ex.corpus = path.name.split(".")[0]  # the hand labels name pages by corpus and id
        examples += measured
    data = prepare(examples)
    first, _ = first_stage_out_of_fold(data, fold_of(examples, 5, args.seed), 5, 1.0, args.seed, _log)
    measured = (examples, first, data.dense_mean, data.dense_scale)
    if args.cache:
        with args.cache.open("wb") as f:
            pickle.dump(measured, f)
    return measured


def _attach_hand(examples: list, folder: Path, corpora: list[Path]) -> None:
    """The hand labels of the labelled views, onto their examples (the labels may be newer than the
    cached examples): the view is segmented again, as build_examples does, to map lines to segments."""
    hand = load_hand_labels(folder)
    if not hand:
        return
    engine = Engine.from_settings(replace(Settings.from_env(), model_path=Path("off")))  # segments only
    wanted = {(c, i): v for (c, i, v) in hand}
    texts = {}
    for path in corpora:
        corpus = path.name.split(".")[0]
        for rec in read_records(path, "train"):
            if (corpus, rec["id"]) in wanted:
                texts[(corpus, rec["id"])] = rec["views"][wanted[(corpus, rec["id"])]]
    for ex in examples:
        key = (getattr(ex, "corpus", ""), ex.page)
        if key in texts and ex.view == wanted[key]:
            text = texts[key]
            doc = engine.document(text)
            starts, ends = [s.start for s in doc.segments], [s.end for s in doc.segments]
            if len(starts) != len(ex.labels):
                raise SystemExit(f"{key}: {len(starts)} segments now, {len(ex.labels)} when measured")
            ex.hand = segment_targets(hand[(*key, ex.view)], text, starts, ends, CHAFF_LABELS)
        else:
            ex.hand = None


def _scores(pairs: list[tuple[str, str]]) -> dict:
    labels = sorted({g for g, _ in pairs})
    f1s = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        predicted = sum(1 for _, p in pairs if p == label)
        actual = sum(1 for g, _ in pairs if g == label)
        precision, recall = tp / max(predicted, 1), tp / max(actual, 1)
        f1s.append(2 * precision * recall / max(precision + recall, 1e-9))
    return {"lines": len(pairs), "accuracy": sum(g == p for g, p in pairs) / max(len(pairs), 1),
            "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
            "boilerplate_share": sum(p == "boilerplate" for _, p in pairs) / max(len(pairs), 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", nargs="+", type=Path)
    ap.add_argument("--hand-labels", type=Path, default=ROOT / "bench" / "labels" / "train")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--hand-weight", type=float, nargs="+", default=[0.0, 5.0, 10.0, 20.0])
    ap.add_argument("--c", type=float, nargs="+", default=[1.0], help="inverse regularisation strengths")
    ap.add_argument("--balance", type=float, nargs="+", default=[BALANCE], help="class balance exponents")
    ap.add_argument("--smoothing", type=float, nargs="+", default=[SMOOTHING])
    ap.add_argument("--min-probability", type=float, nargs="+", default=[0.3])
    ap.add_argument("--boilerplate-margin", type=float, nargs="+", default=[1.0],
                    help="boilerplate named only over a category this many times less likely (engine: "
                         "model.boilerplate_margin)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path)
    args = ap.parse_args(argv)

    examples, first, mean, scale = _measure(args)
    _attach_hand(examples, args.hand_labels, args.corpora)
    labelled = sorted({ex.page for ex in examples if ex.hand is not None})
    if len(labelled) < args.folds:
        ap.error(f"{len(labelled)} hand-labelled pages: fewer than {args.folds} folds")
    fold = {page: k % args.folds for k, page in enumerate(labelled)}
    _log(f"{len(examples)} views, {len(labelled)} pages labelled by hand, {args.folds} folds")
    namings = [(sm, mp, bm) for sm in args.smoothing for mp in args.min_probability for bm in args.boilerplate_margin]
    for weight in args.hand_weight:
        for c, balance in [(c, b) for c in args.c for b in args.balance]:
            pairs: dict = {key: [] for key in namings}
            for k in range(args.folds):
                held = {p for p, f in fold.items() if f == k}
                train = [i for i, ex in enumerate(examples) if ex.page not in held]
                model = fit_categories([examples[i] for i in train], [first[i] for i in train], mean, scale,
                                       args.seed, c=c, hand_weight=weight, balance=balance,
                                       log=lambda _m: None)
                if model is None:
                    raise SystemExit(f"fold {k + 1}: too few chaff segments for a category stage (fewer than two "
                                     "classes with enough of them)")
                for key in namings:
                    named_by = replace(model, smoothing=key[0], min_probability=key[1])
                    for i, ex in enumerate(examples):
                        if ex.page not in held or ex.hand is None:
                            continue
                        logp = named_by.scores(ex.feats, standardise(ex.feats.dense, mean, scale), ex.rules, first[i])
                        named, _ = named_by.name_each(logp, key[2])
                        pairs[key] += [(CHAFF_LABELS[g], p) for g, p in zip(ex.hand.tolist(), named, strict=True)
                                       if g >= 0]
                _log(f"  hand weight {weight:g}, C {c:g}, balance {balance:g}: fold {k + 1}/{args.folds} done")
            for (sm, mp, bm), got in pairs.items():
                r = _scores(got)
                confused = Counter((g, p) for g, p in got if g != p)
                print(f"hand weight {weight:5g}, C {c:5g}, balance {balance:4g}, smoothing {sm:4g}, "
                      f"min probability {mp:4g}, boilerplate margin {bm:4g}: "
                      f"{r['lines']} chaff segments, accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}, "
                      f"named boilerplate {r['boilerplate_share']:.3f}; most confused: "
                      + ", ".join(f"{g}->{p} {n}" for (g, p), n in confused.most_common(4)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
