"""`winnow train`: rebuild the segment model from corpora with gold text, deterministically.

Training uses the records of split "train" only (never "dev"): every view of each page, and
the page's gold text as a page of its own.
Stage one (hashed n-grams + dense measurements) is fitted on all segments; stage two reads
stage one's out-of-fold verdicts on the neighbours, so it learns from verdicts as noisy as
those it will see on new pages. Folds go by page, so the views of one page stay together.
The category stage (train_categories.py) learns which kind of chaff a segment is from silver
labels read in each page's HTML (silver.py), on the same out-of-fold verdicts.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..document import LABELS
from ..html import read_html
from ..taggers.segment_model import measure
from .artifact import SegmentModel
from .features import (
    DENSE_NAMES,
    FEATURE_VERSION,
    HASH_BITS,
    HASH_SIZE,
    SegmentFeatures,
    StopWordHashes,
    context_features,
    count_of,
    standardise,
)
from .hand_labels import load_hand_labels, segment_targets
from .labels import MIN_COVER, SHINGLE, gold_labels
from .silver import silver_labels
from .train_categories import CHAFF_LABELS, HAND_WEIGHT, category_targets, fit_categories
from .trees import TreeEnsemble, from_nodes

VIEWS = ("text", "markdown", "wet")
# each document's total sample weight: near what a typical document summed to before pages were
# weighed alike, so C and the leaf size keep the meaning they were chosen with
PAGE_WEIGHT = 1000.0
FIRST_STAGE_STEPS = 200


@dataclass
class Example:
    """One view of one page: its segments' features, rule scores and gold labels."""

    page: str
    feats: SegmentFeatures
    rules: np.ndarray
    labels: np.ndarray
    # the chaff label of each segment (an index into CHAFF_LABELS), -1 where it is content or
    # where no evidence names it (silver labels from the page's DOM, model/silver.py)
    categories: np.ndarray | None = None
    # the page's kind (WCXB's page_type; pages of the article corpora are articles)
    page_type: str = "article"
    # the chaff label of each segment by hand (model/hand_labels.py), -1 where the hand says
    # content, title or markup; None on a view nobody labelled
    hand: np.ndarray | None = None
    view: str = "text"  # which view of the page: text, markdown, wet, html, or gold (the gold text itself)


def read_records(path: Path, split: str = "train") -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if r.get("split") == split]


def build_examples(engine, stop: StopWordHashes, records: list[dict], views=VIEWS, progress=None,
                   with_gold: bool = True, silver: bool = True, html: bool = True,
                   hand: dict | None = None, corpus: str = "") -> list[Example]:
    """Segments, features and labels, measured exactly as the engine measures them when serving.

    With ``silver``, each view of a page with HTML also gets its chaff segments' categories from
    the DOM (model/silver.py), for the category stage. With ``html``, a page's HTML is one more
    view: rendered whole as the service renders it, with the markup's hints (html.read_html).
    ``hand`` holds hand labels by (corpus, id, view) (model/hand_labels.py): a view labelled by
    hand gets its segments' categories from them too."""
    examples = []
    for n, rec in enumerate(records, 1):
        # the gold text itself, as a page of its own: a page that is all prose (clean text sent
        # again, one paragraph alone) must come out whole, and the scraped views never show one
        texts = [rec["views"].get(view) or "" for view in views] + ([rec["gold"]] if with_gold else [])
        pages = [None] * len(texts)
        if html and rec.get("html"):
            # the page's HTML as the service reads it: the whole page rendered, with the markup's hints
            text, page = read_html(rec["html"])
            texts.insert(len(views), text)
            pages.insert(len(views), page)
        kinds = len(texts) - (1 if with_gold else 0)  # the views (and the HTML rendering), not the gold
        names = list(views[:kinds]) + ["html"] * (kinds - len(views))
        for k, (text, page) in enumerate(zip(texts, pages, strict=True)):
            doc = engine.document(text, page=page)  # the taggers the model reads, as when serving
            if not doc.segments:
                continue
            whole = {(g.start, g.end) for g in doc.segments}
            rule_spans = [s for s in doc.proposals["lines"] if (s.start, s.end) in whole]
            feats, rules = measure(doc, rule_spans, stop)
            starts, ends = [s.start for s in doc.segments], [s.end for s in doc.segments]
            labels = np.array(gold_labels(text, starts, ends, rec["gold"]), dtype=np.int64)
            categories = None
            if silver and k < kinds and rec.get("html"):
                categories = category_targets(labels, silver_labels(rec["html"], text, starts, ends))
            labelled = hand.get((corpus, rec["id"], names[k])) if hand and k < kinds else None
            by_hand = segment_targets(labelled, text, starts, ends, CHAFF_LABELS) if labelled else None
            examples.append(Example(rec["id"], feats, rules, labels, categories, rec.get("page_type") or "article",
                                    by_hand, names[k] if k < kinds else "gold"))
        if progress:
            progress(n, len(records))
    return examples


