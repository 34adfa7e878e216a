"""`mlpilot` command line: fit, predict, evaluate, import, serve, and `models` for the registry.

Errors a user can fix (MlpilotError) print one line on stderr and exit 2; a bug exits 1.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from mlpilot.exceptions import MlpilotError

_STARTED = time.monotonic()

app = typer.Typer(
    name="mlpilot",
    help=(
        "A machine-learning engineer on autopilot: give it a table, get a tested, saved model.\n\n"
        "Typical session:\n\n"
        "  mlpilot report train.csv --target outcome               (data report.html)\n\n"
        "  mlpilot fit train.csv --target outcome --time-limit 60 --out model\n\n"
        "  mlpilot predict model new.csv --out predictions.csv\n\n"
        "  mlpilot evaluate model test.csv\n\n"
        "  mlpilot explain model new.csv --out why.csv              (each column's part in each prediction)\n\n"
        "  mlpilot fit train.csv --target outcome --name churn      (register it as version 1, 2, ...)\n\n"
        "  mlpilot serve churn --port 8000                          (HTTP: /v1, KServe v2, /metrics, /docs)\n\n"
        "  mlpilot models list | show | promote | rollback | delete | export\n\n"
        "  mlpilot monitor churn                                   (drift, live accuracy)\n\n"
        "  mlpilot retrain churn                                   (promoted only if better)\n\n"
        "DATA is a csv, tsv, parquet, json, jsonl or xlsx file, or a query given with --sql "
        "(and --db URL for a database). Exit codes: 0 ok, 2 bad input or usage, 1 internal error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

logger = logging.getLogger("mlpilot.cli")


def _add_subcommands() -> None:
    from mlpilot.cli.explain import explain
    from mlpilot.cli.models import models_app
    from mlpilot.cli.monitor import monitor
    from mlpilot.cli.report import report
    from mlpilot.cli.retrain import retrain
    from mlpilot.cli.serve import serve

    app.command()(explain)
    app.command()(report)
    app.add_typer(models_app)
    app.command()(serve)
    app.command()(monitor)
    app.command()(retrain)

DataArg = Annotated[Optional[Path], typer.Argument(help="Table file: csv, tsv, parquet, json, jsonl or xlsx.",
                                                   show_default=False)]
SqlOpt = Annotated[Optional[str], typer.Option("--sql", help="Read DATA from this SQL query instead of a file.")]
DbOpt = Annotated[Optional[str], typer.Option(
    "--db", help="Database for --sql: a DuckDB file or a SQLAlchemy URL (sqlite:///x.db, postgresql://...). "
                 "Without it, DuckDB runs the query and can read files: SELECT * FROM 'data.parquet'.")]
VerboseOpt = Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log output (-vv for debug).")]


def _setup_logging(verbose: int) -> None:
    from rich.logging import RichHandler

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = RichHandler(console=__import__("rich.console").console.Console(stderr=True), show_path=False,
                          show_time=verbose > 1, markup=False)
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)


def _read(data: Path | None, sql: str | None, db: str | None):
    """The table from DATA or --sql; io raises ConfigError when neither or both are given."""
    from mlpilot.data.io import read_table

    return read_table(data, sql=sql, db=db)


def _source(data: Path | None, sql: str | None) -> str:
    """How error messages name the input: the data file, or the query."""
    if sql:
        short = " ".join(sql.split())
        return f"the SQL query '{short if len(short) <= 60 else short[:57] + '...'}'"
    return f"data file '{data}'"


def _load(model: str):
    """The bundle MODEL names (a folder or a registry reference), loaded with every file's sha256 checked."""
    from mlpilot.bundle.predictor import load
    from mlpilot.cli.models import resolve_model

    return load(resolve_model(model))


