"""The ordered list of candidates a preset tries: the portfolio's entries first, then the defaults
of the preset's families that the portfolio has no entry for; and the search plan, which goes on
with the candidates of the preset's ``then`` preset while time is left."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from mlpilot.data.task import Task
from mlpilot.models import available_families
from mlpilot.models.base import ModelFamily
from mlpilot.search.portfolio import portfolio_for
from mlpilot.search.presets import Preset, get_preset
from mlpilot.search.trial import Candidate

__all__ = ["candidates_for", "search_plan"]


def _fallback(families: dict[str, ModelFamily], task: Task, per_family: int) -> list[Candidate]:
    """Round-robin over the families' hand-written defaults: each one's first config, then each one's second..."""
    configs = {key: fam.default_configs(task)[:per_family] for key, fam in families.items()}
    return [Candidate(f"{key}_{rank + 1}", families[key], cs[rank])
            for rank in range(per_family) for key, cs in configs.items() if rank < len(cs)]


def candidates_for(preset: Preset, task: Task, n_classes: int = 0) -> list[Candidate]:
    """The first ``preset.portfolio_size`` portfolio entries of the preset's families (available here,
    supporting ``task``, no slower than ``preset.max_time_ratio``), named ``<family>_p<n>``; then, for
    each of those families the portfolio has no such entry for, its first ``preset.configs_per_family``
    default configs, named ``<family>_<n>``. For the tasks in ``preset.defaults_for``, the
    hand-written defaults of ``preset.default_families`` instead (and of ``preset.many_class_families`` with at
    least ``preset.many_classes`` classes, ``n_classes``)."""
    available = available_families()
    if str(task) in preset.defaults_for:
        keys = preset.default_families + (preset.many_class_families if n_classes >= preset.many_classes else ())
        families = {key: available[key] for key in keys if key in available and task in available[key].tasks}
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


def _follow_on(extra: list[Candidate], first: list[Candidate], share: float) -> list[Candidate]:
    """``extra`` without the configs ``first`` already has, numbered on from ``first``'s names
    (``lightgbm_p3`` after ``lightgbm_p1`` and ``lightgbm_p2``), each taking at most ``share`` of
    the time left."""
    tried = [(c.family.key, c.config) for c in first]
    used = Counter(re.sub(r"\d+$", "", c.name) for c in first)
    out = []
    for cand in extra:
        if (cand.family.key, cand.config) in tried:
            continue
        tried.append((cand.family.key, cand.config))
        stem = re.sub(r"\d+$", "", cand.name)
        used[stem] += 1
        out.append(replace(cand, name=f"{stem}{used[stem]}", share=share))
    return out


def search_plan(preset: Preset, task: Task, follow_on: bool = True, n_classes: int = 0) -> tuple[list[Candidate], int]:
    """The candidates to try in order, and how many TPE-tuned configurations may follow them.

    A preset with ``then`` goes on with the candidates of that preset it has not tried (of the
    families in ``then_families``, those in ``then_first`` first), and takes that preset's tuning; the time limit decides how
    far the search gets. Without ``follow_on`` (deterministic mode, whose budget is a count of
    trials; trials in the calling process, which nothing stops but the families' own deadlines),
    the preset's own list and tuning."""
    first = candidates_for(preset, task, n_classes)
    if preset.then is None or not follow_on:
        return first, preset.hpo_trials
    follow = get_preset(preset.then)
    wanted = [c for c in candidates_for(follow, task, n_classes)
              if preset.then_families is None or c.family.key in preset.then_families]
    wanted.sort(key=lambda c: c.family.key not in preset.then_first)  # stable: their order otherwise kept
    more = _follow_on(wanted, first, follow.share_for(task))
    return first + more, max(preset.hpo_trials, follow.hpo_trials)
