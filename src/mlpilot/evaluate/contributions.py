"""Per-prediction contributions of the original columns, for one model, a member's bag, or an ensemble.

What is explained is what the model answers: the value (regression) or each class's probability. For
every row, the contributions of the columns add up to that answer minus the baseline.

- **Boosted trees** (LightGBM, XGBoost, CatBoost) give exact tree SHAP values of their raw score
  (the value, or the log-odds / softmax scores) through the library's own contribution output
  (``FittedModel.contributions``). For regression these are the answer's contributions as they are;
  for classification each row's log-odds contributions are scaled, class by class, so that they add up
  to the probability's change (their shares and signs are the tree SHAP values').
- **Other models** (linear, k-NN, MLP, forests) get a model-agnostic estimate: Shapley values by
  sampling orderings of the columns, each ordering starting from one background row of the training
  data (an ordering and its reverse in turn). Every ordering's changes add up exactly, so the sum is
  the answer minus the mean answer over the background rows; for an additive model (the linear one)
  the estimate is exact.
- **Ensembles**: the members' contributions are combined by their weights (or through the stacker's
  coefficients); the blend's calibration (temperature, smoothing) is carried over the same way as the
  log-odds-to-probability step, so the sum stays exact.

A column split into several features by the preparation (dates, text) gets the sum of its features'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlpilot.data.task import Task
from mlpilot.ensemble.calibration import apply_temperature, smooth
from mlpilot.ensemble.stacking import LinearStacker, stack_features
from mlpilot.exceptions import BundleError
from mlpilot.models.base import FittedModel

__all__ = ["Contributions", "model_contributions", "bag_contributions", "blend_contributions",
           "stacked_contributions", "calibrated_contributions", "sampled_contributions", "column_groups",
           "explain_members"]

MAX_BATCH_ROWS = 200_000  # rows one predict call of the sampling method may get
TINY = 1e-12


@dataclass
class Contributions:
    """``values`` (rows, columns, outputs) add up, per row and output, to ``output - base`` (rows, outputs).
    Outputs: 1 for regression, one per class for classification."""

    values: np.ndarray
    base: np.ndarray
    output: np.ndarray

    def scaled(self, weight: float) -> Contributions:
        return Contributions(weight * self.values, weight * self.base, weight * self.output)

    def __add__(self, other: Contributions) -> Contributions:
        return Contributions(self.values + other.values, self.base + other.base, self.output + other.output)


def column_groups(sources: list[str], columns: list[str]) -> list[np.ndarray]:
    """For each original column, the positions of the prepared features made from it."""
    where = {c: [] for c in columns}
    for j, source in enumerate(sources):
        where[source].append(j)
    return [np.asarray(where[c], dtype=int) for c in columns]


def _outputs(pred: np.ndarray) -> np.ndarray:
    return pred[:, None] if pred.ndim == 1 else pred


def _carry(values: np.ndarray, new_x: np.ndarray, new_b: np.ndarray, old_x: np.ndarray,
           old_b: np.ndarray) -> np.ndarray:
    """``values`` (rows, columns, outputs), which add up to ``old_x - old_b``, scaled per row and output to
    add up to ``new_x - new_b`` (a monotone map of each output: log-odds to probability, calibration).
    Where the old change is ~0 the (as small) new change is shared equally by the columns."""
    d_old, d_new = old_x - old_b, new_x - new_b
    tiny = np.abs(d_old) < TINY
    ratio = np.where(tiny, 0.0, d_new / np.where(tiny, 1.0, d_old))
    out = values * ratio[:, None, :]
    out += np.where(tiny, d_new, 0.0)[:, None, :] / max(1, values.shape[1])
    return out


def _group_sum(phi: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    return np.stack([phi[:, g, :].sum(axis=1) for g in groups], axis=1)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def _from_scores(phi: np.ndarray, base: np.ndarray, output: np.ndarray, task: Task) -> Contributions:
    """Raw-score contributions (rows, columns, scores) and expected scores (rows, scores) as contributions to
    the model's own answer ``output`` (rows, outputs)."""
    score = phi.sum(axis=1) + base
    if task is Task.REGRESSION:
        return Contributions(_carry(phi, output, base, score, base), base, output)
    if task is Task.BINARY:
        b1 = _sigmoid(base)
        c1 = _carry(phi, output[:, 1:2], b1, score, base)
        return Contributions(np.concatenate([-c1, c1], axis=2), np.hstack([1 - b1, b1]), output)
    b = _softmax(base)
    return Contributions(_carry(phi, output, b, score, base), b, output)


