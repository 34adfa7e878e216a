"""Data-quality and leakage checks: what is wrong with a training table, and what fit does about it.

Each :class:`Finding` names the column, says what was seen (with figures) and what fit does
about it. The findings drive cleaning (:mod:`mlpilot.prep.cleaning`) and are listed in the
data report and in fit's output.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.schema import MAX_LEVELS, TEXT_TERMS, Column, ColumnKind, Schema

__all__ = ["Finding", "TITLES", "audit", "schema_findings", "near_constant", "duplicate_columns", "duplicate_rows", "leakage",
           "NEAR_CONSTANT_SHARE", "LEAK_POWER"]

NEAR_CONSTANT_SHARE = 0.995  # of the rows holding one value (missing counts as a value)
NEAR_CONSTANT_P = 0.01  # a near-constant column is kept when its rare values go with the target this clearly
NEAR_CONSTANT_ROWS = 10  # ... and are at least this many rows
LEAK_POWER = 0.98  # predictive power of one column on its own (see profile.association) that means a leak
RELABEL_POWER = 0.9  # the same, for a column with exactly as many values as the target has classes
DISTINCT_SHARE = 0.5  # a column with distinct values in this share of rows makes a repeated row no accident
ACCIDENT_SHARE = 0.05  # ... unless more rows than this repeat: then the data hold repeats by design
LEAK_RANK = 0.99  # |Spearman| of a numeric column with a numeric target that means a leak

TITLES = {
    "identifier": "Identifier", "constant": "Constant column", "near_constant": "Near-constant column",
    "duplicate_rows": "Duplicated rows", "duplicate_column": "Duplicated column", "leakage": "Target leakage",
    "date_strings": "Dates stored as text", "formatted_numbers": "Numbers stored as text",
    "mixed_types": "Mixed types", "high_cardinality": "High-cardinality categories", "free_text": "Free text",
    "user_drop": "Dropped by --drop",
}


@dataclass(frozen=True)
class Finding:
    """One problem: its kind (a key of TITLES), the column (None: the whole table), what was seen, what
    fit does about it, and whether that is dropping the column."""

    code: str
    column: str | None
    reason: str
    action: str
    drop: bool = False

    @property
    def title(self) -> str:
        return TITLES[self.code]

    def line(self) -> str:
        where = f"'{self.column}'" if self.column is not None else "table"
        return f"{self.title} ({where}): {self.reason}; {self.action}."

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"title": self.title}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        return cls(d["code"], d["column"], d["reason"], d["action"], bool(d.get("drop", False)))


def audit(df: pd.DataFrame, schema: Schema, y: np.ndarray | None = None, classification: bool = False,
          power: dict[str, float] | None = None) -> tuple[list[Finding], np.ndarray, bool]:
    """Every check on a table (``y``: its target, encoded; ``power``: each column's predictive power):
    the findings, per row the position of its first copy, and whether copies are accidental (entered twice)."""
    findings = schema_findings(df, schema)
    findings += duplicate_columns(df, schema)
    dropped = {f.column for f in findings if f.drop}
    kept = dataclasses.replace(schema, columns=tuple(c for c in schema.columns if c.name not in dropped))
    findings += near_constant(df, kept, y, classification)
    if y is not None and power is not None:
        findings += leakage(df, kept, y, classification, power)
    used = [c.name for c in kept.columns if c.dropped is None] + ([schema.target] if schema.target else [])
    rows, first, accidental = duplicate_rows(df[used], schema.target)  # no identifiers: a row entered twice differs there
    return findings + ([rows] if rows is not None else []), first, accidental


def _keep_hint(name: str) -> str:
    return f"dropped (--keep {name} uses it)"


def _example(values: pd.Series) -> str:
    v = str(values.iloc[0])
    return repr(v if len(v) <= 30 else v[:27] + "...")


def schema_findings(df: pd.DataFrame, schema: Schema) -> list[Finding]:
    """What the Schema's inference saw in each column: identifiers and constants (dropped), dates and
    numbers stored as text (read as such), mixed types, many categories, free text."""
    out = []
    for col in schema.columns:
        s = df[col.name]
        if col.dropped and col.dropped.startswith("identifier"):
            out.append(Finding("identifier", col.name, col.dropped.removeprefix("identifier: "), _keep_hint(col.name),
                               True))
        elif col.dropped and col.dropped.startswith("constant"):
            out.append(Finding("constant", col.name, col.dropped.removeprefix("constant: "), "dropped", True))
        elif col.dropped:
            continue
        elif col.kind is ColumnKind.DATETIME and col.dtype == "string":
            out.append(Finding("date_strings", col.name, f"dates stored as text, e.g. {_example(s.dropna())}",
                               "parsed as dates: year, month, day, weekday, hour and days since 1970"))
        elif col.kind is ColumnKind.NUMERIC and col.dtype == "string":
            out.extend(_text_numbers(s, col))
        elif col.kind is ColumnKind.CATEGORICAL:
            out.extend(_categorical(s, col))
        elif col.kind is ColumnKind.TEXT:
            out.append(Finding("free_text", col.name, f"free text, {s.dropna().astype(str).str.split().str.len().mean():.1f}"
                               " words a value on average",
                               f"encoded as its length, word count and TF-IDF of its {TEXT_TERMS} commonest "
                               "words and word pairs"))
    return out


def _text_numbers(s: pd.Series, col: Column) -> list[Finding]:
    out = []
    values = s.dropna()
    if col.number_format is not None:
        out.append(Finding("formatted_numbers", col.name, f"numbers stored as text with {col.number_format.describe()},"
                           f" e.g. {_example(values)}", "read as numbers"))
    if not col.missing_values:  # the Schema's inference found no text that is not a number
        return out
    bad = values[col.parse_numbers(values).isna()]
    if len(bad):
        shown = ", ".join(repr(v) for v in bad.astype(str).value_counts().index[:3])
        out.append(Finding("mixed_types", col.name, f"{len(bad)} of {len(values)} values are not numbers ({shown})",
                           "those values read as missing, here and in prediction requests"))
    return out


def _categorical(s: pd.Series, col: Column) -> list[Finding]:
    out, name = [], col.name
    values = s.dropna()
    if values.dtype == object:
        head = values.iloc[:2000]
        numbers = head.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).mean()
        if 0 < numbers < 1:
            out.append(Finding("mixed_types", name, f"numbers and text in one column ({numbers:.0%} numbers)",
                               "every value read as a category, numbers as their text"))
    if col.n_unique > MAX_LEVELS:
        out.append(Finding("high_cardinality", name, f"{col.n_unique} distinct values",
                           f"the {MAX_LEVELS} commonest values (seen at least twice) kept as categories; the others "
                           "share one code"))
    return out


def near_constant(df: pd.DataFrame, schema: Schema, y: np.ndarray | None, classification: bool) -> list[Finding]:
    """Columns where one value (or missing) fills at least 99.5 % of rows. Dropped, unless at least 10 rare
    rows differ in the target clearly (p < 0.01): then kept, with the reason."""
    out = []
    for col in schema.features:
        counts = df[col.name].value_counts(dropna=False)
        share = counts.iloc[0] / len(df) if len(counts) else 1.0
        if share < NEAR_CONSTANT_SHARE or len(counts) < 2:
            continue
        top = counts.index[0]
        rare = ~(df[col.name].isna() if pd.isna(top) else df[col.name].eq(top)).to_numpy()
        shown = "missing" if pd.isna(top) else repr(str(top))
        reason = f"{share:.1%} of rows are {shown}; {int(rare.sum())} rows differ"
        p = None if y is None else _rare_rows_p(rare, y, classification)
        if p is not None and p < NEAR_CONSTANT_P and rare.sum() >= NEAR_CONSTANT_ROWS:
            out.append(Finding("near_constant", col.name, reason, f"kept: the rare rows differ in the target "
                               f"(p = {p:.2g})"))
        else:
            out.append(Finding("near_constant", col.name, reason, "dropped: too few rows differ to learn from "
                               f"(--keep {col.name} uses it)", True))
    return out


def _rare_rows_p(rare: np.ndarray, y: np.ndarray, classification: bool) -> float:
    """p-value that the target of the rare rows differs from the others' (chi-square or Mann-Whitney)."""
    from scipy import stats

    if classification:
        table = np.array([np.bincount(y[rare], minlength=y.max() + 1), np.bincount(y[~rare], minlength=y.max() + 1)])
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2:
            return 1.0
        return float(stats.chi2_contingency(table)[1])
    return float(stats.mannwhitneyu(y[rare], y[~rare]).pvalue)


def duplicate_columns(df: pd.DataFrame, schema: Schema) -> list[Finding]:
    """Feature columns whose values equal an earlier column's, row for row (the later one is dropped)."""
    head = df.iloc[:1000]
    seen: dict[tuple[str, int], list[str]] = {}
    out = []
    for col in schema.features:
        key = (str(df[col.name].dtype), int(pd.util.hash_pandas_object(head[col.name], index=False).sum()))
        first = next((f for f in seen.get(key, []) if df[col.name].equals(df[f])), None)
        if first is None:
            seen.setdefault(key, []).append(col.name)
            continue
        out.append(Finding("duplicate_column", col.name, f"the same values as column '{first}' in every row",
                           f"dropped, '{first}' kept", True))
    return out


def duplicate_rows(df: pd.DataFrame, target: str | None) -> tuple[Finding | None, np.ndarray, bool]:
    """Rows equal to an earlier row in every column of ``df``: the finding, per row the position of its
    first copy, and whether the copies are accidental (then fit keeps each row's copies in one fold).

    Where some column has distinct values in at least half the rows, a whole row cannot repeat by
    chance; if few rows repeat (at most 5 %), they were entered twice, and a model validated on a row
    it trained on looks better than it is. Where every column has few values, rows repeat by nature;
    where many rows repeat, the data were collected with repeats (several records of one case) and
    new data will hold them too: in both cases nothing is done.
    """
    hashes = pd.util.hash_pandas_object(df, index=False).to_numpy()
    first = pd.Series(np.arange(len(df))).groupby(hashes, sort=False).transform("min").to_numpy()
    n_dup = int((first != np.arange(len(df))).sum())
    if n_dup == 0:
        return None, first, False
    conflicts = ""
    if target is not None:
        x = pd.util.hash_pandas_object(df.drop(columns=[target]), index=False).to_numpy()
        targets = pd.Series(df[target].astype(str).to_numpy()).groupby(x).nunique()
        if (targets > 1).any():
            conflicts = f"; {int((targets > 1).sum())} sets of rows have equal features but a different target"
    reason = f"{n_dup} rows ({n_dup / len(df):.1%}) repeat an earlier row{conflicts}"
    distinct = [str(c) for c in df.columns if c != target and df[c].nunique() >= DISTINCT_SHARE * len(df)]
    if not distinct:
        return Finding("duplicate_rows", None, reason, "kept as they are: every column has few distinct values, "
                       "so rows repeat by nature"), first, False
    if n_dup > ACCIDENT_SHARE * len(df):
        return Finding("duplicate_rows", None, reason, "kept as they are: too many to be rows entered twice by "
                       "mistake, so the data hold repeats by design, and new data will too"), first, False
    return Finding("duplicate_rows", None, f"{reason}, although '{distinct[0]}' has a distinct value in most rows "
                   "(entered twice?)", "kept, and the copies of a row share one cross-validation fold, so validation "
                   "never scores a row the model trained on"), first, True


def leakage(df: pd.DataFrame, schema: Schema, y: np.ndarray, classification: bool,
            power: dict[str, float]) -> list[Finding]:
    """Columns that give the target away: a copy or transform of it, or a value known only after it.

    Three signs, each measured out of fold or by rank (see profile.association): the column alone
    predicts the target almost perfectly (predictive power >= 0.98); its values map one-to-one onto
    the target's classes (as many values as classes, power >= 0.9: a relabelled copy); its rank
    correlation with a numeric target is >= 0.99 (a monotonic transform).
    """
    out = []
    n_classes = len(np.unique(y)) if classification else 0
    for col in schema.features:
        p = power.get(col.name, 0.0)
        what = None
        if p >= LEAK_POWER:
            what = f"on its own it predicts the target with predictive power {p:.3f} out of fold (1 is perfect)"
        elif (classification and p >= RELABEL_POWER and col.n_unique == n_classes
              and col.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.NUMERIC)):
            what = (f"its {n_classes} values stand for the target's {n_classes} classes (predictive power {p:.3f} "
                    "out of fold)")
        elif not classification and col.kind is ColumnKind.NUMERIC and p >= 0.8:  # a transform of y has power too
            rank = abs(_spearman(df[col.name], col, y))
            if rank >= LEAK_RANK:
                what = f"its rank correlation with the target is {rank:.3f}"
        if what is not None:
            out.append(Finding("leakage", col.name, f"{what}: a copy of the target or a value known only after it",
                               _keep_hint(col.name), True))
    return out


def _spearman(s: pd.Series, col: Column, y: np.ndarray) -> float:
    v = pd.Series(col.floats(s))
    ok = np.isfinite(v.to_numpy()) & np.isfinite(y)
    if ok.sum() < 10:
        return 0.0
    r = pd.Series(v[ok].to_numpy()).rank().corr(pd.Series(y[ok]).rank())
    return 0.0 if not np.isfinite(r) else float(r)
