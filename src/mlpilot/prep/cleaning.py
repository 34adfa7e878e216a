"""Cleaning decided by the data checks: which columns fit drops, with the user's --keep and --drop on top.

Nothing is dropped silently: every dropped column has a Finding that says why, and its
``dropped`` reason in the Schema.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from mlpilot.data.schema import Schema
from mlpilot.exceptions import SchemaError
from mlpilot.profile.checks import Finding

__all__ = ["check_choices", "apply_findings"]


def check_choices(columns: Sequence[str], target: str | None, keep: Sequence[str], drop: Sequence[str]) -> None:
    """Raise SchemaError if --keep or --drop names a column that is not in the data, the target, or both."""
    for option, names in (("--keep", keep), ("--drop", drop)):
        for name in names:
            if name == target:
                raise SchemaError(f"{option} names '{name}', the target column; name a feature column instead.")
            if name not in columns:
                import difflib

                close = difflib.get_close_matches(name, columns, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise SchemaError(f"{option} names column '{name}', which is not in the data.{hint}")
    both = sorted(set(keep) & set(drop))
    if both:
        raise SchemaError(f"Column '{both[0]}' is given to both --keep and --drop; give it to one of them.")


def apply_findings(schema: Schema, findings: Sequence[Finding], keep: Sequence[str] = (),
                   drop: Sequence[str] = ()) -> tuple[Schema, list[Finding]]:
    """The Schema with the columns the findings drop marked as dropped (unless in ``keep``) and those in
    ``drop`` too; and the findings with their actions as carried out (a kept column says so)."""
    out: list[Finding] = []
    reasons: dict[str, str] = {}
    for f in findings:
        if f.drop and f.column in keep:
            f = Finding(f.code, f.column, f.reason, "kept, as --keep asks", False)
        elif f.drop and f.column is not None:
            reasons.setdefault(f.column, f"{f.code}: {f.reason}")
        out.append(f)
    for name in drop:
        reasons[name] = "user_drop: --drop"
        out.append(Finding("user_drop", name, "named by --drop", "dropped", True))
    columns = tuple(dataclasses.replace(c, dropped=reasons.get(c.name, c.dropped if c.name not in keep else None))
                    for c in schema.columns)
    return dataclasses.replace(schema, columns=columns), out
