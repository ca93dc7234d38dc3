"""A boosted tree ensemble as plain arrays, evaluated for all segments and all trees at once.

The second stage of the segment model reads a segment's verdict in its context; a linear model
cannot bend that verdict (a neighbour's score matters only when the segment itself is in doubt),
trees can. Each tree is stored as a complete binary tree of fixed depth in heap order: node ``h``
has children ``2h+1`` and ``2h+2``, so evaluation is ``depth`` vectorised steps over a
(segments x trees) array of node numbers, with no per-tree or per-segment Python loop. A leaf
above the full depth is padded with nodes that always go left (threshold +inf) and leaves that
repeat its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..budget import checkpoint

MAX_DEPTH = 8  # 255 internal nodes and 256 leaves per tree: the padded layout stays small
# rows evaluated at once: every real page (3,348 segments at most in the corpora) in one pass; a
# page of a hundred thousand one-character lines in slices whose node arrays stay in the caches
# (2.5 times faster than all rows at once) and between which the request's deadline is checked
CHUNK_ROWS = 4096


class TreeError(ValueError):
    """The arrays do not describe a heap-ordered ensemble of one depth."""


@dataclass(frozen=True)
class TreeEnsemble:
    features: np.ndarray  # (trees, 2^depth - 1) int32: feature tested at each internal node
    thresholds: np.ndarray  # (trees, 2^depth - 1) float64: go right when the feature is greater
    leaves: np.ndarray  # (trees, 2^depth) float64: the value each leaf adds to the log-odds
    base: float  # log-odds before any tree

    def __post_init__(self) -> None:
        trees, internal = self.features.shape if self.features.ndim == 2 else (0, -1)
        depth = int(np.log2(internal + 1)) if internal > 0 else 0
        if (trees == 0 or depth < 1 or depth > MAX_DEPTH or 2 ** depth - 1 != internal
                or self.thresholds.shape != self.features.shape or self.leaves.shape != (trees, internal + 1)):
            raise TreeError(f"tree arrays of shapes {self.features.shape}, {self.thresholds.shape}, "
                            f"{self.leaves.shape} are not a heap-ordered ensemble of depth 1..{MAX_DEPTH}")
        if not (np.isfinite(self.leaves).all() and np.isfinite(self.base)):
            raise TreeError("tree leaf values must be finite")

    @property
    def depth(self) -> int:
        return int(np.log2(self.features.shape[1] + 1))

    @cached_property
    def _flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Node features (as int32 indices), thresholds and leaves, flat: converted once, not per call."""
        return self.features.ravel().astype(np.int32), self.thresholds.ravel(), self.leaves.ravel()

    @property
    def n_features(self) -> int:
        """How many columns the input needs (one more than the highest feature any node tests)."""
        return int(self.features.max()) + 1

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for each row of ``x`` (rows, features): base plus every tree's leaf value.

        Rows are independent: evaluated ``CHUNK_ROWS`` at a time, they give the same bits."""
        n = len(x)
        if n <= CHUNK_ROWS:
            return self._decision(x)
        out = np.empty(n)
        for lo in range(0, n, CHUNK_ROWS):
            checkpoint("tagging")
            out[lo:lo + CHUNK_ROWS] = self._decision(x[lo:lo + CHUNK_ROWS])
        return out

    def _decision(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        trees, internal = self.features.shape
        if n == 0:
            return np.zeros(0)
        cells = np.ascontiguousarray(x, dtype=np.float64).ravel()  # row-major: cell (row, f) at row * width + f
        features, thresholds, leaves = self._flat
        index = np.int64 if cells.size >= 1 << 31 or trees * (internal + 1) >= 1 << 30 else np.int32
        row = (np.arange(n, dtype=index) * index(x.shape[1]))[:, None]
        features = features.astype(index, copy=False)
        # ``at`` is the node's place in the flat arrays, t * internal + h; its child's place is
        # 2 * at + (1 - t * internal) + (went right): two in-place steps a level, no per-tree offset
        step = (1 - np.arange(trees, dtype=index) * index(internal))[None, :]
        at = np.broadcast_to((np.arange(trees, dtype=index) * index(internal))[None, :], (n, trees)).copy()
        for _ in range(self.depth):  # each level: three gathers, a compare and three in-place steps
            right = np.take(cells, np.take(features, at) + row) > np.take(thresholds, at)
            at *= 2
            at += step
            at += right
        # at = t * internal + h for a leaf h in [internal, 2 * internal]: its value sits at
        # t * (internal + 1) + h - internal
        at += (np.arange(trees, dtype=index) - index(internal))[None, :]
        return np.take(leaves, at).sum(axis=1) + self.base


def from_nodes(trees: list[dict[str, np.ndarray]], base: float) -> TreeEnsemble:
    """Lay out trees given as node tables (``left``, ``right``, ``feature``, ``threshold``,
    ``value``, ``is_leaf``; node 0 the root; go left when ``x <= threshold``) in heap order."""
    depth = max((_depth(t) for t in trees), default=0)
    depth = max(depth, 1)
    if depth > MAX_DEPTH:
        raise TreeError(f"a tree is {depth} deep; at most {MAX_DEPTH} is stored")
    internal = 2 ** depth - 1
    features = np.zeros((len(trees), internal), dtype=np.int32)
    thresholds = np.full((len(trees), internal), np.inf)
    leaves = np.zeros((len(trees), internal + 1))
    for t, tree in enumerate(trees):
        stack = [(0, 0, 0)]  # (node in the table, heap position, level)
        while stack:
            i, h, level = stack.pop()
            if tree["is_leaf"][i]:
                lo = hi = h
                for _ in range(depth - level):  # the leaf slots below heap position h
                    lo, hi = 2 * lo + 1, 2 * hi + 2
                leaves[t, lo - internal:hi - internal + 1] = tree["value"][i]
                continue
            features[t, h] = tree["feature"][i]
            thresholds[t, h] = tree["threshold"][i]
            stack += [(int(tree["left"][i]), 2 * h + 1, level + 1), (int(tree["right"][i]), 2 * h + 2, level + 1)]
    return TreeEnsemble(features, thresholds, leaves, float(base))


def _depth(tree: dict[str, np.ndarray]) -> int:
    deepest, stack = 0, [(0, 0)]
    while stack:
        i, level = stack.pop()
        if tree["is_leaf"][i]:
            deepest = max(deepest, level)
        else:
            stack += [(int(tree["left"][i]), level + 1), (int(tree["right"][i]), level + 1)]
    return deepest
