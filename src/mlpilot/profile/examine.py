"""Examine a table: the checks that drive cleaning, then the profile the data report shows."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlpilot.data.schema import Column, ColumnKind, Schema, infer_column
from mlpilot.profile.association import predictive_power
from mlpilot.profile.checks import Finding, audit
from mlpilot.profile.summary import (ASSOC_ROWS, PLOT_ROWS, Profile, correlations, overlap, sample_index,
                                     sample_rows, summarize_columns)

__all__ = ["TableCheck", "check_table", "build_profile"]


@dataclass
class TableCheck:
    """What the checks found: findings, each column's predictive power, how many rows repeat an earlier
    one, and per row the position of its first copy where copies are accidental (None: no such copies)."""

    findings: list[Finding]
    power: dict[str, float]
    duplicates: int
    copies: np.ndarray | None
    seconds: float


def check_table(df: pd.DataFrame, schema: Schema, y: np.ndarray | None, classification: bool,
                seed: int = 0) -> TableCheck:
    """Run every check on ``df`` (target included, rows with a missing target removed); ``y``: the target
    encoded (None: no target). Associations are measured on a sample of at most ASSOC_ROWS rows."""
    started = time.perf_counter()
    power: dict[str, float] = {}
    if y is not None:
        rows = sample_index(len(df), ASSOC_ROWS, seed)
        usable = [c for c in schema.columns if c.dropped is None or not c.dropped.startswith("constant")]
        ok = np.isfinite(y[rows]) if not classification else np.ones(len(rows), dtype=bool)
        power = predictive_power(df.iloc[rows[ok]], usable, y[rows[ok]], classification, seed)
    findings, first, accidental = audit(df, schema, y, classification, power)
    return TableCheck(findings, power, int((first != np.arange(len(df))).sum()), first if accidental else None,
                      time.perf_counter() - started)


def build_profile(df: pd.DataFrame, schema: Schema, check: TableCheck, findings: Sequence[Finding],
                  task: str | None, test: pd.DataFrame | None = None, seed: int = 0) -> Profile:
    """The data report of ``df`` as cleaned by ``schema`` (its dropped columns say why)."""
    target = schema.target
    target_column = None
    if target is not None:
        target_column = infer_column(target, df[target], keep=True)
        if task is not None and task != "regression":
            target_column = Column(target, ColumnKind.CATEGORICAL, target_column.dtype)
    rows = sample_index(len(df), PLOT_ROWS, seed)
    notes = []
    if len(rows) < len(df):
        notes.append(f"Quantiles, plots, outliers and correlations use a random sample of {len(rows):,} of "
                     f"{len(df):,} rows; missing values, distinct values and duplicates are counted on every row.")
    if check.power and len(df) > ASSOC_ROWS:
        notes.append(f"Associations with the target are measured on a random sample of {ASSOC_ROWS:,} rows.")
    sample = df.iloc[rows]
    return Profile(
        n_rows=int(len(df)), n_columns=int(df.shape[1]), target=target, task=task,
        columns=summarize_columns(df, schema, target_column, rows, check.power),
        correlations=correlations(sample, schema, check.power),
        duplicates=check.duplicates,
        findings=[f.to_dict() for f in findings],
        sample=sample_rows(df),
        overlap=None if test is None else overlap(df, test, target),
        notes=notes,
    )
