"""The shipped portfolio is valid data, and the presets' candidates come from it in order."""

import json
from importlib import resources

import numpy as np
import pytest

from mlpilot.data.task import Task
from mlpilot.exceptions import ConfigError
from mlpilot.models import FAMILIES, available_families
from mlpilot.models.base import FitContext
from mlpilot.search import portfolio
from mlpilot.search.candidates import candidates_for
from mlpilot.search.portfolio import PortfolioEntry, load_portfolio, parse_portfolio, portfolio_for
from mlpilot.search.presets import PRESETS, Preset

LGB_A = {"learning_rate": 0.03, "num_leaves": 20}
LGB_B = {"learning_rate": 0.15, "num_leaves": 9}
LINEAR_C = {"C": 0.3}
XGB = {"eta": 0.1, "max_depth": 3}


def _shipped() -> dict:
    return json.loads(resources.files("mlpilot.search").joinpath("portfolio.json").read_text())


def _declared_keys(family: str) -> set[str]:
    fam = FAMILIES[family]
    return {k for t in fam.tasks for k in fam.search_space(t)} | \
        {k for t in fam.tasks for c in fam.default_configs(t) for k in c}


def test_the_shipped_portfolio_loads_and_names_only_declared_families_and_parameters():
    doc = _shipped()
    entries = load_portfolio()
    assert len(entries) == len(doc["entries"]) >= 8
    assert doc["n_datasets"] >= 20 and doc["built"] and doc["method"]
    for entry in entries:
        assert entry.family in FAMILIES
        assert set(entry.config) <= _declared_keys(entry.family), entry
        assert entry.tasks and entry.tasks <= FAMILIES[entry.family].tasks
    assert len({json.dumps([e.family, e.config], sort_keys=True) for e in entries}) == len(entries)
    assert not any(isinstance(v, str) and v.startswith("/") for v in doc.values())  # no machine paths


def _tiny(task: Task, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(90, 3))
    X[:, 2] = rng.integers(0, 3, size=90)
    signal = X[:, 0] + (X[:, 2] == 1)
    if task is Task.REGRESSION:
        return X, signal + 0.1 * rng.normal(size=90), 0
    y = (signal > 0.3).astype(int) if task is Task.BINARY else np.digitize(signal, [-0.5, 0.7])
    return X, y, int(y.max()) + 1


def test_every_shipped_entry_fits_every_task_it_claims():
    families = available_families()
    for entry in load_portfolio():
        if entry.family not in families:
            continue
        for task in entry.tasks:
            X, y, k = _tiny(task)
            ctx = FitContext(task, k, {2: 3}, seed=0, n_jobs=1)
            model = families[entry.family].fit(X[:70], y[:70], {**entry.config, "n_estimators": 20}
                                               if entry.family in ("lightgbm", "xgboost", "catboost")
                                               else entry.config, ctx, X[70:], y[70:])
            pred = model.predict(X[70:])
            assert np.isfinite(pred).all() and len(pred) == 20, (entry, task)


@pytest.mark.parametrize("raw, message", [
    ({"entries": [{"family": "gbm", "config": {}}]}, "Portfolio entry 1 has the unknown family 'gbm'"),
    ({"entries": [{"family": "lightgbm", "config": {"leaves": 3}}]}, r"unknown parameters \['leaves'\]"),
    ({"entries": [{"family": "linear", "config": {}, "tasks": ["ranking"]}]}, "has tasks"),
    ({"entries": [{"family": "lightgbm", "config": {}, "extra": 1}]}, "allowed: an object with family"),
    ({"entries": {"family": "lightgbm"}}, "not an object with a list of entries"),
])
def test_a_malformed_portfolio_is_a_config_error_that_names_the_problem(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_portfolio(raw)


@pytest.fixture
def fake_portfolio(monkeypatch):
    entries = parse_portfolio({"entries": [
        {"family": "lightgbm", "config": LGB_A},
        {"family": "xgboost", "config": XGB},
        {"family": "linear", "config": LINEAR_C, "tasks": ["binary", "multiclass"]},
        {"family": "lightgbm", "config": LGB_B},
    ]})
    monkeypatch.setattr(portfolio, "load_portfolio", lambda: entries)
    return entries


def test_portfolio_for_keeps_the_order_and_filters_by_family_and_task(fake_portfolio):
    assert portfolio_for(Task.BINARY, ("lightgbm", "linear")) == [("lightgbm", LGB_A), ("linear", LINEAR_C),
                                                                   ("lightgbm", LGB_B)]
    assert portfolio_for(Task.REGRESSION, ("lightgbm", "linear")) == [("lightgbm", LGB_A), ("lightgbm", LGB_B)]


def _preset(families, size, per_family=2):
    return Preset("test", n_folds=3, families=families, portfolio_size=size, configs_per_family=per_family,
                  ensemble_rounds=5)


def test_candidates_are_the_first_portfolio_entries_of_the_presets_families(fake_portfolio):
    cands = candidates_for(_preset(("lightgbm", "linear"), 2), Task.BINARY)
    assert [(c.name, c.family.key, c.config) for c in cands] == [("lightgbm_p1", "lightgbm", LGB_A),
                                                                 ("linear_p1", "linear", LINEAR_C)]
    cands = candidates_for(_preset(("lightgbm", "linear"), 5), Task.BINARY)
    assert [c.name for c in cands] == ["lightgbm_p1", "linear_p1", "lightgbm_p2"]


def test_a_family_without_portfolio_entries_falls_back_to_its_defaults(fake_portfolio):
    cands = candidates_for(_preset(("lightgbm", "linear", "knn"), 1), Task.REGRESSION)
    knn_defaults = FAMILIES["knn"].default_configs(Task.REGRESSION)[:2]
    linear_default = FAMILIES["linear"].default_configs(Task.REGRESSION)[0]
    assert [(c.name, c.config) for c in cands] == [("lightgbm_p1", LGB_A), ("linear_1", linear_default),
                                                   ("knn_1", knn_defaults[0]), ("knn_2", knn_defaults[1])]


def test_the_presets_candidates_have_unique_names_and_stay_in_their_families():
    for preset in PRESETS.values():
        for task in Task:
            cands = candidates_for(preset, task)
            assert cands and len({c.name for c in cands}) == len(cands), (preset.name, task)
            assert {c.family.key for c in cands} <= set(preset.families) | set(preset.default_families) | \
                set(preset.many_class_families)
            assert sum("_p" in c.name for c in cands) <= preset.portfolio_size


def test_the_cheap_presets_take_only_cheap_portfolio_entries():
    assert PRESETS["fast"].portfolio_size <= PRESETS["balanced"].portfolio_size <= PRESETS["best"].portfolio_size
    for task in Task:
        assert len(candidates_for(PRESETS["fast"], task)) <= 3
        assert len(candidates_for(PRESETS["balanced"], task)) <= 8


def test_unknown_entries_in_the_real_loader_are_rejected(monkeypatch):
    assert isinstance(load_portfolio()[0], PortfolioEntry)
    bad = json.dumps({"entries": [{"family": "lightgbm", "config": {"num_leafs": 3}}]})

    class Fake:
        def joinpath(self, name):
            return self

        def read_text(self, encoding=None):
            return bad

    load_portfolio.cache_clear()
    monkeypatch.setattr(portfolio.resources, "files", lambda package: Fake())
    try:
        with pytest.raises(ConfigError, match="num_leafs"):
            load_portfolio()
    finally:
        load_portfolio.cache_clear()
