"""From collected records to an ordered portfolio: normalise, select greedily, check honestly.

Normalisation, per dataset: a config's loss (log loss, or RMSE for regression) is rescaled so
that the best config on that dataset is 0 and the median config is 1, then clipped at ``CAP``;
a failed trial counts as ``CAP``. The median as the unit makes RMSE in dollars and log loss
comparable, and unlike ranks it keeps the size of a gap: on a dataset where the top 30
configs are within 0.1 % of each other, being 20th costs almost nothing, while ranks would
charge it 20 places. The clip keeps one dataset where a family collapses from dominating.

Selection: greedy forward selection. The score of a list of configs is the mean, over the
datasets, of the best normalised loss among them (what a search trying them all would keep);
each step adds the config that lowers that score the most, ties going to the cheaper median
fit time. Once no config lowers it by ``MIN_GAIN`` any more, the rest follow by their mean
normalised loss (over the datasets of their tasks).
Time-aware: configs whose median fit time is more than ``MAX_TIME_RATIO`` times that of
LightGBM's first default on the same datasets are left out (the product runs at 60 s on 2 cores).

Honesty check: leave one dataset out, build the portfolio on the others, and score its first
N entries on the dataset left out; compare with the hand-written defaults of the presets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from mlpilot.data.task import Task
from mlpilot.models import FAMILIES
from mlpilot.search.presets import PRESETS
from portfolio_collect import SAMPLES, config_id, family_configs

__all__ = ["CAP", "HANDWRITTEN", "LOO_SIZES", "LossTable", "MAX_TIME_RATIO", "MIN_GAIN", "allowed_ids", "best_of", "default_columns",
           "describe", "greedy_portfolio", "leave_one_out", "leave_one_out_report", "normalise",
           "portfolio_document", "time_ratios"]

CAP = 3.0
MAX_TIME_RATIO = 6.0
MIN_GAIN = 1e-3  # a smaller drop of the mean best-so-far loss is noise: the rest go by their mean loss
REFERENCE = config_id("lightgbm", FAMILIES["lightgbm"].default_configs(Task.BINARY)[0])
LOO_SIZES = (4, 8, 12)
# The presets' candidates before the portfolio: these families' first N hand-written default configs.
HANDWRITTEN = {"balanced": (("lightgbm", "linear"), 3),
               "best": (("linear", "knn", "lightgbm", "catboost", "xgboost", "extra_trees", "mlp", "random_forest"), 2)}


@dataclass
class LossTable:
    """Normalised losses and fit seconds, one row per dataset, one column per config."""

    datasets: list[str]
    tasks: list[Task]
    ids: list[str]
    family: dict[str, str]
    config: dict[str, dict]
    norm: np.ndarray  # (datasets, ids); CAP where failed or not applicable
    fit_s: np.ndarray  # (datasets, ids); NaN where failed or not applicable
    applies: np.ndarray  # (datasets, ids); whether the config is for the dataset's task

    @classmethod
    def from_records(cls, records: list[dict], seed: int = 0) -> LossTable:
        """The configs recorded on every dataset of every task they apply to (others are dropped)."""
        datasets = sorted({r["dataset"] for r in records})
        task_of = {r["dataset"]: Task(r["task"]) for r in records}
        by_key = {(r["dataset"], r["id"]): r for r in records}
        ids = [i for i in dict.fromkeys(r["id"] for r in records)
               if all((d, i) in by_key for d in datasets if task_of[d] in config_tasks(i, seed))]
        first = {r["id"]: r for r in records}
        loss = np.full((len(datasets), len(ids)), np.nan)
        fit_s = np.full_like(loss, np.nan)
        for (d, i), r in by_key.items():
            if i in ids and r["status"] == "ok" and np.isfinite(r["loss"]):
                loss[datasets.index(d), ids.index(i)] = r["loss"]
                fit_s[datasets.index(d), ids.index(i)] = r["fit_s"]
        applies = np.array([[task_of[d] in config_tasks(i, seed) for i in ids] for d in datasets], dtype=bool)
        return cls(datasets, [task_of[d] for d in datasets], ids, {i: first[i]["family"] for i in ids},
                   {i: first[i]["config"] for i in ids}, normalise(loss), fit_s, applies.reshape(loss.shape))

    def subset(self, rows: np.ndarray) -> LossTable:
        return LossTable([self.datasets[r] for r in rows], [self.tasks[r] for r in rows], self.ids,
                         self.family, self.config, self.norm[rows], self.fit_s[rows], self.applies[rows])

    def mean_loss(self, columns: list[int]) -> np.ndarray:
        """Per column, the mean normalised loss over the datasets of the tasks it is for."""
        n = np.maximum(self.applies[:, columns].sum(axis=0), 1)
        return np.where(self.applies[:, columns], self.norm[:, columns], 0.0).sum(axis=0) / n


_TASKS_CACHE: dict[tuple[str, int], frozenset[Task]] = {}


def config_tasks(cid: str, seed: int = 0) -> frozenset[Task]:
    """The tasks for which the collection generates this config (its family's defaults and samples)."""
    if (cid, seed) not in _TASKS_CACHE:
        family = cid.split(":", 1)[0]
        _TASKS_CACHE[(cid, seed)] = frozenset(
            t for t in FAMILIES[family].tasks
            if any(config_id(family, c) == cid for _, c in family_configs(family, t, SAMPLES.get(family, 0), seed)))
    return _TASKS_CACHE[(cid, seed)]


def normalise(loss: np.ndarray) -> np.ndarray:
    """Per row: (loss - best) / (median - best), clipped to [0, CAP]; NaN (failed, n/a) -> CAP."""
    out = np.full_like(loss, CAP)
    for r, row in enumerate(loss):
        ok = np.isfinite(row)
        if not ok.any():
            continue
        best, median = row[ok].min(), np.median(row[ok])
        scale = median - best if median > best else max(abs(best), 1e-12)
        out[r, ok] = np.clip((row[ok] - best) / scale, 0.0, CAP)
    return out


def time_ratios(table: LossTable) -> np.ndarray:
    """Per config: median over datasets of its fit seconds / LightGBM's first default's."""
    ref = table.fit_s[:, table.ids.index(REFERENCE)][:, None] if REFERENCE in table.ids else 1.0
    ratio = table.fit_s / np.maximum(ref, 0.05)  # a floor: tiny sets time nothing but overhead
    with np.errstate(all="ignore"):
        return np.array([np.nanmedian(c) if np.isfinite(c).any() else np.inf for c in ratio.T])


def allowed_ids(table: LossTable, max_ratio: float | None) -> np.ndarray:
    """Column positions of the configs the selection may use."""
    if max_ratio is None or not np.isfinite(max_ratio):
        return np.arange(len(table.ids))
    return np.flatnonzero(time_ratios(table) <= max_ratio)


def greedy_portfolio(table: LossTable, size: int, allowed: np.ndarray) -> list[int]:
    """Column positions in portfolio order (see the module docstring)."""
    cost = np.nan_to_num(np.nanmedian(np.where(np.isfinite(table.fit_s), table.fit_s, np.nan), axis=0)
                         if len(table.datasets) else np.zeros(len(table.ids)), nan=np.inf)
    current = np.full(len(table.datasets), CAP)
    chosen: list[int] = []
    pool = [int(c) for c in allowed]
    while pool and len(chosen) < size:
        scores = np.array([np.minimum(current, table.norm[:, c]).mean() for c in pool])
        if scores.min() > current.mean() - MIN_GAIN:  # no gain left: the best single configs next
            scores = table.mean_loss(pool)
        best = min(range(len(pool)), key=lambda k: (round(float(scores[k]), 9), cost[pool[k]]))
        chosen.append(pool.pop(best))
        current = np.minimum(current, table.norm[:, chosen[-1]])
    return chosen


def best_of(table: LossTable, columns: list[int]) -> np.ndarray:
    """Per dataset, the best normalised loss among ``columns`` (CAP if none)."""
    return table.norm[:, columns].min(axis=1) if columns else np.full(len(table.datasets), CAP)


def default_columns(table: LossTable, families: tuple[str, ...], per_family: int) -> list[int]:
    """The columns of the first ``per_family`` hand-written default configs of ``families``."""
    ids = {config_id(f, c) for f in families if f in FAMILIES
           for t in FAMILIES[f].tasks for c in FAMILIES[f].default_configs(t)[:per_family]}
    return [k for k, i in enumerate(table.ids) if i in ids]


def _restricted(table: LossTable, columns: list[int], families: tuple[str, ...]) -> list[int]:
    return [c for c in columns if table.family[table.ids[c]] in families]


def leave_one_out(table: LossTable, size: int, max_ratio: float | None,
                  families: tuple[str, ...] | None = None, entry_ratio: float | None = None) -> np.ndarray:
    """(datasets, len(LOO_SIZES)): each dataset's best normalised loss among the first N entries for its
    task of a portfolio built without it (only the entries of ``families`` no slower than
    ``entry_ratio``, when given), as a preset's search would take them."""
    out = np.zeros((len(table.datasets), len(LOO_SIZES)))
    for d in range(len(table.datasets)):
        rest = table.subset(np.array([r for r in range(len(table.datasets)) if r != d]))
        chosen = [c for c in greedy_portfolio(rest, size, allowed_ids(rest, max_ratio)) if table.applies[d, c]]
        if families is not None:
            chosen = _restricted(table, chosen, families)
        if entry_ratio is not None:
            chosen = [c for c in chosen if time_ratios(rest)[c] <= entry_ratio]
        out[d] = [table.norm[d, chosen[:n]].min() if chosen[:n] else CAP for n in LOO_SIZES]
    return out


def leave_one_out_report(table: LossTable, size: int, max_ratio: float) -> str:
    """A markdown table: mean normalised loss (0 = best config seen, 1 = median) over the datasets."""
    head = [f"first {n}" for n in LOO_SIZES]
    lines = [f"Leave-one-dataset-out, {len(table.datasets)} datasets, {len(table.ids)} configs; "
             "mean normalised loss on the dataset left out (0 = best config, 1 = median; lower is better)",
             "", "| candidates | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    rows = [(f"portfolio built time-aware (<= {max_ratio:g}x LightGBM default), all families",
             leave_one_out(table, size, max_ratio)),
            ("portfolio (shipped: no time limit), all families", leave_one_out(table, size, None))]
    for p in PRESETS.values():
        limit = "" if p.max_time_ratio is None else f", entries <= {p.max_time_ratio:g}x"
        rows.append((f"portfolio (shipped) as preset {p.name} takes it: {'/'.join(p.families)}{limit}",
                     leave_one_out(table, size, None, p.families, p.max_time_ratio)))
    for name, values in rows:
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values.mean(axis=0)) + " |")
    for name, (families, per_family) in HANDWRITTEN.items():
        cols = default_columns(table, families, per_family)
        per_task = max(int(table.applies[r, cols].sum()) for r in range(len(table.datasets)))
        lines.append(f"| hand-written defaults of {name} before the portfolio (up to {per_task} configs a task) | "
                     + " | ".join(f"{best_of(table, cols).mean():.3f}" for _ in LOO_SIZES) + " |")
    return "\n".join(lines)