def sampled_contributions(predict, M: np.ndarray, groups: list[np.ndarray], background: np.ndarray,
                          seed: int = 0) -> Contributions:
    """Shapley values of ``predict`` by sampled orderings of the column groups, one per background row
    (each ordering followed by its reverse): exact sums, base = mean answer over ``background``."""
    n_groups, n_bg = len(groups), len(background)
    rng = np.random.default_rng(seed)
    orders = []
    for s in range(n_bg):
        orders.append(orders[-1][::-1] if s % 2 else rng.permutation(n_groups))
    per_row = n_bg * (n_groups + 1)
    chunk = max(1, MAX_BATCH_ROWS // per_row)
    parts = []
    for lo in range(0, len(M), chunk):
        X = M[lo:lo + chunk]
        Z = np.broadcast_to(background[None, :, None, :], (len(X), n_bg, n_groups + 1, M.shape[1])).copy()
        for s, order in enumerate(orders):
            for step, g in enumerate(order):
                for col in groups[g]:  # from this step on, the column has the row's value
                    Z[:, s, step + 1:, col] = X[:, col, None]
        out = _outputs(predict(Z.reshape(-1, M.shape[1]))).reshape(len(X), n_bg, n_groups + 1, -1)
        steps = out[:, :, 1:] - out[:, :, :-1]  # (rows, background, steps, outputs)
        values = np.zeros((len(X), n_groups, out.shape[-1]))
        for s, order in enumerate(orders):
            values[:, order] += steps[:, s]
        parts.append(Contributions(values / n_bg, out[:, :, 0].mean(axis=1), out[:, 0, -1]))
    return Contributions(*(np.concatenate([getattr(p, k) for p in parts]) for k in ("values", "base", "output")))


def model_contributions(model: FittedModel, M: np.ndarray, groups: list[np.ndarray], background: np.ndarray | None,
                        task: Task, seed: int = 0) -> Contributions:
    """One fitted model's contributions: its exact ones where it has them, else the sampling estimate."""
    native = model.contributions(M)
    if native is not None:
        phi, base = native
        return _from_scores(_group_sum(phi, groups), base, _outputs(model.predict(M)), task)
    if background is None:
        raise BundleError(f"This model's {model.family} member needs background rows to be explained, and its "
                          "bundle has none (it was saved by an older mlpilot). Train it again to explain it.")
    return sampled_contributions(model.predict, M, groups, background, seed)


def bag_contributions(models: list[FittedModel], M: np.ndarray, groups: list[np.ndarray],
                      background: np.ndarray | None, task: Task, seed: int = 0) -> Contributions:
    """A bag of fold models answers their mean: its contributions are the mean of theirs."""
    total = None
    for m in models:
        c = model_contributions(m, M, groups, background, task, seed)
        total = c if total is None else total + c
    return total.scaled(1.0 / len(models))


def blend_contributions(parts: list[tuple[float, Contributions]]) -> Contributions:
    """A weighted blend of members answers the weighted sum of their answers: so do the contributions."""
    total = None
    for weight, c in parts:
        total = c.scaled(weight) if total is None else total + c.scaled(weight)
    return total


def stacked_contributions(stacker: LinearStacker, members: list[Contributions], task: Task) -> Contributions:
    """Contributions through a linear stacker: each member's carried to the stacker's features (values,
    log-probabilities or log-odds), combined by its coefficients, then carried to its answer."""
    if task is Task.REGRESSION:
        parts = [(float(stacker.coef[i, 0]), c) for i, c in enumerate(members)]
        total = blend_contributions(parts)
        shift = float(stacker.intercept[0])
        return Contributions(total.values, total.base + shift, total.output + shift)
    feats, feat_b = [], []
    for c in members:
        fx, fb = stack_features([c.output], task), stack_features([c.base], task)
        if task is Task.BINARY:  # one feature a member: the log-odds, moved by the class-1 contributions
            feats.append(_carry(c.values[:, :, 1:2], fx, fb, c.output[:, 1:2], c.base[:, 1:2]))
        else:
            feats.append(_carry(c.values, fx, fb, c.output, c.base))
        feat_b.append(fb)
    F, Fb = np.concatenate(feats, axis=2), np.hstack(feat_b)
    z_b = Fb @ stacker.coef + stacker.intercept
    return _from_scores(F @ stacker.coef, z_b, stacker.predict([c.output for c in members]), task)


def calibrated_contributions(blend: Contributions, temperature: float | None) -> Contributions:
    """Class-probability contributions carried through the blend's temperature and smoothing, as the
    predictor applies them (normalised rows)."""
    def final(P: np.ndarray) -> np.ndarray:
        P = P if temperature is None else apply_temperature(P, temperature)
        P = smooth(P)
        return P / P.sum(axis=1, keepdims=True)

    out_x, out_b = final(blend.output), final(blend.base)
    return Contributions(_carry(blend.values, out_x, out_b, blend.output, blend.base), out_b, out_x)


def explain_members(bags: list[tuple[float, list[FittedModel]]], M: np.ndarray, groups: list[np.ndarray],
                    background: np.ndarray | None, task: Task, stacker: LinearStacker | None = None,
                    temperature: float | None = None, seed: int = 0) -> Contributions:
    """Contributions to an ensemble's answer for prepared rows ``M``: its members (weight, fold models or the
    one refit model) combined by their weights or by ``stacker``, then calibrated as the predictor's answer."""
    parts = [(w, bag_contributions(models, M, groups, background, task, seed)) for w, models in bags]
    combined = stacked_contributions(stacker, [c for _, c in parts], task) if stacker is not None \
        else blend_contributions(parts)
    if not task.is_classification:
        return combined
    return calibrated_contributions(combined, temperature if stacker is None else None)
