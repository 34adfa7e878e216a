import numpy as np
import pandas as pd

import mlpilot
from mlpilot.data.task import Task
from mlpilot.ensemble.greedy import greedy_selection
from mlpilot.ensemble.stacking import LinearStacker, choose_stacker, fit_stacker
from mlpilot.evaluate.metrics import get_metric


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _members(n=4000, seed=0, overconfident=3.0):
    """Two members that know the same signal; the second is far too sure of itself."""
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2, size=n)
    y = (rng.random(n) < _sigmoid(z)).astype(int)
    a = _sigmoid(z + rng.normal(scale=1.0, size=n))
    b = _sigmoid(overconfident * (z + rng.normal(scale=0.8, size=n)))
    return [np.column_stack([1 - p, p]) for p in (a, b)], y


def test_a_stacker_rescales_what_fixed_weights_cannot():
    preds, y = _members()
    logloss = get_metric("logloss", Task.BINARY)
    stacker = choose_stacker(preds, y, Task.BINARY, 2, logloss, lambda ps, ys: greedy_selection(ps, ys, logloss))
    assert stacker is not None
    test, y_test = _members(seed=1)
    weights = greedy_selection(preds, y, logloss)
    blended = sum(w * test[i] for i, w in weights.items())
    stacked = stacker.predict(test)
    np.testing.assert_allclose(stacked.sum(axis=1), 1.0)
    assert logloss(y_test, stacked) < logloss(y_test, blended) - 0.01


def test_no_stacker_where_it_cannot_beat_the_blend():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    p = np.full((600, 3), 1 / 3)
    metric = get_metric("logloss", Task.MULTICLASS)
    assert choose_stacker([p, p.copy()], y, Task.MULTICLASS, 3, metric,
                          lambda ps, ys: greedy_selection(ps, ys, metric)) is None
    assert choose_stacker([p], y, Task.MULTICLASS, 3, metric, lambda ps, ys: {0: 1.0}) is None  # one member


def test_stackers_round_trip_as_json_for_every_task():
    rng = np.random.default_rng(0)
    y3 = rng.integers(0, 2, 300)  # class 2 never seen: it gets ~0 probability, not an error
    p3 = rng.dirichlet(np.ones(3), 300)
    multi = fit_stacker([p3, p3[::-1]], y3, Task.MULTICLASS, 3)
    yr = rng.normal(size=300)
    reg = fit_stacker([yr + rng.normal(size=300), yr + rng.normal(size=300)], yr, Task.REGRESSION, 0)
    assert (reg.coef >= 0).all()  # a blend, never a difference of members
    for stacker, preds in [(multi, [p3, p3[::-1]]), (reg, [yr, -yr])]:
        again = LinearStacker.from_dict(stacker.to_dict())
        np.testing.assert_allclose(again.predict(preds), stacker.predict(preds))
    assert multi.predict([p3, p3]).shape == (300, 3) and multi.predict([p3, p3])[:, 2].max() < 1e-6


def test_a_stacked_predictor_saves_and_loads_with_its_stacker(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    df["y"] = np.where(df.a + 0.5 * rng.normal(size=400) > 0, "yes", "no")
    model = mlpilot.fit(df, "y", time_limit=8, preset="fast")
    X = df.drop(columns="y")
    weighted = model.predict_proba(X)
    model.stacker = LinearStacker(Task.BINARY, np.full((len(model.members), 1), 0.5), np.zeros(1))
    stacked = model.predict_proba(X)
    assert not np.allclose(stacked.to_numpy(), weighted.to_numpy())
    again = mlpilot.load(model.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(again.predict_proba(X), stacked)
