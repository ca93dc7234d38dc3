"""The segment model as plain data: numpy arrays and a JSON card in one .npz (no pickle).

Two stages: the first, linear, reads a segment alone (hashed n-grams and dense measurements);
the second, boosted trees (trees.py), reads the first stage's verdicts around it, the
main-block position and the rules' findings (features.context_features).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .categories import CategoryModel, input_width
from .features import DENSE_NAMES, FEATURE_VERSION, HASH_SIZE, SegmentFeatures, context_features, standardise
from .trees import TreeEnsemble

_ARRAYS = ("dense_mean", "dense_scale", "dense_coef", "hash_coef")
_TREE_ARRAYS = ("tree_features", "tree_thresholds", "tree_leaves")


class ModelError(ValueError):
    """The artifact is missing, corrupt or was built for other features."""


@dataclass(frozen=True)
class SegmentModel:
    card: dict  # data, feature version, seed, figures: what the model card says
    dense_mean: np.ndarray
    dense_scale: np.ndarray
    dense_coef: np.ndarray
    hash_coef: np.ndarray
    first_intercept: float
    context: TreeEnsemble
    rule_labels: tuple[str, ...]
    categories: CategoryModel | None = None  # names the chaff; None: removed segments are boilerplate

    @property
    def name(self) -> str:
        return str(self.card.get("name", "segment_model"))

    @property
    def version(self) -> str:
        """The name and the artifact's hash: two trainings of one name differ in build_info."""
        digest = self.card.get("artifact_sha256")
        return f"{self.name}@{digest[:12]}" if digest else self.name

    def first_stage(self, feats: SegmentFeatures, dense_std: np.ndarray | None = None) -> np.ndarray:
        """Log-odds that each segment is content, from the segment alone."""
        n = len(feats.dense)
        if dense_std is None:
            dense_std = standardise(feats.dense, self.dense_mean, self.dense_scale)
        logit = dense_std @ self.dense_coef + self.first_intercept
        if len(feats.gram_bucket):
            weights = self.hash_coef[feats.gram_bucket] * feats.gram_weight
            logit = logit + np.bincount(feats.gram_segment, weights=weights, minlength=n)[:n]
        return logit

    def predict(self, feats: SegmentFeatures, rules: np.ndarray,
                dense_std: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds of content per segment: (first stage, with context)."""
        first = self.first_stage(feats, dense_std)
        if not len(first):
            return first, first
        return first, self.context.decision(context_features(first, feats.dense, rules, self.rule_labels))

    def standardised(self, feats: SegmentFeatures) -> np.ndarray:
        return standardise(feats.dense, self.dense_mean, self.dense_scale)

    # ------------------------------------------------------------------ storage
    def save(self, path: Path) -> None:
        arrays = {name: np.asarray(getattr(self, name), dtype=np.float32 if name == "hash_coef" else np.float64)
                  for name in _ARRAYS}
        arrays.update(tree_features=self.context.features.astype(np.int32),
                      tree_thresholds=self.context.thresholds.astype(np.float64),
                      tree_leaves=self.context.leaves.astype(np.float64))
        card = dict(self.card, first_intercept=self.first_intercept, tree_base=self.context.base,
                    rule_labels=list(self.rule_labels))
        if self.categories is not None:
            arrays.update(self.categories.arrays())
            card.update(self.categories.card())
        arrays["card"] = np.frombuffer(json.dumps(card, sort_keys=True).encode("utf-8"), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> SegmentModel:
        try:
            raw = Path(path).read_bytes()
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                arrays = {name: data[name].astype(np.float64) for name in _ARRAYS}
                trees = {name: data[name] for name in _TREE_ARRAYS}
                card = json.loads(bytes(data["card"]).decode("utf-8"))
                inputs = input_width(len(DENSE_NAMES), len(card.get("rule_labels", ())))
                categories = CategoryModel.from_stored(data, card, inputs)
            context = TreeEnsemble(trees["tree_features"].astype(np.int32), trees["tree_thresholds"].astype(np.float64),
                                   trees["tree_leaves"].astype(np.float64), float(card.pop("tree_base")))
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelError(f"{path}: cannot load the segment model: {exc}") from None
        if card.get("feature_version") != FEATURE_VERSION or card.get("dense_names") != list(DENSE_NAMES):
            raise ModelError(f"{path}: built for feature version {card.get('feature_version')}, "
                             f"this engine computes version {FEATURE_VERSION}; run `winnow train`")
        if arrays["hash_coef"].shape != (HASH_SIZE,) or arrays["dense_coef"].shape != (len(DENSE_NAMES),):
            raise ModelError(f"{path}: weight shapes do not match the features")
        rule_labels = tuple(card.pop("rule_labels"))
        card["artifact_sha256"] = hashlib.sha256(raw).hexdigest()  # tells retrained artifacts apart
        probe = context_features(np.zeros(1), np.zeros((1, len(DENSE_NAMES))), np.zeros((1, len(rule_labels))),
                                 rule_labels)
        width = probe.shape[1]
        if context.features.min() < 0 or context.n_features > width or card.get("context_features") != width:
            raise ModelError(f"{path}: its second stage reads {card.get('context_features')} context features, "
                             f"this engine computes {width}; run `winnow train`")
        return cls(card=card, first_intercept=float(card.pop("first_intercept")), context=context,
                   rule_labels=rule_labels, categories=categories, **arrays)
