"""`mlpilot explain`: each column's contribution to each row's prediction; and the summary and page of a
model's global explanations, which `mlpilot fit` prints and writes too."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

__all__ = ["explain", "print_importance", "write_report"]

SHOWN = 10  # columns in fit's importance summary


def print_importance(console, explanations: dict[str, Any] | None) -> None:
    """The most important columns with their spread, and the columns dropped before training."""
    if not explanations:
        return
    imp = explanations.get("importance")
    if imp:
        console.print(f"Column importance ({imp['metric']} lost when shuffled, held-out rows, ± sd over "
                      f"{imp['repeats']} repeats):", style="bold")
        width = max(len(c["column"]) for c in imp["columns"][:SHOWN])
        for c in imp["columns"][:SHOWN]:
            console.print(f"  {c['column']:<{width}}  {c['importance']:+.4f} ± {c['std']:.4f}", markup=False,
                          highlight=False)
        if len(imp["columns"]) > SHOWN:
            console.print(f"  ... and {len(imp['columns']) - SHOWN} more (mlpilot fit --report shows all)")
    else:
        console.print("Column importance: not computed (no time was left within --time-limit).")
    dropped = explanations.get("dropped") or []
    if dropped:
        console.print("Dropped before training (not unimportant: never seen by the model): "
                      + ", ".join(f"{d['column']} ({d['reason']})" for d in dropped), markup=False, highlight=False)


def write_report(predictor, df, path: Path, title: str) -> Path:
    """The model page of ``predictor``, showing the first row of ``df`` explained."""
    from mlpilot.evaluate.page import write_model_page

    sample = df.drop(columns=[predictor.target], errors="ignore").head(1)
    contributions = predictor.explain(sample) if predictor.external is None and len(sample) else None
    return write_model_page(predictor.info, predictor.board, contributions, path, title,
                            str(predictor.target or "prediction"))


def explain(
    model: Annotated[str, typer.Argument(help="A bundle directory, or a registered model: NAME, NAME:VERSION or "
                                              "NAME@ALIAS.", show_default=False)],
    data: Annotated[Optional[Path], typer.Argument(help="Table file of the rows to explain: csv, tsv, parquet, "
                                                        "json, jsonl or xlsx.", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Contributions file (.csv or .parquet); without it, csv goes to stdout.")] = None,
    class_: Annotated[Optional[str], typer.Option(
        "--class", help="Classification: explain this class's probability (default: the positive class for "
                        "binary, each row's predicted class for multiclass).", show_default=False)] = None,
    report: Annotated[Optional[Path], typer.Option(
        "--report", help="Also write the model's explanation page (.html): importance, the first row's "
                         "contributions, partial dependence.", show_default=False)] = None,
    sql: Annotated[Optional[str], typer.Option("--sql", help="Read DATA from this SQL query instead of a file.")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="Database for --sql (a DuckDB file or a SQLAlchemy URL).")
                  ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log output.")] = 0,
) -> None:
    """Explain MODEL's prediction for every row of DATA: each column's contribution.

    One row out per row in: `class` (classification), `prediction` (the value, or that class's probability),
    `baseline` (the answer with no column known), then one column per feature. The contributions add up to
    prediction - baseline: exact tree SHAP for boosted trees, a sampling estimate for other models, combined
    over the ensemble by its weights.

    Example: mlpilot explain model patients.csv --out contributions.csv --report why.html
    """
    from mlpilot.cli.app import _load, _read, _setup_logging, _source
    from mlpilot.cli.output import check_html_path, check_predictions_path, write_predictions

    _setup_logging(verbose)
    if out is not None:
        check_predictions_path(out)
    if report is not None:
        check_html_path(report, "--report")
    predictor = _load(model)
    df = _read(data, sql, db)
    if predictor.target in df.columns:  # a labelled table: the target is not an input
        df = df.drop(columns=[predictor.target])
    table = predictor.explain(df, class_, _source(data, sql)).reset_index(drop=True)
    if out is None:
        import sys

        table.to_csv(sys.stdout, index=False)
    else:
        write_predictions(table, out)
    if report is not None:
        write_report(predictor, df, report, f"Model {model}")
        typer.echo(f"Wrote {report}", err=True)
