from mlpilot.data.task import Task
from mlpilot.search.candidates import candidates_for
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
