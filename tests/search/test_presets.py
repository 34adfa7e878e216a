from mlpilot.data.task import Task
from mlpilot.search.candidates import candidates_for, search_plan
from mlpilot.search.presets import PRESETS, get_preset


def test_balanced_takes_the_portfolio_except_for_multiclass():
    balanced = get_preset("balanced")
    binary = [c.name for c in candidates_for(balanced, Task.BINARY)]
    assert binary[0].endswith("_p1") and {"lightgbm", "catboost"} <= {c.split("_")[0] for c in binary}
    multiclass = [c.name for c in candidates_for(balanced, Task.MULTICLASS)]
    assert multiclass == ["lightgbm_1", "linear_1", "lightgbm_2", "lightgbm_3"]
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
        assert "mlp" not in {c.family.key for c in plan}
        assert all(c in configs for c in best_configs), task
        assert all(c.share == best.share_for(task) for c in plan[len(own):])
        assert all(c.share is None for c in own)


def test_deterministic_mode_keeps_to_the_presets_own_list():
    for preset in PRESETS.values():
        for task in Task:
            plan, hpo = search_plan(preset, task, deterministic=True)
            assert plan == candidates_for(preset, task) and hpo == preset.hpo_trials


def test_a_follow_on_preset_does_not_go_on_itself():
    for preset in PRESETS.values():
        if preset.then is not None:
            assert preset.then in PRESETS and PRESETS[preset.then].then is None
