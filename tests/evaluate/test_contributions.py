"""Per-prediction contributions: exact for boosted trees, an additive estimate for other models, combined over
an ensemble (weights, stacker, calibration) with exact sums."""

import numpy as np
import pytest

from mlpilot.data.task import Task
from mlpilot.ensemble.blend import combine
from mlpilot.ensemble.calibration import smooth
from mlpilot.ensemble.stacking import fit_stacker
from mlpilot.evaluate.contributions import (bag_contributions, column_groups, explain_members,
                                            sampled_contributions)
from mlpilot.models import FAMILIES
from mlpilot.models.base import FitContext

BOOSTERS = ["lightgbm", "xgboost", "catboost"]


def _problem(task: Task, n: int = 600, seed: int = 0):
    """Six features, the last a 4-level category; only features 0, 1 and 5 carry signal."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[:, 5] = rng.integers(0, 4, n)
    signal = 2 * X[:, 0] - 1.5 * X[:, 1] + 0.8 * X[:, 5]
    if task is Task.REGRESSION:
        return X, signal + 0.1 * rng.normal(size=n), FitContext(task, 0, {5: 4}, seed=0)
    if task is Task.BINARY:
        return X, (signal + 0.5 * rng.normal(size=n) > 1).astype(int), FitContext(task, 2, {5: 4}, seed=0)
    return X, np.digitize(signal, [0.0, 2.0]), FitContext(task, 3, {5: 4}, seed=0)


def _fit(family: str, task: Task):
    X, y, ctx = _problem(task)
    return FAMILIES[family].fit(X, y, FAMILIES[family].default_configs(task)[0], ctx), X, ctx


GROUPS = [np.array([j]) for j in range(6)]


@pytest.mark.parametrize("family", BOOSTERS)
@pytest.mark.parametrize("task", list(Task))
def test_boosted_trees_contributions_add_up_to_their_prediction(family, task):
    model, X, ctx = _fit(family, task)
    c = bag_contributions([model], X[:50], GROUPS, None, task)  # exact: no background rows needed
    pred = model.predict(X[:50])
    pred = pred[:, None] if pred.ndim == 1 else pred
    assert np.abs(c.values.sum(axis=1) - (pred - c.base)).max() < 1e-6
    assert np.allclose(c.output, pred)
    # the three signal features carry most of every row's contributions
    share = np.abs(c.values).sum(axis=2)
    assert (share[:, [0, 1, 5]].sum(axis=1) / share.sum(axis=1)).mean() > 0.65  # 0.5 if they were alike


def test_regression_contributions_of_boosted_trees_are_their_tree_shap_values():
    model, X, _ = _fit("lightgbm", Task.REGRESSION)
    phi, base = model.contributions(X[:20])
    c = bag_contributions([model], X[:20], GROUPS, None, Task.REGRESSION)
    assert np.allclose(c.values, phi, atol=1e-9) and np.allclose(c.base, base)


def test_classification_contributions_keep_the_sign_and_ranking_of_the_log_odds_ones():
    model, X, _ = _fit("lightgbm", Task.BINARY)
    phi, _ = model.contributions(X[:30])
    c = bag_contributions([model], X[:30], GROUPS, None, Task.BINARY)
    moved = np.abs(c.values[:, :, 1]).sum(axis=1) > 1e-9
    assert np.all(np.sign(c.values[moved, :, 1]) == np.sign(phi[moved, :, 0]))
    assert np.array_equal(np.argsort(np.abs(c.values[moved, :, 1])), np.argsort(np.abs(phi[moved, :, 0])))
    assert np.allclose(c.values[:, :, 0], -c.values[:, :, 1])


def test_the_sampling_estimate_is_exact_for_an_additive_model_and_sums_to_the_background_mean():
    rng = np.random.default_rng(1)
    X, background = rng.normal(size=(5, 4)), rng.normal(size=(16, 4))
    coef = np.array([1.0, -2.0, 0.0, 0.5])
    c = sampled_contributions(lambda Z: Z @ coef, X, [np.array([j]) for j in range(4)], background)
    assert np.allclose(c.values[:, :, 0], (X - background.mean(axis=0)) * coef)
    assert np.allclose(c.base[:, 0], (background @ coef).mean())
    # a non-additive model: the sums are exact all the same
    nonlinear = lambda Z: np.tanh(Z[:, 0] * Z[:, 1]) + Z[:, 2] ** 2  # noqa: E731
    c = sampled_contributions(nonlinear, X, [np.array([0, 1]), np.array([2]), np.array([3])], background)
    assert np.allclose(c.values.sum(axis=1)[:, 0], nonlinear(X) - nonlinear(background).mean())
    assert np.allclose(c.values[:, 2, 0], 0.0)  # column 3 is not used


def test_column_groups_sum_the_features_made_from_one_column():
    groups = column_groups(["a", "when", "when", "b"], ["a", "when", "b"])
    assert [g.tolist() for g in groups] == [[0], [1, 2], [3]]


@pytest.mark.parametrize("task", [Task.BINARY, Task.MULTICLASS, Task.REGRESSION])
def test_an_ensemble_of_boosters_and_other_models_adds_up_with_weights_stacker_and_temperature(task):
    X, y, ctx = _problem(task)
    bags = [[FAMILIES[f].fit(X[idx], y[idx], FAMILIES[f].default_configs(task)[0], ctx)
             for idx in (np.arange(0, 400), np.arange(200, 600))] for f in ("lightgbm", "linear", "knn")]
    weights = [0.5, 0.3, 0.2]
    background = X[:16]
    rows = X[-40:]
    preds = [sum(m.predict(rows) for m in bag) / len(bag) for bag in bags]
    stacker = fit_stacker([sum(m.predict(X) for m in bag) / len(bag) for bag in bags], y, task, ctx.n_classes)
    for stack, temperature in ((None, None), (None, 0.7), (stacker, None)):
        if temperature is not None and task is Task.REGRESSION:
            continue
        c = explain_members(list(zip(weights, bags)), rows, GROUPS, background, task, stack, temperature)
        answer = combine(preds, weights, stack, temperature)
        if task.is_classification:
            answer = smooth(answer)
            answer = answer / answer.sum(axis=1, keepdims=True)
        answer = answer[:, None] if answer.ndim == 1 else answer
        assert np.allclose(c.output, answer, atol=1e-12)
        assert np.abs(c.values.sum(axis=1) - (c.output - c.base)).max() < 1e-9
        assert np.allclose(c.base, c.base[0])  # one baseline for every row


def test_a_member_without_native_contributions_needs_background_rows():
    from mlpilot.exceptions import BundleError

    model, X, _ = _fit("linear", Task.BINARY)
    with pytest.raises(BundleError, match="background rows"):
        bag_contributions([model], X[:2], GROUPS, None, Task.BINARY)