@app.command()
def fit(
    data: DataArg = None,
    target: Annotated[str, typer.Option("--target", "-t", help="The column to predict.", show_default=False)] = ...,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds for the whole fit, saving included.")] = 60.0,
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression.")] = "auto",
    metric: Annotated[str, typer.Option(help="auto, auc, logloss, accuracy, balanced_accuracy, f1, rmse, mae or r2.")] = "auto",
    preset: Annotated[str, typer.Option(help="fast, balanced or best.")] = "balanced",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    max_latency_ms: Annotated[Optional[float], typer.Option(
        "--max-latency-ms", help="Keep only ensembles that predict one row within this many milliseconds "
                                 "(in-process, input checks included).", min=0.001)] = None,
    families: Annotated[Optional[str], typer.Option(
        "--families", help="Only these model families, comma-separated (e.g. lightgbm for a single booster): "
                           "lightgbm, xgboost, catboost, random_forest, extra_trees, linear, knn, mlp.")] = None,
    keep: Annotated[Optional[list[str]], typer.Option(
        "--keep", metavar="COL", help="Use these columns even if the data checks would drop them (identifier, constant, leak...); "
                       "repeat, or separate by commas.")] = None,
    drop: Annotated[Optional[list[str]], typer.Option(
        "--drop", metavar="COL", help="Do not use these columns; repeat, or separate by commas.")] = None,
    deterministic: Annotated[bool, typer.Option(
        "--deterministic", help="Run every candidate of the preset to the end, ignoring --time-limit: "
                                "the same data and --seed give the same model.")] = False,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Directory to save the model bundle in (default: ./model, or only the registry "
                            "with --name).")] = None,
    name: Annotated[Optional[str], typer.Option(
        "--name", help="Register the model as the next version of NAME (see `mlpilot models`); the first "
                       "version of a name becomes its champion.")] = None,
    sql: SqlOpt = None,
    db: DbOpt = None,
    report: Annotated[Optional[Path], typer.Option(
        "--report", help="Also write the model's page (.html): leaderboard, column importance, one row's "
                         "contributions, partial dependence.", show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or leaderboard.")] = False,
    verbose: VerboseOpt = 0,
) -> None:
    """Train models on DATA to predict --target, pick the best, save it to --out and/or register it.

    Example: mlpilot fit train.csv --target outcome --time-limit 60 --out model

    Example: mlpilot fit train.csv --target outcome --name churn
    """
    _setup_logging(verbose)
    from mlpilot.cli.output import check_html_path, leaderboard_table, stdout_console
    from mlpilot.bundle.store import check_bundle_target
    from mlpilot.cli.progress import FitProgress
    from mlpilot.cli.explain import print_importance, write_report
    from mlpilot.cli.report import print_findings, split_columns
    from mlpilot.pipeline import fit as run_fit

    spent = time.monotonic() - _STARTED + _import_seconds()
    if name is not None:
        from mlpilot.registry.store import check_name

        check_name(name)  # before training, not after
    staged = _staging_dir() if out is None and name is not None else None  # saved only to be moved
    out = out or (staged / "bundle" if staged else Path("model"))
    if report is not None:
        check_html_path(report, "--report")
    try:
        check_bundle_target(out)
        df = _read(data, sql, db)
        with FitProgress(time_limit, spent, enabled=not quiet) as bar:
            predictor = run_fit(df, target, time_limit=time_limit, task=task, metric=metric, preset=preset,
                                seed=seed, out=out, on_event=bar.on_event, time_spent=spent,
                                deterministic=deterministic, max_latency_ms=max_latency_ms,
                                families=None if families is None else [f.strip() for f in families.split(",")],
                                keep=split_columns(keep), drop=split_columns(drop))
        registered = None
        if name is not None:
            from mlpilot.cli.models import register_fitted

            registered = register_fitted(out, name, move=staged is not None, data=df)
    finally:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
    if not quiet:
        console = stdout_console()
        print_findings(console, predictor.info.get("cleaning", []))
        console.print(leaderboard_table(predictor.leaderboard(),
                                        f"Leaderboard ({predictor.task}, validation {predictor.metric})"))
        for item in predictor.info.get("skipped", []):
            console.print(f"Skipped {item['model']}: {item['reason']}", markup=False)
        print_importance(console, predictor.info.get("explanations"))
        console.print(f"Saved model to {'the registry' if staged else out} ({predictor.info['fit_seconds']:.1f} s; "
                      f"one row predicts in {predictor.info['latency_ms']:.2f} ms).")
    if report is not None:
        write_report(predictor, df, report, f"Model for {target}")
        typer.echo(f"Wrote {report}", err=True)
    if registered is not None:
        typer.echo(registered)


def _staging_dir() -> Path:
    """A new folder under MLPILOT_HOME for a bundle on its way into the registry (same disk: a move)."""
    import tempfile

    from mlpilot import config

    root = config.home() / "staging"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root))


@app.command("import")
def import_(
    pipeline: Annotated[Path, typer.Argument(help="Your model: a scikit-learn pipeline saved with skops.io.dump "
                                                 "(.skops) or an ONNX graph (.onnx).", show_default=False)],
    sample: Annotated[Path, typer.Option("--sample", help="A sample of its training data, target included: its "
                                                          "columns become the Schema that requests are checked "
                                                          "against.", show_default=False)],
    target: Annotated[str, typer.Option("--target", "-t", help="The target column of the sample.",
                                        show_default=False)],
    name: Annotated[str, typer.Option("--name", help="Register it as the next version of NAME.",
                                      show_default=False)],
    task: Annotated[str, typer.Option(help="auto, binary, multiclass or regression.")] = "auto",
    trust: Annotated[Optional[list[str]], typer.Option(
        "--trust", help="A type the skops file may build beyond NumPy and scikit-learn (repeat for each); the "
                        "error lists the ones needed.")] = None,
    verbose: VerboseOpt = 0,
) -> None:
    """Register a model trained elsewhere, to serve, validate and monitor it like one of mlpilot's.

    Example: mlpilot import churn.skops --sample train.csv --target churned --name churn
    """
    _setup_logging(verbose)
    from mlpilot.cli.models import register_fitted
    from mlpilot.importer import import_model
    from mlpilot.registry.store import check_name

    check_name(name)
    staged = _staging_dir()
    try:
        model = import_model(pipeline, _read(sample, None, None), target, task=task, trust=tuple(trust or ()),
                             out=staged / "bundle")
        registered = register_fitted(staged / "bundle", name, move=True, source="import")
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    board = model.board[0]
    typer.echo(f"Imported {pipeline.name} ({model.task}); {model.metric} on the sample rows (seen in training, "
               f"so optimistic): {board[f'val_{model.metric}']:.4f}.")
    typer.echo(registered)


