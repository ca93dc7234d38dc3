"""Fitting the category stage (categories.py) from silver labels: what the DOM says each line is.

The rows are the training segments that are not content and that evidence in the page's HTML
names (model/silver.py): a line under ``<nav>`` is navigation, one in a ``class="share-bar"`` is
social. Lines no evidence names are left out: "nothing said what it is" is not a class to learn,
and ``boilerplate`` is what the stage answers when no class is likely enough. The verdict inputs
are the first stage's out-of-fold log-odds, as for the second content stage.
"""

from __future__ import annotations

import math
import time
import warnings
from collections import Counter

import numpy as np

from ..document import LABELS
from .categories import CATEGORY_SIZE, CategoryModel, category_inputs, fold
from .features import count_of, standardise

# what the category stage can answer: every chaff label but markup (a line without a letter or
# digit is markup by rule, never by the model's judgement)
CHAFF_LABELS: tuple[str, ...] = tuple(label for label in LABELS if label not in ("content", "title", "markup"))
CATEGORY_STEPS = 300  # L-BFGS steps
MIN_ROWS = 50  # a class seen on fewer training segments is not learned
MIN_POSTS = 2  # gold lines named comments by one piece of evidence before it names posts, not a section
NO_EVIDENCE = frozenset({"", "none", "unaligned"})  # silver.py's evidence when nothing named the line
# a view labelled by hand (model/hand_labels.py) weighs this many silver-labelled views: a few
# dozen pages that follow the guide against thousands of views whose markup only hints at it.
# Chosen by bench/category_cv.py, 2 folds of the hand-labelled train pages. On 40 pages (3,272
# chaff segments): weight 0 (silver only) accuracy 0.604, macro-F1 0.396; 10: 0.620, 0.433; 30:
# 0.628, 0.423. On 76 pages (6,003 chaff segments): 10: 0.668, 0.486; 30: 0.680, 0.519; 100:
# 0.685, 0.515 (named boilerplate 0.188, 0.192, 0.195). On 126 pages (12,035 chaff segments; balance
# 0.5, smoothing 0.15, as below): 30: 0.725, 0.628; 100: 0.726, 0.633 (named boilerplate 0.219, 0.218)
# On 173 pages (17,154 chaff segments, 3 folds), weight 100: C 1 0.732, 0.625; C 4 0.732, 0.624
HAND_WEIGHT = 100.0
# How far the classes are evened out (``fit_categories``'s balance), and how much of each
# neighbour's class scores a segment takes in (CategoryModel.smoothing). Chosen by
# bench/category_cv.py on the 76 pages, hand weight 30, C 1 (C 0.25 and 4 were worse), as
# accuracy / macro-F1: balance 0, smoothing 0.3 (before): 0.680 / 0.519; smoothing 0: 0.684 / 0.541;
# balance 0.3, smoothing 0.15: 0.699 / 0.567; balance 0.5, smoothing 0: 0.690 / 0.570; 0.15: 0.703 /
# 0.580; 0.3: 0.703 / 0.571; 0.45: 0.701 / 0.564; balance 1, smoothing 0.15: 0.685 / 0.554
BALANCE = 0.5
SMOOTHING = 0.15


def category_targets(labels: np.ndarray, silver: list[tuple[str, str]]) -> np.ndarray:
    """Each segment's class index for the category stage: -1 for content (gold) and for a segment
    whose silver label rests on no evidence.

    Markup that calls the page's own content comments (a forum's posts, each in a
    ``class="comment"`` box, which the gold takes in) does not name a comment section: on such a
    page the other lines it names are the posts' metadata (user names, dates, "Quote", "Reply"),
    which the guide files under ``boilerplate``."""
    index = {label: i for i, label in enumerate(CHAFF_LABELS)}
    posts = Counter(evidence for (label, evidence), gold in zip(silver, labels, strict=True)
                    if gold == 1 and label == "comments")
    out = np.full(len(labels), -1, dtype=np.int64)
    for i, (label, evidence) in enumerate(silver):
        if labels[i] == 0 and evidence not in NO_EVIDENCE and label in index:
            if label == "comments" and posts[evidence] >= MIN_POSTS:
                label = "boilerplate"
            out[i] = index[label]
    return out


