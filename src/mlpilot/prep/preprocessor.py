"""The table preprocessor: the Schema's feature columns in, one float matrix out."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlpilot.data.schema import SMALL_BATCH, Column, ColumnKind, Schema, parse_numeric_values
from mlpilot.exceptions import NotFittedError
from mlpilot.prep.steps import (
    BooleanStep,
    CategoricalStep,
    DatetimeStep,
    FormattedNumberStep,
    NumericStep,
    Step,
    TextStep,
)

__all__ = ["TablePreprocessor"]


_STEP_FOR_KIND: dict[ColumnKind, type[Step]] = {
    ColumnKind.NUMERIC: NumericStep,
    ColumnKind.BOOLEAN: BooleanStep,
    ColumnKind.CATEGORICAL: CategoricalStep,
    ColumnKind.DATETIME: DatetimeStep,
    ColumnKind.TEXT: TextStep,
}


def _step(column: Column) -> Step:
    if column.kind is ColumnKind.NUMERIC and column.number_format is not None:
        return FormattedNumberStep(column.name, column.number_format)
    return _STEP_FOR_KIND[column.kind](column.name)


class TablePreprocessor:
    """Encodes every feature column of a Schema; missing values stay NaN.

    Categorical columns become integer codes (listed in ``categorical_``) so that tree
    models can split on them natively; other families one-hot encode them in their fit.
    """

    def __init__(self, schema: Schema):
        self.schema = schema
        self.steps_: list[Step] | None = None

    def fit(self, df: pd.DataFrame) -> TablePreprocessor:
        self.steps_ = [_step(c).fit(df[c.name]) for c in self.schema.features]
        return self

    def _check(self) -> list[Step]:
        if self.steps_ is None:
            raise NotFittedError("This TablePreprocessor is not fitted yet; call fit first.")
        return self.steps_

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        steps = self._check()
        if not steps:
            return np.zeros((len(df), 0))
        kinds = self._kinds(df, steps)
        blocks: list[np.ndarray | None] = [None] * len(steps)
        for kind in ("plain", "text"):  # numeric columns: read in one call each (not one per column)
            at = [i for i, k in enumerate(kinds) if k == kind]
            if at:
                block = self._read(df, kind, [steps[i].column for i in at])
                for j, i in enumerate(at):
                    blocks[i] = block[:, j:j + 1]
        for i, kind in enumerate(kinds):
            if kind == "own":
                blocks[i] = steps[i].transform(df[steps[i].column])
        return np.hstack(blocks)

    def unseen_categories(self, df: pd.DataFrame) -> dict[str, int]:
        """Per categorical column of ``df``, how many values the model never saw in training (or saw
        too rarely to keep); only columns with any."""
        counts = {step.column: step.unseen(df[step.column]) for step in self._check()
                  if isinstance(step, CategoricalStep) and step.column in df.columns}
        return {k: v for k, v in counts.items() if v}

    @staticmethod
    def _kinds(df: pd.DataFrame, steps: list[Step]) -> list[str]:
        """Per step: "plain" (numeric, stored as numbers), "text" (numeric, stored as strings, in a
        small batch: parsed in plain Python), or "own" (the step transforms its column itself)."""
        dtypes = dict(zip(df.columns, df.dtypes))  # one call: df[name] costs ~25 us a column
        small = len(df) <= SMALL_BATCH
        kinds = []
        for step in steps:
            dtype = dtypes[step.column]
            kind = "own"
            if type(step) is NumericStep and not pd.api.types.is_bool_dtype(dtype):
                kind = "plain" if pd.api.types.is_numeric_dtype(dtype) else "text" if small else "own"
            kinds.append(kind)
        return kinds

    @staticmethod
    def _read(df: pd.DataFrame, kind: str, columns: list[str]) -> np.ndarray:
        if kind == "text":
            block = parse_numeric_values(df[columns].to_numpy(dtype=object))
        else:
            block = df[columns].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        block[~np.isfinite(block)] = np.nan
        return block

    def fit_transform(self, df: pd.DataFrame) -> np.ndarray:
        return self.fit(df).transform(df)

    @property
    def feature_names_(self) -> list[str]:
        return [n for step in self._check() for n in step.names]

    @property
    def categorical_(self) -> dict[int, int]:
        """Output position of each categorical code column -> its number of codes."""
        out, pos = {}, 0
        for step in self._check():
            if isinstance(step, CategoricalStep):
                out[pos] = step.cardinality
            pos += len(step.names)
        return out

    @property
    def source_columns_(self) -> list[str]:
        """For each output feature, the input column it comes from (for explanations)."""
        return [step.column for step in self._check() for _ in step.names]

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [s.to_dict() for s in self._check()]}

    @classmethod
    def from_dict(cls, schema: Schema, d: dict[str, Any]) -> TablePreprocessor:
        pre = cls(schema)
        pre.steps_ = [Step.from_dict(s) for s in d["steps"]]
        return pre
