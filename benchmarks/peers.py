"""The peers' figures from ``peers.md`` and ranks of systems over the datasets of a run.

``peers.md``'s first markdown table has the columns ``dataset | task | metric | <system> ...``;
each system cell is a number, ``FAIL`` (error or time-out) or ``—`` (not measured).
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scoring import higher_is_better

FAIL = "FAIL"  # a figure that exists and ranks last
KEY_COLUMNS = ("dataset", "task", "metric")


@dataclass
class PeerTable:
    """Systems in column order and, per dataset, a figure per system (float, FAIL or None)."""

    systems: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    tasks: dict = field(default_factory=dict)

    def figure(self, dataset, system):
        return self.figures.get(dataset, {}).get(system)

    def find_system(self, *words):
        """First system whose name contains every word (case-insensitive), else None."""
        for name in self.systems:
            if all(w.lower() in name.lower() for w in words):
                return name
        return None


def first_table(text):
    """Rows (lists of stripped cells) of the first markdown table in ``text``, header first."""
    rows, started = [], False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|"):
            started = True
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):  # skip the |---| separator
                rows.append(cells)
        elif started:
            break
    return rows


def parse_figure(cell):
    """'0.9317' -> 0.9317, 'FAIL' -> FAIL, '—' / '' / anything else -> None (not measured)."""
    cell = cell.strip().replace(",", "")
    if cell.upper() == FAIL:
        return FAIL
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_peers_text(text):
    rows = first_table(text)
    if not rows:
        return PeerTable()
    header = [h.lower() for h in rows[0]]
    if "dataset" not in header:
        raise ValueError(f"The first table of peers.md has no 'dataset' column; header: {rows[0]}.")
    col = {h: i for i, h in enumerate(header)}
    systems = [(i, h) for i, h in enumerate(rows[0]) if h.lower() not in KEY_COLUMNS]
    table = PeerTable(systems=[name for _, name in systems])
    for cells in rows[1:]:
        cells = cells + [""] * (len(header) - len(cells))
        name = cells[col["dataset"]]
        table.figures[name] = {s: parse_figure(cells[i]) for i, s in systems}
        if "task" in col:
            table.tasks[name] = cells[col["task"]]
    return table


def parse_peers(path):
    """PeerTable from a peers.md file; an empty table when the file does not exist."""
    path = Path(path)
    return parse_peers_text(path.read_text(encoding="utf-8")) if path.exists() else PeerTable()


# The harness's system names -> words that find the same system's column in peers.md.
HARNESS_SYSTEMS = {"flaml": ("flaml",), "ag_medium": ("autogluon", "medium"), "ag_best": ("autogluon", "best"),
                   "h2o": ("h2o",), "baseline_lgbm": ("lightgbm",)}
MAIN_METRIC = {"binary": "auc", "multiclass": "logloss", "regression": "rmse"}


def add_harness_results(table, records):
    """Overlay figures measured with ``../shared/bench/peers/harness.py`` (its results .jsonl records)
    on ``table``: an 'ok' record gives its main metric, a failed or timed-out one FAIL. Later records
    of the same dataset and system win. Returns ``table``."""
    for rec in records:
        words = HARNESS_SYSTEMS.get(rec.get("system"))
        system = table.find_system(*words) if words else None
        if system is None:
            continue
        value = rec.get(MAIN_METRIC.get(rec.get("task"), ""))
        ok = rec.get("status") == "ok" and isinstance(value, int | float) and math.isfinite(value)
        table.figures.setdefault(rec["dataset"], {})[system] = float(value) if ok else FAIL
        table.tasks.setdefault(rec["dataset"], rec.get("task", ""))
    return table


def rank_key(value, metric):
    """Smaller is better; failures and missing figures sort last."""
    if value is None or value == FAIL or not math.isfinite(value):
        return math.inf
    return -value if higher_is_better(metric) else value


def eligible_systems(figures, systems, datasets):
    """Systems with a figure (a number or FAIL) on every dataset."""
    return [s for s in systems if all(figures.get(d, {}).get(s) is not None for d in datasets)]


def mean_ranks(figures, metrics, systems):
    """Mean rank per system over the datasets in ``metrics`` (dataset -> main metric).

    ``figures``: dataset -> system -> figure. Only systems with a figure on every dataset
    take part; ties share the average rank, failures rank last.
    """
    datasets = list(metrics)
    ranked = eligible_systems(figures, systems, datasets)
    if not datasets or not ranked:
        return {}
    per_dataset = [
        pd.Series({s: rank_key(figures[d][s], metrics[d]) for s in ranked}).rank(method="average")
        for d in datasets
    ]
    means = pd.concat(per_dataset, axis=1).mean(axis=1)
    return {s: float(means[s]) for s in ranked}
