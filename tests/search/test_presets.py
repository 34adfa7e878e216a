from mlpilot.data.task import Task
from mlpilot.search.candidates import candidates_for, search_plan
from mlpilot.search.presets import PRESETS, get_preset


def test_balanced_takes_the_portfolio_except_for_multiclass():
    balanced = get_preset("balanced")
    binary = [c.name for c in candidates_for(balanced, Task.BINARY)]
    assert binary[0].endswith("_p1") and {"lightgbm", "catboost"} <= {c.split("_")[0] for c in binary}
    multiclass = [c.name for c in candidates_for(balanced, Task.MULTICLASS)]
    assert multiclass == ["lightgbm_1", "linear_1", "knn_1", "lightgbm_2", "knn_2", "lightgbm_3"]
    many = [c.name for c in candidates_for(balanced, Task.MULTICLASS, n_classes=26)]
    assert many == ["lightgbm_1", "linear_1", "knn_1", "mlp_1", "lightgbm_2", "knn_2", "mlp_2", "lightgbm_3"]
    assert balanced.share_for(Task.MULTICLASS) == 1.0 and balanced.share_for(Task.BINARY) == balanced.trial_share


def test_every_preset_has_candidates_for_every_task():
    for preset in PRESETS.values():
        for task in Task:
            names = [c.name for c in candidates_for(preset, task)]
            assert names and len(names) == len(set(names)), (preset.name, task)


def test_balanced_goes_on_with_the_untried_candidates_of_best_then_tunes():
    balanced, best = get_preset("balanced"), get_preset("best")
    for task in Task:
        own = candidates_for(balanced, task)
        plan, hpo = search_plan(balanced, task)
        assert plan[:len(own)] == own and hpo == best.hpo_trials
        names = [c.name for c in plan]
        assert len(names) == len(set(names)), (task, names)
        configs = [(c.family.key, c.config) for c in plan]
        assert all(configs.count(c) == 1 for c in configs), task
        best_configs = [(c.family.key, c.config) for c in candidates_for(best, task)
                        if c.family.key in balanced.then_families]
        assert "mlp" not in {c.family.key for c in plan}  # only for many classes (below)
        assert all(c in configs for c in best_configs), task
        assert all(c.share == best.share_for(task) for c in plan[len(own):])
        assert all(c.share is None for c in own)
        follow = [c.family.key for c in plan[len(own):]]
        first = [f for f in follow if f in balanced.then_first]
        assert follow[:len(first)] == first, (task, follow)
        assert first or "knn" in {c.family.key for c in own}, task


def test_without_follow_on_a_preset_keeps_to_its_own_list():
    for preset in PRESETS.values():
        for task in Task:
            plan, hpo = search_plan(preset, task, follow_on=False)
            assert plan == candidates_for(preset, task) and hpo == preset.hpo_trials


def test_a_follow_on_preset_does_not_go_on_itself():
    for preset in PRESETS.values():
        if preset.then is not None:
            assert preset.then in PRESETS and PRESETS[preset.then].then is None


def _table(n=500, seed=0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 5)), columns=[f"x{i}" for i in range(5)])
    df["y"] = (df.x0 + df.x1 * df.x2 + 0.3 * rng.normal(size=n) > 0).astype(int)
    return df


def test_balanced_uses_the_time_left_on_best_candidates_in_workers_only():
    import mlpilot

    own = {c.name for c in candidates_for(get_preset("balanced"), Task.BINARY)}
    inline = mlpilot.fit(_table(), "y", time_limit=5, seed=0)  # under 10 s: in-process, own list only
    assert {row["model"] for row in inline.board} - {"ensemble"} <= own
    pooled = mlpilot.fit(_table(), "y", time_limit=14, seed=0)
    more = {row["model"] for row in pooled.board} - {"ensemble"} - own
    assert more, "no follow-on candidate ran in 14 s on 500 rows"
    assert pooled.info["fit_seconds"] <= 14 * 1.05