def _rows(examples, first, dense_mean, dense_scale, hand_weight: float):
    from scipy import sparse

    blocks, inputs, ys, weights = [], [], [], []
    for ex, logit in zip(examples, first, strict=True):
        by_hand = hand_weight > 0 and ex.hand is not None
        targets = ex.hand if by_hand else ex.categories
        if targets is None:
            continue
        keep = np.flatnonzero(targets >= 0)
        if not len(keep):
            continue
        n = len(ex.labels)
        grams = sparse.csr_matrix((ex.feats.gram_weight, (ex.feats.gram_segment, fold(ex.feats.gram_bucket))),
                                  shape=(n, CATEGORY_SIZE))
        blocks.append(grams[keep])
        inputs.append(category_inputs(standardise(ex.feats.dense, dense_mean, dense_scale), ex.rules, logit)[keep])
        ys.append(targets[keep])
        w = np.sqrt(count_of(ex.feats.dense[:, 1]) + 1.0)[keep]
        page = 100.0 * (hand_weight if by_hand else 1.0)
        weights.append(w * (page / max(math.fsum(w.tolist()), 1e-9)))  # each page weighs alike
    if not blocks:
        return None
    return sparse.vstack(blocks).tocsr(), np.vstack(inputs), np.concatenate(ys), np.concatenate(weights)


def fit_categories(examples, first: list[np.ndarray], dense_mean: np.ndarray, dense_scale: np.ndarray,
                   seed: int, c: float = 1.0, smoothing: float = SMOOTHING, min_probability: float = 0.3,
                   hand_weight: float = HAND_WEIGHT, balance: float = BALANCE, log=print) -> CategoryModel | None:
    """Multinomial logistic regression on the silver-labelled chaff segments, and the hand-labelled
    ones of views labelled by hand (weighing ``hand_weight`` views each; 0: their silver labels
    instead); None without data. ``balance`` evens the classes out: each class's weight is scaled by
    its share of the total weight to the power ``-balance`` (0: as they come; 1: every class weighs
    alike), and the whole scaled back to the total."""
    from scipy import sparse
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    rows = _rows(examples, first, dense_mean, dense_scale, hand_weight)
    if rows is None:
        log("  categories: no silver-labelled segments; the model names no chaff")
        return None
    grams, inputs, y, weight = rows
    counts = np.bincount(y, minlength=len(CHAFF_LABELS))
    classes = [k for k in range(len(CHAFF_LABELS)) if counts[k] >= MIN_ROWS]
    if len(classes) < 2:
        log("  categories: fewer than two classes with enough segments; the model names no chaff")
        return None
    keep = np.isin(y, classes)
    remap = {k: j for j, k in enumerate(classes)}
    target = np.array([remap[k] for k in y[keep].tolist()], dtype=np.int64)
    sample_weight = weight[keep]
    if balance:
        per_class = np.bincount(target, weights=sample_weight, minlength=len(classes))
        scale = (per_class / per_class.sum()) ** -balance
        scaled = sample_weight * scale[target]
        sample_weight = scaled * (sample_weight.sum() / scaled.sum())
    x = sparse.hstack([grams[keep], sparse.csr_matrix(inputs[keep])]).tocsr()
    t0 = time.perf_counter()
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=CATEGORY_STEPS, random_state=seed)
    with warnings.catch_warnings():  # stopping at the step budget is the plan, not a failure
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, target, sample_weight=sample_weight)
    coef, intercept = model.coef_.T, model.intercept_  # (features, classes), (classes,)
    if coef.shape[1] == 1:  # two classes: one column of log-odds for the second; softmax over (0, it)
        coef = np.hstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    hand = sum(1 for ex in examples if ex.hand is not None) if hand_weight > 0 else 0
    log(f"  categories: {len(target)} segments ({hand} views labelled by hand, weighing {hand_weight:g} each; "
        f"classes evened out by {balance:g}), classes "
        + ", ".join(f"{CHAFF_LABELS[k]} {counts[k]}" for k in classes)
        + f"; fitted in {time.perf_counter() - t0:.1f} s")
    return CategoryModel(labels=tuple(CHAFF_LABELS[k] for k in classes),
                         hash_coef=coef[:CATEGORY_SIZE].astype(np.float32),
                         input_coef=coef[CATEGORY_SIZE:].astype(np.float64),
                         intercept=intercept.astype(np.float64),
                         smoothing=smoothing, min_probability=min_probability)
