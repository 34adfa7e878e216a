"""A fitted scikit-learn forest's trees as flat NumPy arrays, for predicting a few rows.

scikit-learn predicts with a forest tree by tree, and each tree call costs ~15 µs of Python
and thread-pool overhead: 5 ms for one row through 300 trees. Here every tree advances one
level per step, all trees at once, so one row costs a few NumPy operations per level
(~0.3 ms). The arithmetic is scikit-learn's: rows are compared as float32 values (as
scikit-learn casts them), go left when ``x <= threshold``, and a missing value follows the
node's ``missing_go_to_left``; a tree's output is its leaf's value (class fractions for
classifiers), averaged over the trees.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FlatForest"]


class FlatForest:
    """The nodes of all trees of a forest, concatenated; ``roots`` indexes each tree's first node."""

    def __init__(self, trees):
        sizes = [t.node_count for t in trees]
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self.roots = offsets
        node = np.arange(sum(sizes), dtype=np.intp)
        left = np.concatenate([t.children_left + o for t, o in zip(trees, offsets)])
        right = np.concatenate([t.children_right + o for t, o in zip(trees, offsets)])
        leaf = np.concatenate([t.children_left == -1 for t in trees])
        self.left = np.where(leaf, node, left)  # a leaf points at itself: extra steps leave it there
        self.right = np.where(leaf, node, right)
        self.feature = np.where(leaf, 0, np.concatenate([t.feature for t in trees])).astype(np.intp)
        self.threshold = np.concatenate([t.threshold for t in trees])
        self.nan_left = np.concatenate([t.missing_go_to_left for t in trees]).astype(bool)
        value = np.concatenate([t.value[:, 0, :] for t in trees])  # (nodes, classes or 1)
        if value.shape[1] > 1:  # class weights per leaf, as fractions (scikit-learn normalises each tree's)
            value = value / np.maximum(value.sum(axis=1, keepdims=True), np.finfo(float).tiny)
        self.value = value
        self.depth = max(t.max_depth for t in trees)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean leaf value over the trees, one row per row of ``X``: (rows, classes or 1)."""
        X = np.asarray(X, dtype=np.float32).astype(np.float64)
        rows = np.arange(len(X))[:, None]
        at = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        for _ in range(self.depth):
            x = X[rows, self.feature[at]]
            go_left = np.where(np.isnan(x), self.nan_left[at], x <= self.threshold[at])
            at = np.where(go_left, self.left[at], self.right[at])
        return self.value[at].mean(axis=1)
