"""The configuration portfolio: an ordered list of configs that did well across many datasets.

``portfolio.json`` (next to this module) is plain data learned from our own runs on the
developers' suite by ``benchmarks/portfolio.py``: greedy forward selection of the configs
whose best-so-far loss, averaged over the datasets, falls fastest. The search tries its
entries first (see :mod:`mlpilot.search.candidates`). An entry is a family key, a config,
when the config applies to some of the family's tasks only those tasks, and its measured
``time_ratio``: its median fit time over the suite divided by LightGBM's first default's (an
entry without one counts as slow).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from mlpilot.data.task import Task
from mlpilot.exceptions import ConfigError
from mlpilot.models import FAMILIES

__all__ = ["PortfolioEntry", "load_portfolio", "parse_portfolio", "portfolio_for"]

PORTFOLIO_FILE = "portfolio.json"
_ENTRY_KEYS = {"family", "config", "tasks", "time_ratio"}


@dataclass(frozen=True)
class PortfolioEntry:
    family: str
    config: dict[str, Any]
    tasks: frozenset[Task]
    time_ratio: float = float("inf")


def _allowed_keys(family: str) -> set[str]:
    """The parameters a family declares: those of its default configs and search space, for any task."""
    fam = FAMILIES[family]
    return {k for t in fam.tasks for c in fam.default_configs(t) for k in c} | \
        {k for t in fam.tasks for k in fam.search_space(t)}


def _parse_tasks(raw: Any, family: str, where: str) -> frozenset[Task]:
    supported = FAMILIES[family].tasks
    if raw is None:
        return frozenset(supported)
    try:
        tasks = frozenset(Task(t) for t in raw)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{where} has tasks {raw!r}; allowed: a list of {', '.join(map(str, Task))}.") from err
    if not tasks or not tasks <= supported:
        raise ConfigError(f"{where} has tasks {sorted(map(str, tasks))}; {family} supports "
                          f"{', '.join(sorted(map(str, supported)))}.")
    return tasks


def _parse_entry(raw: Any, where: str) -> PortfolioEntry:
    if not isinstance(raw, dict) or not {"family", "config"} <= set(raw) or set(raw) - _ENTRY_KEYS:
        raise ConfigError(f"{where} is {raw!r}; allowed: an object with family, config and optionally tasks "
                          "and time_ratio.")
    family, config = raw["family"], raw["config"]
    if family not in FAMILIES:
        raise ConfigError(f"{where} has the unknown family {family!r}; allowed: {', '.join(FAMILIES)}.")
    if not isinstance(config, dict):
        raise ConfigError(f"{where} has config {config!r}; allowed: an object of parameters.")
    unknown = sorted(set(config) - _allowed_keys(family))
    if unknown:
        raise ConfigError(f"{where} ({family}) has the unknown parameters {unknown}; "
                          f"allowed: {', '.join(sorted(_allowed_keys(family)))}.")
    ratio = raw.get("time_ratio", float("inf"))
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not ratio > 0:
        raise ConfigError(f"{where} has time_ratio {ratio!r}; allowed: a positive number.")
    return PortfolioEntry(family, dict(config), _parse_tasks(raw.get("tasks"), family, where), float(ratio))


def parse_portfolio(doc: Any) -> tuple[PortfolioEntry, ...]:
    """The entries of a portfolio document, checked against the model families."""
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise ConfigError("The portfolio is not an object with a list of entries.")
    return tuple(_parse_entry(raw, f"Portfolio entry {i + 1}") for i, raw in enumerate(doc["entries"]))


@lru_cache(maxsize=1)
def load_portfolio() -> tuple[PortfolioEntry, ...]:
    """The shipped portfolio (read and checked once)."""
    text = resources.files("mlpilot.search").joinpath(PORTFOLIO_FILE).read_text(encoding="utf-8")
    return parse_portfolio(json.loads(text))


def portfolio_for(task: Task, families: tuple[str, ...] | list[str] | set[str],
                  max_time_ratio: float | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(family key, config) of the entries for ``task`` among ``families`` (no slower than
    ``max_time_ratio`` when given), in portfolio order."""
    limit = float("inf") if max_time_ratio is None else max_time_ratio
    return [(e.family, dict(e.config)) for e in load_portfolio()
            if e.family in families and task in e.tasks and task in FAMILIES[e.family].tasks
            and e.time_ratio <= limit]
