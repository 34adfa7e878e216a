"""The collection behind the portfolio: every candidate configuration on every dataset of the suite.

Only the training split of each dataset is read. Per dataset: a seeded subsample of at most
``max_rows`` rows (stratified for classification), mlpilot's own preparation (infer_schema and
TablePreprocessor, as ``mlpilot.fit`` does), 5 folds from ``make_folds``, then one
``run_trial`` per configuration with one thread and a deadline. One JSON record per
(dataset, family, config) is appended to the results file as soon as it is done; a second run
skips the records already there.

The work is ordered configuration first, dataset second, and interleaved over the families so
that each family gets about the same share of the time: a family's n-th config comes at about
n x its cost per trial (``COST``), defaults before samples. A run stopped early still has every
dataset for the configurations it reached, and the cheap families have more of them.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.schema import infer_schema
from mlpilot.data.task import Task, check_target
from mlpilot.evaluate.metrics import get_metric, selection_metric
from mlpilot.models import FAMILIES, available_families
from mlpilot.models.base import FitContext
from mlpilot.pipeline import encode_target
from mlpilot.prep.preprocessor import TablePreprocessor
from mlpilot.search.cv import make_folds
from mlpilot.search.trial import Candidate, run_trial

logger = logging.getLogger(__name__)

__all__ = ["COST", "Prepared", "SAMPLES", "append_record", "config_id", "done_keys", "family_configs", "prepare",
           "run_one", "sampled_configs", "work_order"]

# Sampled configurations per family (besides its defaults); `collect --minutes` stops the run, and the
# order below decides what it reached (about an hour on 2 cores covers most of it).
SAMPLES = {"lightgbm": 14, "xgboost": 12, "catboost": 8, "random_forest": 6, "extra_trees": 6,
           "linear": 4, "knn": 4, "mlp": 4}
# Mean seconds per trial (5 folds, one thread, <= 8000 rows) over the suite, from a first run.
COST = {"lightgbm": 3.4, "xgboost": 5.0, "catboost": 12.0, "random_forest": 9.8, "extra_trees": 5.3,
        "linear": 3.2, "knn": 0.2, "mlp": 9.9}
N_FOLDS = 5


@dataclass
class Prepared:
    """One dataset, ready for trials."""

    name: str
    task: Task
    X: np.ndarray
    y: np.ndarray
    folds: list
    n_classes: int
    categorical: dict[int, int]


def config_id(family: str, config: dict[str, Any]) -> str:
    """A stable key for (family, config): the family and the config as sorted JSON."""
    return f"{family}:{json.dumps(config, sort_keys=True)}"


def _draw(rng: np.random.Generator, spec: tuple) -> Any:
    kind, *args = spec
    if kind == "int":
        return int(rng.integers(int(args[0]), int(args[1]) + 1))
    if kind == "float":
        return round(float(rng.uniform(args[0], args[1])), 4)
    if kind == "logfloat":
        return float(f"{np.exp(rng.uniform(np.log(args[0]), np.log(args[1]))):.4g}")
    if kind == "choice":
        return args[int(rng.integers(len(args)))]
    raise ValueError(f"search space entry {spec!r} has the unknown kind {kind!r}")


def sampled_configs(family: str, task: Task, k: int, seed: int) -> list[dict[str, Any]]:
    """``k`` configurations drawn from the family's search space; the same seed gives the same draws
    for every task whose space is the same (so such a config is shared by those tasks)."""
    space = FAMILIES[family].search_space(task)
    if not space:
        return []
    rng = np.random.default_rng([seed, sum(map(ord, family))])
    return [{name: _draw(rng, spec) for name, spec in sorted(space.items())} for _ in range(k)]


def family_configs(family: str, task: Task, k: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """(origin, config) for one family and task: its defaults, then its samples; duplicates dropped."""
    out, seen = [], set()
    tagged = [("default", c) for c in FAMILIES[family].default_configs(task)] + \
        [("sample", c) for c in sampled_configs(family, task, k, seed)]
    for origin, config in tagged:
        key = config_id(family, config)
        if key not in seen:
            seen.add(key)
            out.append((origin, config))
    return out


def work_order(task: Task, samples: dict[str, int], seed: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(family, origin, config) for ``task``: a family's n-th config at about n x its ``COST``
    (equal time per family); each family's first default comes first."""
    keyed = []
    for key, fam in available_families().items():
        if task in fam.tasks and key in samples:
            keyed += [(rank * COST.get(key, 1.0), key, origin, config)
                      for rank, (origin, config) in enumerate(family_configs(key, task, samples[key], seed))]
    return [(key, origin, config) for _, key, origin, config in sorted(keyed, key=lambda t: t[0])]


