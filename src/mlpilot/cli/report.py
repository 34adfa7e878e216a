"""`mlpilot report`: the data report of a table, or the one kept with a trained model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlpilot.exceptions import ConfigError

__all__ = ["report", "print_findings", "split_columns"]


def split_columns(values: list[str] | None) -> list[str]:
    """Column names from repeated options, each of which may also be comma-separated."""
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


def print_findings(console, findings: list[dict]) -> None:
    """The data checks' findings, one line each: what was seen in which column and what fit did."""
    if not findings:
        return
    console.print("Data checks:", style="bold")
    for f in findings:
        where = f"'{f['column']}'" if f["column"] is not None else "table"
        style = "red" if f["drop"] else "yellow"
        console.print(f"  [{style}]{f['title']}[/{style}] {where}: ", end="")
        console.print(f"{f['reason']}; {f['action']}.", markup=False, highlight=False)


def report(
    data: Annotated[Optional[Path], typer.Argument(help="Table file: csv, tsv, parquet, json, jsonl or xlsx.",
                                                   show_default=False)] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    target: Annotated[Optional[str], typer.Option(
        "--target", "-t", help="The column a model would predict: adds its distribution, each column's "
                               "association with it, and the leakage checks.", show_default=False)] = None,
    test: Annotated[Optional[Path], typer.Option(
        "--test", help="A test table: the report counts its rows that also appear in DATA.", show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", help="Instead of DATA: the report kept with a trained model (a bundle directory, NAME, "
                        "NAME:VERSION or NAME@ALIAS).", show_default=False)] = None,
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression (with --target).")] = "auto",
    keep: Annotated[Optional[list[str]], typer.Option(
        "--keep", metavar="COL", help="Columns to use even if the checks would drop them (repeat, or separate by commas).")] = None,
    drop: Annotated[Optional[list[str]], typer.Option(
        "--drop", metavar="COL", help="Columns not to use (repeat, or separate by commas).")] = None,
    sql: Annotated[Optional[str], typer.Option("--sql", help="Read DATA from this SQL query instead of a file.")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="Database for --sql (a DuckDB file or a SQLAlchemy URL).")
                  ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log output.")] = 0,
) -> None:
    """Profile DATA into one HTML page with plots: columns, target, associations, correlations, duplicates,
    and the warnings that fit acts on (identifiers, constants, leaks, dates and numbers stored as text...).

    The page opens offline: the plotting library is inside it.

    Example: mlpilot report train.csv --target outcome --test test.csv --out report.html

    Example: mlpilot report --model churn@champion --out churn-data.html
    """
    from mlpilot.cli.app import _load, _read, _setup_logging
    from mlpilot.cli.output import check_html_path, stdout_console
    from mlpilot.profile.render import write_report
    from mlpilot.profile.summary import Profile

    _setup_logging(verbose)
    check_html_path(out, "--out")
    if model is not None:
        if data is not None or sql is not None:
            raise ConfigError("Give either DATA (or --sql) or --model, not both.")
        predictor = _load(model)
        if predictor.data_report is None:
            raise ConfigError(f"Model '{model}' keeps no data report (it was imported, or trained by an older "
                              "mlpilot); run `mlpilot report DATA --target COL` on its training data instead.")
        profile = Profile.from_dict(predictor.data_report)
        title = f"Training data of {model}"
    else:
        from mlpilot.pipeline import report as build

        test_df = None if test is None else _read(test, None, None)
        profile = build(_read(data, sql, db), target, test=test_df, task=task, keep=split_columns(keep),
                        drop=split_columns(drop))
        title = f"Data report: {data.name if data is not None else 'query'}"
    path = write_report(profile, out, title)
    console = stdout_console()
    print_findings(console, profile.findings)
    console.print(f"Wrote {path} ({profile.n_rows:,} rows, {profile.n_columns} columns, "
                  f"{len(profile.findings)} warnings).", markup=False)
