import numpy as np

from mlpilot.data.task import Task
from mlpilot.ensemble.greedy import greedy_selection
from mlpilot.evaluate.metrics import get_metric


def test_greedy_blend_is_no_worse_than_the_best_member_and_weights_sum_to_one():
    rng = np.random.default_rng(0)
    y = rng.normal(size=500)
    members = [y + rng.normal(scale=s, size=500) for s in (0.5, 0.6, 2.0)]
    metric = get_metric("rmse", Task.REGRESSION)
    weights = greedy_selection(members, y, metric, rounds=20)
    assert abs(sum(weights.values()) - 1) < 1e-12
    blend = sum(w * members[i] for i, w in weights.items())
    assert metric(y, blend) <= min(metric(y, m) for m in members)
    assert 2 not in weights or weights[2] < 0.2  # the noisy member gets little or no weight


def test_a_single_member_gets_all_the_weight():
    y = np.array([0, 1, 1, 0])
    p = np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.9, 0.1]])
    assert greedy_selection([p], y, get_metric("logloss", Task.BINARY)) == {0: 1.0}


def test_costs_keep_the_blend_within_the_budget():
    rng = np.random.default_rng(1)
    y = rng.normal(size=500)
    members = [y + rng.normal(scale=s, size=500) for s in (0.5, 0.5, 0.5, 1.0)]
    metric = get_metric("rmse", Task.REGRESSION)
    free = greedy_selection(members, y, metric, rounds=30)
    assert len(free) >= 3  # independent errors: blending the three good members pays
    costs = [1.0, 1.0, 1.0, 0.1]
    capped = greedy_selection(members, y, metric, rounds=30, costs=costs, max_cost=2.15)
    assert sum(costs[i] for i in capped) <= 2.15
    assert len(capped) >= 2
    assert greedy_selection(members, y, metric, costs=costs, max_cost=0.01) == {3: 1.0}  # none fits: the cheapest