@app.command()
def predict(
    model: Annotated[str, typer.Argument(help="A bundle directory (from `mlpilot fit --out`), or a registered "
                                              "model: NAME, NAME:VERSION or NAME@ALIAS.")],
    data: DataArg = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Predictions file (.csv or .parquet); "
                                                "without it, csv goes to stdout.")] = None,
    sql: SqlOpt = None,
    db: DbOpt = None,
    verbose: VerboseOpt = 0,
) -> None:
    """Predict for every row of DATA with MODEL.

    Classification: one probability column per class (named by the label) and `prediction`;
    regression: a `prediction` column. Rows keep the input order.
    """
    _setup_logging(verbose)
    from mlpilot.cli.output import check_predictions_path, write_predictions

    if out is not None:
        check_predictions_path(out)
    predictor = _load(model)
    df = _read(data, sql, db)
    preds = _predictions(predictor, df, _source(data, sql))
    if out is None:
        preds.to_csv(sys.stdout, index=False)
    else:
        write_predictions(preds, out)


def _predictions(predictor, df, source: str):
    import pandas as pd

    if not predictor.task.is_classification:
        return pd.DataFrame({"prediction": predictor.predict(df, source)})
    proba = predictor.predict_proba(df, source)
    out = proba.set_axis([str(c) for c in proba.columns], axis=1).reset_index(drop=True)
    out["prediction"] = [str(c) for c in proba.columns.to_numpy()[proba.to_numpy().argmax(axis=1)]]
    return out


@app.command()
def evaluate(
    model: Annotated[str, typer.Argument(help="A bundle directory, or NAME, NAME:VERSION or NAME@ALIAS.")],
    data: DataArg = None,
    sql: SqlOpt = None,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    verbose: VerboseOpt = 0,
) -> None:
    """Score MODEL on DATA, which must hold the target column."""
    _setup_logging(verbose)
    from mlpilot.cli.output import metrics_table, stdout_console

    predictor = _load(model)
    metrics = predictor.evaluate(_read(data, sql, db), _source(data, sql))
    if as_json:
        typer.echo(json.dumps(metrics))
    else:
        stdout_console().print(metrics_table(metrics, f"{model} on {data or 'query'} ({predictor.task})"))


def _import_seconds() -> float:
    """Seconds between process start and the import of this module (interpreter start-up)."""
    try:
        import psutil

        return max(0.0, time.time() - psutil.Process(os.getpid()).create_time() - (time.monotonic() - _STARTED))
    except Exception:  # noqa: BLE001 - psutil may be unavailable or restricted; start-up then counts as 0
        return 0.0


def _one_line(err: BaseException) -> str:
    """The message on one line: a line break in it would break the one-line contract on stderr."""
    return " ".join(line.strip() for line in str(err).splitlines() if line.strip())


def _click_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(usage errors, aborts) of the click in use: typer >= 0.2x vendors it, older typer imports it."""
    usage: list[type[BaseException]] = []
    aborts: list[type[BaseException]] = [typer.Abort]
    if hasattr(typer, "TyperException"):
        usage.append(typer.TyperException)
    try:
        import click
    except ImportError:
        pass
    else:
        usage.append(click.ClickException)
        aborts.append(click.exceptions.Abort)
    return tuple(usage), tuple(aborts)


_add_subcommands()  # after the commands above: `--help` lists them in this order


def main() -> None:
    """Entry point: run the app, turning user errors into one line and exit code 2."""
    usage_errors, aborts = _click_errors()
    try:
        code = app(standalone_mode=False)
    except MlpilotError as err:
        typer.echo(f"error: {_one_line(err)}", err=True)
        sys.exit(2)
    except usage_errors as err:
        show = getattr(err, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"Error: {err}", err=True)
        sys.exit(2)
    except aborts:
        typer.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - last resort: a bug, not bad input
        if os.environ.get("MLPILOT_DEBUG"):
            raise
        typer.echo(f"internal error: {type(err).__name__}: {_one_line(err)} (set MLPILOT_DEBUG=1 for the "
                   "traceback)", err=True)
        sys.exit(1)
    if isinstance(code, int) and code:  # a typer.Exit(code) raised by a command
        sys.exit(code)