def _sample_weight(ex: Example) -> np.ndarray:
    """The judge counts words, not lines: a long paragraph weighs more than a one-word line;
    and it averages pages: each page weighs the same in total."""
    w = np.sqrt(count_of(ex.feats.dense[:, 1]) + 1.0)
    return w * (PAGE_WEIGHT / max(math.fsum(w.tolist()), 1e-9))  # fsum: one sum, whatever the CPU


def _first_stage_matrix(examples: list[Example], mean: np.ndarray, scale: np.ndarray):
    from scipy import sparse

    blocks = []
    for ex in examples:
        n = len(ex.labels)
        grams = sparse.csr_matrix((ex.feats.gram_weight, (ex.feats.gram_segment, ex.feats.gram_bucket)),
                                  shape=(n, HASH_SIZE))
        blocks.append(sparse.hstack([grams, sparse.csr_matrix(standardise(ex.feats.dense, mean, scale))]))
    return sparse.vstack(blocks).tocsr()


def _fit_linear(x, y, weight, c: float, seed: int):
    """L-BFGS, stopped after a fixed number of steps: on the million segments of the three corpora'
    train splits, liblinear had not finished one fold in 12 minutes; 200 L-BFGS steps take about
    a minute."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, solver="lbfgs", max_iter=FIRST_STAGE_STEPS, random_state=seed)
    with warnings.catch_warnings():  # stopping at the step budget is the plan, not a failure
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y, sample_weight=weight)
    return model.coef_.ravel().astype(np.float64), float(model.intercept_[0])


def _fold(page: str, folds: int, seed: int) -> int:
    return int(hashlib.sha256(f"fold:{seed}:{page}".encode()).hexdigest(), 16) % folds


@dataclass
class Prepared:
    """The training matrix of stage one, its scaling, and where each example's rows lie."""

    x: object  # scipy CSR, (segments, HASH_SIZE + dense)
    y: np.ndarray
    weight: np.ndarray
    bounds: np.ndarray
    dense_mean: np.ndarray
    dense_scale: np.ndarray

    def rows(self, which: np.ndarray) -> np.ndarray:
        return np.concatenate([np.arange(self.bounds[i], self.bounds[i + 1]) for i in which])

    def digest(self) -> str:
        """sha256 of everything stage one is fitted from (matrix, labels, weights, example bounds)."""
        h = hashlib.sha256()
        for array in (self.x.data, self.x.indices, self.x.indptr, self.y, self.weight, self.bounds):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()


def type_balance(examples: list[Example], power: float) -> list[float]:
    """Each example's weight factor so that rarer page types weigh more: ``(pages per type on
    average / pages of its type) ** power``. Power 0 weighs every page alike (articles, most of
    the pages, then decide most of the fit); power 1 gives every page type the same total weight."""
    pages: dict[str, set[str]] = {}
    for ex in examples:
        pages.setdefault(ex.page_type, set()).add(ex.page)
    mean = sum(len(v) for v in pages.values()) / max(len(pages), 1)
    return [(mean / len(pages[ex.page_type])) ** power for ex in examples]


