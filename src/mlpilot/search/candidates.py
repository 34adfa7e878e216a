"""The ordered list of candidates a preset tries: the portfolio's entries first, then the defaults
of the preset's families that the portfolio has no entry for."""

from __future__ import annotations

from collections import Counter

from mlpilot.data.task import Task
from mlpilot.models import available_families
from mlpilot.models.base import ModelFamily
from mlpilot.search.portfolio import portfolio_for
from mlpilot.search.presets import Preset
from mlpilot.search.trial import Candidate

__all__ = ["candidates_for"]


def _fallback(families: dict[str, ModelFamily], task: Task, per_family: int) -> list[Candidate]:
    """Round-robin over the families' hand-written defaults: each one's first config, then each one's second..."""
    configs = {key: fam.default_configs(task)[:per_family] for key, fam in families.items()}
    return [Candidate(f"{key}_{rank + 1}", families[key], cs[rank])
            for rank in range(per_family) for key, cs in configs.items() if rank < len(cs)]


def candidates_for(preset: Preset, task: Task) -> list[Candidate]:
    """The first ``preset.portfolio_size`` portfolio entries of the preset's families (available here,
    supporting ``task``, no slower than ``preset.max_time_ratio``), named ``<family>_p<n>``; then, for
    each of those families the portfolio has no such entry for, its first ``preset.configs_per_family``
    default configs, named ``<family>_<n>``. For the tasks in ``preset.defaults_for``, the
    hand-written defaults of ``preset.default_families`` instead."""
    available = available_families()
    if str(task) in preset.defaults_for:
        families = {key: available[key] for key in preset.default_families
                    if key in available and task in available[key].tasks}
        return _fallback(families, task, preset.configs_per_family)
    families = {key: available[key] for key in preset.families if key in available and task in available[key].tasks}
    entries = portfolio_for(task, tuple(families), preset.max_time_ratio)
    seen: Counter[str] = Counter()
    out = []
    for key, config in entries[: preset.portfolio_size]:
        seen[key] += 1
        out.append(Candidate(f"{key}_p{seen[key]}", families[key], config))
    covered = {key for key, _ in entries}
    missing = {key: fam for key, fam in families.items() if key not in covered}
    return out + _fallback(missing, task, preset.configs_per_family)