def _subsample(df: pd.DataFrame, target: str, task: Task, max_rows: int, seed: int) -> pd.DataFrame:
    if len(df) <= max_rows:
        return df.reset_index(drop=True)
    if not task.is_classification:
        return df.sample(n=max_rows, random_state=seed).reset_index(drop=True)
    from sklearn.model_selection import train_test_split

    counts = df[target].value_counts()
    strat = df[target].where(df[target].map(counts) >= 2, other="__rare__").astype(str)
    keep, _ = train_test_split(df, train_size=max_rows, stratify=strat, random_state=seed)
    return keep.reset_index(drop=True)


def prepare(split_dir: Path, max_rows: int, seed: int) -> Prepared:
    """The training split of one dataset as mlpilot's fit prepares it (subsampled)."""
    spec = json.loads((split_dir / "split.json").read_text())
    target, task = spec["target"], Task(spec["task"])
    df = pd.read_parquet(split_dir / "train.parquet")
    df.columns = [str(c) for c in df.columns]
    df = df.loc[check_target(df[target]).index]
    df = _subsample(df, target, task, max_rows, seed)
    y, classes = encode_target(df[target], task)
    schema = infer_schema(df, target)
    pre = TablePreprocessor(schema).fit(df.drop(columns=[target]))
    X = pre.transform(df.drop(columns=[target]))
    folds = make_folds(y, task, N_FOLDS, seed)
    return Prepared(split_dir.name, task, X, y, folds, len(classes or []), pre.categorical_)


def run_one(data: Prepared, family: str, config: dict[str, Any], deadline_s: float, seed: int) -> dict:
    """One trial as a record: the OOF loss (logloss / rmse), fit and predict seconds, or failed."""
    metric = selection_metric(get_metric("auto", data.task), data.task)
    ctx = FitContext(data.task, data.n_classes, data.categorical, seed, n_jobs=1,
                     deadline=time.monotonic() + deadline_s)
    cand = Candidate(family, FAMILIES[family], config)
    t0 = time.monotonic()
    result = run_trial(cand, data.X, data.y, data.folds, ctx, metric)
    record = {"dataset": data.name, "task": str(data.task), "family": family, "config": config,
              "id": config_id(family, config), "metric": metric.name, "n_rows": int(len(data.y)),
              "wall_s": round(time.monotonic() - t0, 3)}
    if result is None:
        return {**record, "status": "failed"}
    return {**record, "status": "ok", "loss": metric.loss_from_score(result.score),
            "fit_s": round(result.fit_seconds, 3), "predict_s": round(result.predict_seconds, 3),
            "notes": result.notes}


def done_keys(path: Path) -> set[tuple[str, str]]:
    """(dataset, config id) of the records already in ``path``."""
    if not path.exists():
        return set()
    keys = set()
    for line in path.read_text().splitlines():
        if line.strip():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by a stopped run
                continue
            keys.add((rec["dataset"], rec["id"]))
    return keys


def append_record(path: Path, record: dict) -> None:
    """One line, written in one call (appends from parallel workers stay whole lines)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(record) + "\n").encode())
    finally:
        os.close(fd)
