"""The ordered list of candidates a preset tries: every family's best default first."""

from __future__ import annotations

from mlpilot.data.task import Task
from mlpilot.models import available_families
from mlpilot.search.presets import Preset
from mlpilot.search.trial import Candidate

__all__ = ["candidates_for"]


def candidates_for(preset: Preset, task: Task) -> list[Candidate]:
    """Round-robin over the preset's families: each family's first config, then each one's second..."""
    families = available_families()
    per_family = {key: families[key].default_configs(task)[: preset.configs_per_family]
                  for key in preset.families if key in families and task in families[key].tasks}
    out = []
    for rank in range(preset.configs_per_family):
        for key, configs in per_family.items():
            if rank < len(configs):
                out.append(Candidate(f"{key}_{rank + 1}", families[key], configs[rank]))
    return out
