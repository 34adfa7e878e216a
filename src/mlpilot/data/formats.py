"""Numbers written as text with a unit, a currency sign or thousands separators ("$1,200", "12.5 kg", "45%").

A column qualifies when nearly all its values share one written form; that form (a
:class:`NumberFormat`) is kept in the Schema, so that training, validation and serving
read the column the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NumberFormat", "detect_number_format", "parse_formatted"]

# an optional currency sign, a number (grouped by commas or not), an optional unit of letters or signs
_FORMATTED = re.compile(r"^(?P<pre>[$€£¥₹])?\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)"
                        r"\s*(?P<suf>%|‰|[A-Za-z°µ²³/]{1,8})?$")
FORMAT_SHARE = 0.95  # of the non-missing values that must read as numbers in the column's one written form


@dataclass(frozen=True)
class NumberFormat:
    """How a column writes its numbers: a currency sign before, a unit after, commas between thousands."""

    prefix: str = ""
    suffix: str = ""
    thousands: bool = False

    def describe(self) -> str:
        parts = [f"'{self.prefix}' before" if self.prefix else "", f"'{self.suffix}' after" if self.suffix else "",
                 "commas between thousands" if self.thousands else ""]
        return ", ".join(p for p in parts if p)

    def example(self) -> str:
        number = "1,234.5" if self.thousands else "1234.5"
        return f"{self.prefix}{number}{' ' + self.suffix if len(self.suffix) > 1 else self.suffix}"

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> NumberFormat | None:
        return None if d is None else cls(**d)


def detect_number_format(values: pd.Series) -> NumberFormat | None:
    """The one written form that at least 95 % of ``values`` (non-missing strings) share, or None.

    Plain numbers fit any form; a form must have a sign, a unit or thousands separators.
    """
    if values.empty:
        return None
    text = values.astype(str).str.strip()
    found = text.str.extract(_FORMATTED)
    matched = found["num"].notna()
    if matched.mean() < FORMAT_SHARE:
        return None
    affixes = Counter(zip(found.loc[matched, "pre"].fillna(""), found.loc[matched, "suf"].fillna("")))
    affixes.pop(("", ""), None)
    grouped = bool(found.loc[matched, "num"].str.contains(",", regex=False).any())
    (prefix, suffix), _ = affixes.most_common(1)[0] if affixes else (("", ""), 0)
    if not (prefix or suffix or grouped):
        return None
    fmt = NumberFormat(prefix, suffix, grouped)
    return fmt if parse_formatted(values, fmt).notna().mean() >= FORMAT_SHARE else None


def parse_formatted(s: pd.Series, fmt: NumberFormat) -> pd.Series:
    """Values written in ``fmt`` (or as plain numbers) to floats; anything else becomes NaN."""
    text = s.astype("string").str.strip()
    if fmt.prefix:
        text = text.str.removeprefix(fmt.prefix).str.lstrip()
    if fmt.suffix:
        text = text.str.removesuffix(fmt.suffix).str.rstrip()
    if fmt.thousands:
        ok = text.str.fullmatch(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?").fillna(False)
        text = text.where(ok).str.replace(",", "", regex=False)
    out = pd.to_numeric(text, errors="coerce").astype("float64")
    out[~np.isfinite(out.to_numpy())] = np.nan
    return out
