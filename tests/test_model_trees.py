"""The tree ensemble of stage two: heap layout, vectorised evaluation, and equality with sklearn's own trees."""

from __future__ import annotations

import numpy as np
import pytest

from winnow.model.trees import MAX_DEPTH, TreeEnsemble, TreeError, from_nodes


def _table(rows: list[tuple]) -> dict[str, np.ndarray]:
    """Node table from (left, right, feature, threshold, value, is_leaf) rows; node 0 is the root."""
    cols = list(zip(*rows, strict=True))
    names = ("left", "right", "feature", "threshold", "value", "is_leaf")
    return {name: np.array(col) for name, col in zip(names, cols, strict=True)}


def test_trees_a_hand_made_ensemble_adds_up_by_hand() -> None:
    # tree 1: x0 <= 0.5 ? (x1 <= 2 ? 1.0 : 2.0) : 3.0   -- the right leaf sits above full depth
    deep = _table([(1, 4, 0, 0.5, 0, False), (2, 3, 1, 2.0, 0, False), (0, 0, 0, 0, 1.0, True),
                   (0, 0, 0, 0, 2.0, True), (0, 0, 0, 0, 3.0, True)])
    leaf_only = _table([(0, 0, 0, 0, -0.25, True)])
    ensemble = from_nodes([deep, leaf_only], base=0.5)
    assert ensemble.depth == 2 and ensemble.features.shape == (2, 3) and ensemble.leaves.shape == (2, 4)
    x = np.array([[0.0, 1.0], [0.5, 2.0], [0.4, 2.5], [0.6, -9.0], [9.0, 9.0]])
    expected = np.array([1.0, 1.0, 2.0, 3.0, 3.0]) - 0.25 + 0.5
    assert np.array_equal(ensemble.decision(x), expected)  # a value equal to the threshold goes left
    assert ensemble.decision(np.zeros((0, 2))).shape == (0,)


@pytest.mark.parametrize("depth", [1, 3, 5])
def test_trees_equal_sklearns_decision_function(depth: int) -> None:
    pytest.importorskip("sklearn", reason="the trees come from scikit-learn (the [train] extra)")
    from sklearn.ensemble import HistGradientBoostingClassifier

    from winnow.model.train import trees_from_sklearn

    rng = np.random.default_rng(depth)
    x = rng.normal(size=(3000, 12))
    y = (x[:, 0] + x[:, 1] * x[:, 2] + 0.5 * rng.normal(size=3000) > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, max_depth=depth, max_leaf_nodes=2 ** depth,
                                           min_samples_leaf=60, early_stopping=False, random_state=0).fit(x, y)
    ensemble = trees_from_sklearn(model)
    assert ensemble.depth == depth
    probe = np.vstack([rng.normal(size=(500, 12)), x[:200]])  # new rows and rows on the training grid
    assert np.allclose(ensemble.decision(probe), model.decision_function(probe), rtol=0, atol=1e-9)


def test_trees_reject_arrays_that_are_no_heap() -> None:
    good = from_nodes([_table([(1, 2, 0, 0.0, 0, False), (0, 0, 0, 0, -1.0, True), (0, 0, 0, 0, 1.0, True)])], 0.0)
    with pytest.raises(TreeError, match="heap-ordered"):
        TreeEnsemble(good.features, good.thresholds, good.leaves[:, :1], good.base)
    with pytest.raises(TreeError, match="heap-ordered"):
        TreeEnsemble(np.zeros((1, 2), dtype=np.int32), np.zeros((1, 2)), np.zeros((1, 3)), 0.0)
    with pytest.raises(TreeError, match="finite"):
        TreeEnsemble(good.features, good.thresholds, np.array([[np.nan, 1.0]]), good.base)
    chain = [(i + 1, 99, 0, float(i), 0, False) for i in range(MAX_DEPTH + 1)] + [(0, 0, 0, 0, 1.0, True)]
    rows = chain + [(0, 0, 0, 0, 2.0, True)]
    rows = [(left, len(rows) - 1 if right == 99 else right, f, t, v, leaf) for left, right, f, t, v, leaf in rows]
    with pytest.raises(TreeError, match="deep"):
        from_nodes([_table(rows)], 0.0)