def prepare(examples: list[Example], balance: float = 0.0) -> Prepared:
    """The training matrix; ``balance``: the power of ``type_balance`` (0: every page alike)."""
    if not examples:
        raise ValueError("no training examples")
    dense = np.vstack([ex.feats.dense for ex in examples])
    dense_mean, dense_scale = dense.mean(axis=0), dense.std(axis=0) + 1e-9
    factors = type_balance(examples, balance)
    return Prepared(
        x=_first_stage_matrix(examples, dense_mean, dense_scale),
        y=np.concatenate([ex.labels for ex in examples]),
        weight=np.concatenate([_sample_weight(ex) * f for ex, f in zip(examples, factors, strict=True)]),
        bounds=np.cumsum([0] + [len(ex.labels) for ex in examples]),
        dense_mean=dense_mean, dense_scale=dense_scale,
    )


def fold_of(examples: list[Example], folds: int, seed: int) -> np.ndarray:
    """Each example's fold, by page: the views of one page stay together."""
    return np.array([_fold(ex.page, folds, seed) for ex in examples])


def first_stage_out_of_fold(data: Prepared, folds_of: np.ndarray, folds: int, c: float, seed: int,
                            log=print) -> tuple[list[np.ndarray], list[tuple[np.ndarray, float]]]:
    """Stage one's verdicts on every example from a model that never saw its page, and the fold models."""
    first: list[np.ndarray] = [np.zeros(0)] * len(folds_of)
    models = []
    for k in range(folds):
        t0 = time.perf_counter()
        rows = data.rows(np.flatnonzero(folds_of != k))
        coef, intercept = _fit_linear(data.x[rows], data.y[rows], data.weight[rows], c, seed)
        for i in np.flatnonzero(folds_of == k):
            first[i] = data.x[data.bounds[i]:data.bounds[i + 1]] @ coef + intercept
        models.append((coef, intercept))
        log(f"  stage one, fold {k + 1}/{folds}: {time.perf_counter() - t0:.1f} s")
    return first, models


def context_matrix(examples: list[Example], first: list[np.ndarray]) -> np.ndarray:
    return np.vstack([context_features(first[i], ex.feats.dense, ex.rules, LABELS) for i, ex in enumerate(examples)])


@dataclass(frozen=True)
class TreeParams:
    """Stage two's boosting: chosen by cross-validation on train (bench/model_cv.py)."""

    trees: int = 100
    depth: int = 6
    learning_rate: float = 0.1
    min_leaf: int = 40
    max_features: float = 1.0  # the share of the features each split may choose from
    l2: float = 0.0  # L2 regularisation of the leaves' values


