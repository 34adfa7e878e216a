import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, train_test_split

import mlpilot
from mlpilot.ensemble.calibration import apply_temperature, fit_temperature


def _logloss(P, y):
    return float(-np.mean(np.log(np.clip(P[np.arange(len(y)), y], 1e-15, None))))


@pytest.fixture(scope="module")
def digits_blend():
    """Out-of-fold and held-out probabilities of a strong model averaged with a uniform guess: a
    blend far less sure of itself than it should be."""
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X / 16, y, test_size=0.3, random_state=0, stratify=y)
    model = LogisticRegression(C=1.0, max_iter=500)
    uniform = np.full(10, 0.1)
    oof = 0.5 * cross_val_predict(model, X_tr, y_tr, cv=5, method="predict_proba") + 0.5 * uniform
    held_out = 0.5 * model.fit(X_tr, y_tr).predict_proba(X_te) + 0.5 * uniform
    return oof, y_tr, held_out, y_te


def test_temperature_sharpens_an_underconfident_blend_on_held_out_rows(digits_blend):
    oof, y_tr, held_out, y_te = digits_blend
    t = fit_temperature(oof, y_tr)
    assert t is not None and t < 1.0
    scaled = apply_temperature(held_out, t)
    np.testing.assert_allclose(scaled.sum(axis=1), 1.0)
    assert np.array_equal(scaled.argmax(axis=1), held_out.argmax(axis=1))  # accuracy unchanged
    assert _logloss(scaled, y_te) < 0.7 * _logloss(held_out, y_te)


def test_no_temperature_for_a_calibrated_model():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 20000)
    y = (rng.random(20000) < p).astype(int)  # outcomes drawn from the probabilities themselves
    assert fit_temperature(np.column_stack([1 - p, p]), y) is None


def test_a_fitted_temperature_is_saved_and_used_after_loading(tmp_path):
    X, y = load_digits(return_X_y=True)
    df = pd.DataFrame(X[:600, ::4], columns=[f"px{i}" for i in range(16)]).assign(digit=y[:600])
    model = mlpilot.fit(df, "digit", preset="fast", deterministic=True, out=tmp_path / "m")
    loaded = mlpilot.load(tmp_path / "m")
    assert model.temperature is not None and loaded.temperature == model.temperature  # a blend of three, sharpened
    rows = df.drop(columns="digit").iloc[:50]
    np.testing.assert_allclose(loaded.predict_proba(rows).to_numpy(), model.predict_proba(rows).to_numpy())
    model.temperature = None
    assert not np.allclose(loaded.predict_proba(rows).to_numpy(), model.predict_proba(rows).to_numpy())


def test_smoothing_bounds_every_probability_and_keeps_every_ranking():
    from mlpilot.ensemble.calibration import SMOOTHING, smooth

    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.full(4, 0.05), size=500)  # many probabilities of 1e-20 and less
    P[0] = [1.0, 0.0, 0.0, 0.0]
    S = smooth(P)
    np.testing.assert_allclose(S.sum(axis=1), 1.0)
    assert S.min() >= SMOOTHING and S[0, 0] == pytest.approx(1 - 3 * SMOOTHING)
    for k in range(4):  # rows sorted by a class's probability stay sorted (ties only below 1e-21): AUC is unchanged
        order = np.argsort(P[:, k], kind="stable")
        assert (np.diff(S[order, k]) >= 0).all()
        big = order[P[order, k] > 1e-12]
        assert (np.diff(S[big, k]) > 0).all() or len(np.unique(P[big, k])) < len(big)
    assert (S.argmax(axis=1) == P.argmax(axis=1)).all()
