"""The category stage: which kind of chaff a segment is, for the segments the page does not keep.

The content stages (artifact.py) decide what is kept. This stage names what is removed:
navigation, related, comments, social, image, ... — one of the chaff labels — so that operators
reading ``removed_chars_by_label`` see more than ``boilerplate``. It is multinomial logistic
regression over what the first stage reads (the segment's hashed n-grams, folded to fewer
buckets, and its dense measurements), the rules' findings on the segment and its neighbours, and
the content verdict around it; the class scores are then smoothed over the neighbours, since a
menu's lines come in runs. ``boilerplate`` is what no category is likely enough for.

Plain arrays, stored in the segment model's .npz with a ``category_`` prefix; no pickle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import HASH_BITS, SegmentFeatures, portable

CATEGORY_BITS = 16  # the category stage folds the first stage's buckets to their top 16 bits
CATEGORY_SIZE = 1 << CATEGORY_BITS
_FOLD = HASH_BITS - CATEGORY_BITS


def fold(buckets: np.ndarray) -> np.ndarray:
    return buckets >> _FOLD


def _shift(x: np.ndarray, step: int) -> np.ndarray:
    """x moved by ``step`` rows (row i holds x[i - step]); zeros beyond the edges."""
    out = np.zeros_like(x)
    if step > 0:
        out[step:] = x[:-step]
    elif step < 0:
        out[:step] = x[-step:]
    else:
        out[:] = x
    return out


def _log_softmax(x: np.ndarray) -> np.ndarray:
    """Each row's log-probabilities (shifted by its maximum first, so exp cannot overflow)."""
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def input_width(dense: int, rule_labels: int) -> int:
    """How many inputs ``category_inputs`` makes per segment."""
    return dense + 5 * rule_labels + 7


def category_inputs(dense_std: np.ndarray, rules: np.ndarray, logit: np.ndarray) -> np.ndarray:
    """(segments, inputs): the standardised dense measurements, the rules' scores on the segment and
    its two neighbours on each side, the first stage's content verdict here and around, and where the segment
    stands relative to the page's prose (before the first sure prose, after the last)."""
    n = len(logit)
    if n == 0:
        return np.zeros((0, input_width(dense_std.shape[1], rules.shape[1])))
    verdict = np.clip(logit, -8.0, 8.0)[:, None]
    prose = np.flatnonzero(logit > 1.0)
    idx = np.arange(n)
    before = (idx < prose[0]) if len(prose) else np.ones(n, dtype=bool)
    after = (idx > prose[-1]) if len(prose) else np.ones(n, dtype=bool)
    cols = [dense_std, rules, _shift(rules, 1), _shift(rules, -1), _shift(rules, 2), _shift(rules, -2),
            verdict, _shift(verdict, 1), _shift(verdict, -1), _shift(verdict, 2), _shift(verdict, -2),
            before[:, None].astype(np.float64), after[:, None].astype(np.float64)]
    return portable(np.hstack(cols))


@dataclass(frozen=True)
class CategoryModel:
    labels: tuple[str, ...]  # the classes, in column order
    hash_coef: np.ndarray  # (CATEGORY_SIZE, classes) float32 values
    input_coef: np.ndarray  # (inputs, classes)
    intercept: np.ndarray  # (classes,)
    smoothing: float  # weight of each neighbour's class scores
    min_probability: float  # below this for every class: boilerplate

    def scores(self, feats: SegmentFeatures, dense_std: np.ndarray, rules: np.ndarray,
               logit: np.ndarray) -> np.ndarray:
        """(segments, classes) log-probabilities, smoothed over the neighbours."""
        n = len(logit)
        k = len(self.labels)
        raw = category_inputs(dense_std, rules, logit) @ self.input_coef + self.intercept
        if len(feats.gram_bucket):
            # every n-gram's weight for every class, summed per (segment, class) in one bincount
            # np.take along axis 0: a row gather four times faster than fancy indexing, same values
            rows = np.take(self.hash_coef, fold(feats.gram_bucket), axis=0) * feats.gram_weight[:, None]
            cell = (feats.gram_segment * k)[:, None] + np.arange(k)
            raw += np.bincount(cell.ravel(), weights=rows.ravel(), minlength=n * k)[:n * k].reshape(n, k)
        logp = _log_softmax(raw)
        if self.smoothing and n > 1:
            logp = _log_softmax(logp + self.smoothing * (_shift(logp, 1) + _shift(logp, -1)))
        return logp

    def name_each(self, logp: np.ndarray, boilerplate_margin: float = 1.0) -> tuple[list[str], np.ndarray]:
        """The label of each segment (``boilerplate`` when no class is likely enough) and its probability.

        ``boilerplate_margin``: boilerplate, the label that says least, is named only where it is
        more than this many times as likely as the likeliest other class; else that class is (1:
        the likeliest class, whatever it is)."""
        best = logp.argmax(axis=1)
        if boilerplate_margin > 1.0 and "boilerplate" in self.labels and logp.shape[1] > 1:
            b = self.labels.index("boilerplate")
            others = logp.copy()
            others[:, b] = -np.inf
            runner_up = others.argmax(axis=1)
            rows = np.arange(len(best))
            close = (best == b) & (logp[rows, b] - others[rows, runner_up] < np.log(boilerplate_margin))
            best = np.where(close, runner_up, best)
        probability = np.exp(logp[np.arange(len(best)), best])
        labels = np.array(self.labels, dtype=object)[best]
        labels[probability < self.min_probability] = "boilerplate"
        return labels.tolist(), probability

    def arrays(self) -> dict[str, np.ndarray]:
        return {"category_hash_coef": self.hash_coef.astype(np.float32),
                "category_input_coef": self.input_coef.astype(np.float64),
                "category_intercept": self.intercept.astype(np.float64)}

    def card(self) -> dict:
        return {"category_labels": list(self.labels), "category_smoothing": self.smoothing,
                "category_min_probability": self.min_probability}

    @classmethod
    def from_stored(cls, data, card: dict, inputs: int) -> CategoryModel | None:
        """The stage from an artifact's arrays and card, or None if the artifact has none."""
        if "category_labels" not in card:
            return None
        labels = tuple(card.pop("category_labels"))
        model = cls(labels=labels, hash_coef=data["category_hash_coef"].astype(np.float32),
                    input_coef=data["category_input_coef"].astype(np.float64),
                    intercept=data["category_intercept"].astype(np.float64),
                    smoothing=float(card.pop("category_smoothing")),
                    min_probability=float(card.pop("category_min_probability")))
        k = len(labels)
        if (model.hash_coef.shape != (CATEGORY_SIZE, k) or model.input_coef.shape != (inputs, k)
                or model.intercept.shape != (k,)):
            raise ValueError("the category stage's weights do not match its labels and inputs")
        return model
