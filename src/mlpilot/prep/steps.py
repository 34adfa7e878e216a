"""Per-column encoders. Each turns one column into float columns and keeps a JSON state.

Missing values stay NaN here: gradient-boosted trees handle them natively, and model
families that cannot (linear, k-NN, MLP) impute in their own fit.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from mlpilot.data.formats import NumberFormat, parse_formatted
from mlpilot.data.schema import MAX_LEVELS, TEXT_TERMS, parse_datetime_strings, parse_numeric_strings

__all__ = ["Step", "NumericStep", "FormattedNumberStep", "BooleanStep", "CategoricalStep", "DatetimeStep", "TextStep", "STEPS"]

_TRUE = {"true", "1", "1.0", "yes", "t", "y"}


def as_text(s: pd.Series) -> np.ndarray:
    """Values as strings for matching categories: 3.0 and 3 and '3' all become '3'; NaN stays None."""
    if pd.api.types.is_float_dtype(s):
        v = s.to_numpy(dtype=float)
        out = np.where(np.mod(v, 1) == 0, np.char.mod("%d", np.nan_to_num(v).astype(np.int64)), v.astype(str))
        return np.where(np.isnan(v), None, out).astype(object)
    out = s.astype(object).to_numpy()
    mask = pd.isna(out)
    text = np.array([str(x) for x in out], dtype=object)
    text[mask] = None
    return text


class Step:
    """One column in, ``len(names)`` float columns out."""

    kind: ClassVar[str]
    categorical: ClassVar[bool] = False

    def __init__(self, column: str):
        self.column = column

    @property
    def names(self) -> list[str]:
        return [self.column]

    def fit(self, s: pd.Series) -> Step:
        return self

    def transform(self, s: pd.Series) -> np.ndarray:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, **self.state()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Step:
        step = STEPS[d["kind"]](d["column"])
        step.load_state(d)
        return step

    def load_state(self, d: dict[str, Any]) -> None:
        pass


class NumericStep(Step):
    kind = "numeric"

    def transform(self, s: pd.Series) -> np.ndarray:
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            v = parse_numeric_strings(s).to_numpy(dtype=np.float64, na_value=np.nan)
        v = v.copy()
        v[~np.isfinite(v)] = np.nan
        return v.reshape(-1, 1)


class FormattedNumberStep(Step):
    """Numbers written as text in one form ("$1,200", "12 kg"): the sign, unit and separators are removed."""

    kind = "formatted_number"

    def __init__(self, column: str, number_format: NumberFormat | None = None):
        super().__init__(column)
        self.number_format = number_format or NumberFormat()

    def transform(self, s: pd.Series) -> np.ndarray:
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            v = s.to_numpy(dtype=np.float64, na_value=np.nan).copy()
            v[~np.isfinite(v)] = np.nan
        else:
            v = parse_formatted(s, self.number_format).to_numpy(dtype=np.float64, na_value=np.nan)
        return v.reshape(-1, 1)

    def state(self) -> dict[str, Any]:
        return {"number_format": asdict(self.number_format)}

    def load_state(self, d: dict[str, Any]) -> None:
        self.number_format = NumberFormat(**d["number_format"])


class BooleanStep(Step):
    kind = "boolean"

    def transform(self, s: pd.Series) -> np.ndarray:
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            return s.to_numpy(dtype=np.float64, na_value=np.nan).reshape(-1, 1)
        text = s.astype("string").str.strip().str.lower()
        v = np.where(text.isna(), np.nan, text.isin(_TRUE).astype(float))
        return v.astype(np.float64).reshape(-1, 1)


class CategoricalStep(Step):
    """Integer codes by frequency; rare and unseen values share the last code, missing stays NaN."""

    kind = "categorical"
    categorical = True

    def fit(self, s: pd.Series) -> CategoricalStep:
        counts = pd.Series(as_text(s)).value_counts()
        keep = counts[counts >= 2] if (counts >= 2).sum() >= 2 else counts
        self.levels = [str(x) for x in keep.index[:MAX_LEVELS]]
        self._index = pd.Index(self.levels)
        return self

    @property
    def cardinality(self) -> int:
        return len(self.levels) + 1

    def transform(self, s: pd.Series) -> np.ndarray:
        text = as_text(s)
        codes = self._index.get_indexer(text).astype(np.float64)
        codes[codes < 0] = len(self.levels)
        codes[pd.isna(text)] = np.nan
        return codes.reshape(-1, 1)

    def unseen(self, s: pd.Series) -> int:
        """How many known (not missing) values of ``s`` are not among the levels kept in training."""
        text = as_text(s)
        return int(((self._index.get_indexer(text) < 0) & ~pd.isna(text)).sum())

    def state(self) -> dict[str, Any]:
        return {"levels": self.levels}

    def load_state(self, d: dict[str, Any]) -> None:
        self.levels = list(d["levels"])
        self._index = pd.Index(self.levels)


class DatetimeStep(Step):
    kind = "datetime"
    PARTS = ("year", "month", "day", "day_of_week", "hour")

    @property
    def names(self) -> list[str]:
        return [f"{self.column}.{p}" for p in self.PARTS] + [f"{self.column}.days"]

    @staticmethod
    def _parse(s: pd.Series) -> pd.Series:
        if pd.api.types.is_datetime64_any_dtype(s):
            return s.dt.tz_convert(None) if getattr(s.dt, "tz", None) is not None else s
        return parse_datetime_strings(s)

    def transform(self, s: pd.Series) -> np.ndarray:
        d = self._parse(s)
        parts = [getattr(d.dt, p).to_numpy(dtype=np.float64, na_value=np.nan) for p in self.PARTS]
        ns = d.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        days = np.where(d.isna().to_numpy(), np.nan, ns / 86_400e9)
        return np.column_stack(parts + [days])


class TextStep(Step):
    """TF-IDF of words and word pairs (the most frequent terms), plus length and word count."""

    kind = "text"
    MAX_TERMS = TEXT_TERMS

    @property
    def names(self) -> list[str]:
        terms = sorted(self.vocabulary, key=self.vocabulary.get)
        return [f"{self.column}.len", f"{self.column}.words"] + [f"{self.column}[{t}]" for t in terms]

    def _vectorizer(self, vocabulary=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(max_features=self.MAX_TERMS, min_df=2, ngram_range=(1, 2), sublinear_tf=True,
                               vocabulary=vocabulary, dtype=np.float64)

    def fit(self, s: pd.Series) -> TextStep:
        docs = s.fillna("").astype(str)
        vec = self._vectorizer()
        try:
            vec.fit(docs)
            self.vocabulary = {k: int(v) for k, v in vec.vocabulary_.items()}
            self.idf = [float(x) for x in vec.idf_]
        except ValueError:  # no term appears twice: keep only the length features
            self.vocabulary, self.idf = {}, []
        self._vec = self._restore()
        return self

    def _restore(self):
        if not self.vocabulary:
            return None
        vec = self._vectorizer(self.vocabulary)
        vec.idf_ = np.asarray(self.idf)
        return vec

    def transform(self, s: pd.Series) -> np.ndarray:
        docs = s.fillna("").astype(str)
        lengths = docs.str.len().to_numpy(dtype=np.float64)
        words = docs.str.split().str.len().to_numpy(dtype=np.float64)
        base = np.column_stack([lengths, words])
        if self._vec is None:
            return base
        return np.hstack([base, self._vec.transform(docs).toarray()])

    def state(self) -> dict[str, Any]:
        return {"vocabulary": self.vocabulary, "idf": self.idf}

    def load_state(self, d: dict[str, Any]) -> None:
        self.vocabulary = {k: int(v) for k, v in d["vocabulary"].items()}
        self.idf = list(d["idf"])
        self._vec = self._restore()


STEPS: dict[str, type[Step]] = {c.kind: c for c in (NumericStep, FormattedNumberStep, BooleanStep, CategoricalStep,
                                                    DatetimeStep, TextStep)}