def _fit_trees(x: np.ndarray, y: np.ndarray, weight: np.ndarray, params: TreeParams, seed: int) -> TreeEnsemble:
    """Gradient-boosted trees on the context features, laid out as plain arrays (trees.py).

    One OpenMP thread: the histograms' sums then add up in one order on every machine, so the
    same inputs give the same bytes wherever `winnow train` runs."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    if not np.isfinite(x).all():
        raise ValueError("context features must be finite (the trees send a missing value left, sklearn may not)")
    model = HistGradientBoostingClassifier(max_iter=params.trees, max_depth=params.depth,
                                           max_leaf_nodes=2 ** params.depth, learning_rate=params.learning_rate,
                                           min_samples_leaf=params.min_leaf, max_features=params.max_features,
                                           l2_regularization=params.l2, early_stopping=False, random_state=seed)
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(x, y, sample_weight=weight)
    return trees_from_sklearn(model)


def trees_from_sklearn(model) -> TreeEnsemble:
    """The fitted trees of a HistGradientBoostingClassifier (sklearn keeps them as node tables;
    tests check the layout against its own decision_function)."""
    tables = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        tables.append({"left": nodes["left"], "right": nodes["right"], "feature": nodes["feature_idx"],
                       "threshold": nodes["num_threshold"], "value": nodes["value"], "is_leaf": nodes["is_leaf"]})
    return from_nodes(tables, float(np.ravel(model._baseline_prediction)[0]))


def assemble_model(data: Prepared, first_model: tuple[np.ndarray, float], ctx: np.ndarray, rows: np.ndarray,
                   params: TreeParams, seed: int, card: dict) -> SegmentModel:
    """Stage two fitted on ``rows`` of the context matrix, on top of the given stage one."""
    coef, first_intercept = first_model
    return SegmentModel(
        card={**card, "context_features": int(ctx.shape[1])}, dense_mean=data.dense_mean,
        dense_scale=data.dense_scale, dense_coef=coef[HASH_SIZE:],
        hash_coef=coef[:HASH_SIZE].astype(np.float32).astype(np.float64), first_intercept=first_intercept,
        context=_fit_trees(ctx[rows], data.y[rows], data.weight[rows], params, seed), rule_labels=LABELS,
    )


def fit(examples: list[Example], seed: int = 0, folds: int = 5, c_first: float = 1.0,
        params: TreeParams = TreeParams(), hand_weight: float = HAND_WEIGHT, log=print) -> SegmentModel:
    data = prepare(examples)
    first, _ = first_stage_out_of_fold(data, fold_of(examples, folds, seed), folds, c_first, seed, log)
    t0 = time.perf_counter()
    first_model = _fit_linear(data.x, data.y, data.weight, c_first, seed)
    log(f"  stage one, all data: {time.perf_counter() - t0:.1f} s")
    ctx = context_matrix(examples, first)
    categories = fit_categories(examples, first, data.dense_mean, data.dense_scale, seed, hand_weight=hand_weight,
                                log=log)
    t0 = time.perf_counter()
    card = {
        "name": "segment_model_v1",
        "feature_version": FEATURE_VERSION,
        "dense_names": list(DENSE_NAMES),
        "hash_bits": HASH_BITS,
        "seed": seed,
        "folds": folds,
        "c_first": c_first,
        "context_trees": dataclasses.asdict(params),
        "labelling": {"shingle": SHINGLE, "min_cover": MIN_COVER},
        "segments": int(len(data.y)),
        "content_share": round(float(data.y.mean()), 4),
        "pages": len({ex.page for ex in examples}),
        "views": len(examples),
        "hand_labelled_views": sum(1 for ex in examples if ex.hand is not None),
        "hand_weight": hand_weight,
    }
    model = dataclasses.replace(assemble_model(data, first_model, ctx, np.arange(len(data.y)), params, seed, card),
                                categories=categories)
    log(f"  stage two: {params.trees} trees of depth {params.depth} on {ctx.shape[1]} context features, "
        f"{time.perf_counter() - t0:.1f} s")
    return model


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train(engine, stop: StopWordHashes, corpora: list[Path], out: Path, seed: int = 0, limit: int | None = None,
          log=None, hand_labels: Path | None = None, hand_weight: float = HAND_WEIGHT) -> SegmentModel:
    """Read the corpora's train split, fit, write the artifact; returns the model.

    ``engine`` supplies the rules (its model, if any, is not used). ``hand_labels``: a folder of
    hand-labelled train pages (model/hand_labels.py) the category stage learns from too, each
    view weighing ``hand_weight`` silver-labelled views."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = time.perf_counter()
    examples, sources = [], []
    hand = load_hand_labels(hand_labels) if hand_labels else {}
    if hand_labels:
        log(f"{hand_labels}: {len(hand)} views labelled by hand")
    for path in corpora:
        records = read_records(path, "train")[:limit]
        log(f"{path.name}: {len(records)} pages of split train")

        def progress(n: int, total: int, name=path.name) -> None:
            if n % 20 == 0 or n == total:
                log(f"  measured {n}/{total} pages of {name}")

        examples += build_examples(engine, stop, records, progress=progress, hand=hand, corpus=path.name.split(".")[0])
        sources.append({"file": path.name, "sha256": sha256_of(path), "pages": len(records), "split": "train"})
    model = fit(examples, seed=seed, log=log, hand_weight=hand_weight)
    model.card["data"] = sources
    model.card["rules_version"] = engine.rules.version  # the rules whose hits it learned to weigh
    model.save(out)
    log(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - started:.1f} s")
    return model
