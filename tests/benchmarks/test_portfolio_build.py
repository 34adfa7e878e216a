import json

import numpy as np
import pytest

import portfolio_build as pb
from portfolio_collect import append_record, config_id, done_keys, sampled_configs, work_order

from mlpilot.data.task import Task
from mlpilot.models import FAMILIES
from mlpilot.search.portfolio import parse_portfolio

LGB = FAMILIES["lightgbm"].default_configs(Task.BINARY)


def _records(losses: dict[str, list[float]], fit_s: dict[str, float], task="binary"):
    """One record per (dataset, config); configs are LightGBM defaults and samples named by their index."""
    out = []
    for key, values in losses.items():
        family, config = "lightgbm", json.loads(key)
        for d, loss in enumerate(values):
            rec = {"dataset": f"d{d}", "task": task, "family": family, "config": config,
                   "id": config_id(family, config)}
            out.append({**rec, "status": "failed"} if loss is None else
                       {**rec, "status": "ok", "loss": loss, "fit_s": fit_s[key]})
    return out


def test_normalise_puts_the_best_at_zero_the_median_at_one_and_failures_at_the_cap():
    norm = pb.normalise(np.array([[1.0, 2.0, 3.0, np.nan], [5.0, 5.0, 5.0, 5.0]]))
    np.testing.assert_allclose(norm[0], [0.0, 1.0, 2.0, pb.CAP])  # the median of 1, 2, 3 is 2: the unit is 2 - 1
    assert (norm[1] == 0).all()


def test_normalise_scale_is_median_minus_best():
    norm = pb.normalise(np.array([[1.0, 2.0, 9.0]]))
    np.testing.assert_allclose(norm[0], [0.0, 1.0, pb.CAP])


def test_greedy_picks_the_complementary_config_over_the_second_best_single_one():
    a, b, c = (json.dumps(cfg, sort_keys=True) for cfg in LGB)
    # a is best on average; b is nearly a copy of a; c is bad on average but best where a is weak
    losses = {a: [1.0, 1.0, 3.0, 1.0], b: [1.1, 1.05, 3.0, 1.1], c: [3.0, 3.0, 1.0, 3.0]}
    table = pb.LossTable.from_records(_records(losses, {a: 1.0, b: 1.0, c: 1.0}))
    chosen = [table.config[table.ids[k]] for k in pb.greedy_portfolio(table, 3, pb.allowed_ids(table, None))]
    assert chosen == [LGB[0], LGB[2], LGB[1]]


def test_the_time_aware_variant_leaves_slow_configs_out():
    a, b = (json.dumps(cfg, sort_keys=True) for cfg in LGB[:2])
    table = pb.LossTable.from_records(_records({a: [2.0, 2.0], b: [1.0, 1.0]}, {a: 1.0, b: 50.0}))
    assert [table.ids[k] for k in pb.allowed_ids(table, 6.0)] == [config_id("lightgbm", LGB[0])]
    assert len(pb.allowed_ids(table, None)) == 2


def test_the_document_is_a_valid_portfolio_and_the_report_has_every_row():
    a, b, c = (json.dumps(cfg, sort_keys=True) for cfg in LGB)
    losses = {a: [1.0, 2.0, 3.0, 1.0], b: [2.0, 1.0, 2.0, 2.0], c: [3.0, 3.0, 1.0, None]}
    table = pb.LossTable.from_records(_records(losses, {a: 1.0, b: 1.0, c: 1.0}))
    chosen = pb.greedy_portfolio(table, 2, pb.allowed_ids(table, 6.0))
    doc = pb.portfolio_document(table, chosen, 6.0, "2026-01-01")
    assert [e.family for e in parse_portfolio(doc)] == ["lightgbm", "lightgbm"] and doc["n_datasets"] == 4
    report = pb.leave_one_out_report(table, 2, 6.0)
    assert "hand-written defaults of balanced" in report and "first 4" in report


def test_samples_are_seeded_and_inside_the_search_space():
    space = FAMILIES["xgboost"].search_space(Task.BINARY)
    first = sampled_configs("xgboost", Task.BINARY, 5, seed=0)
    assert first == sampled_configs("xgboost", Task.REGRESSION, 5, seed=0) != sampled_configs("xgboost", Task.BINARY, 5, 1)
    for config in first:
        assert set(config) == set(space)
        assert all(space[k][1] <= v <= space[k][2] for k, v in config.items())


def test_work_order_starts_with_every_familys_first_default_and_runs_cheap_families_sooner():
    order = work_order(Task.REGRESSION, {"lightgbm": 2, "knn": 3}, seed=0)
    assert sorted((f, o) for f, o, _ in order[:2]) == [("knn", "default"), ("lightgbm", "default")]
    assert sum(f == "knn" for f, _, _ in order) == 5 and sum(f == "lightgbm" for f, _, _ in order) == 5
    assert [f for f, _, _ in order[-2:]] == ["lightgbm", "lightgbm"]  # knn is cheaper: all of it comes sooner


def test_records_are_appended_and_recognised_as_done(tmp_path):
    path = tmp_path / "r.jsonl"
    append_record(path, {"dataset": "d", "id": "lightgbm:{}"})
    path.write_text(path.read_text() + '{"dataset": "cut sh')  # a line cut short by a stopped run
    assert done_keys(path) == {("d", "lightgbm:{}")}


@pytest.fixture(autouse=True)
def _numpy_errors():
    with np.errstate(all="raise"):
        yield