def describe(table: LossTable, chosen: list[int]) -> str:
    """One line per entry: rank, family, mean best-so-far, median time ratio, config."""
    ratios = time_ratios(table)
    lines, current = ["", "| # | family | mean best so far | time vs LightGBM default | config |",
                      "|---|---|---|---|---|"], np.full(len(table.datasets), CAP)
    for rank, c in enumerate(chosen, 1):
        current = np.minimum(current, table.norm[:, c])
        cid = table.ids[c]
        lines.append(f"| {rank} | {table.family[cid]} | {current.mean():.3f} | {ratios[c]:.1f}x | "
                     f"`{json.dumps(table.config[cid], sort_keys=True)}` |")
    return "\n".join(lines)


def portfolio_document(table: LossTable, chosen: list[int], max_ratio: float | None, built: str,
                       seed: int = 0) -> dict:
    """The JSON shipped in mlpilot.search: a header and the ordered entries."""
    entries, ratios = [], time_ratios(table)
    for c in chosen:
        cid = table.ids[c]
        family = table.family[cid]
        entry = {"family": family, "config": table.config[cid]}
        tasks = config_tasks(cid, seed)
        if tasks != FAMILIES[family].tasks:
            entry["tasks"] = sorted(str(t) for t in tasks)
        entry["time_ratio"] = round(float(ratios[c]), 2)
        entries.append(entry)
    limit = "no time limit" if max_ratio is None else f"configs slower than {max_ratio:g}x LightGBM's first " \
                                                       "default left out"
    header = {"format": 1, "built": built, "n_datasets": len(table.datasets), "n_configs": len(table.ids),
              "method": "greedy forward selection over the shared suite's training splits (benchmarks/portfolio.py): "
                        "losses (log loss; RMSE for regression) of 5-fold OOF predictions rescaled per dataset "
                        f"(best config 0, median 1); {limit}; time_ratio: median fit time / LightGBM's first "
                        "default's"}
    return {**header, "entries": entries}
