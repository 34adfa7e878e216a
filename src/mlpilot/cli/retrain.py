"""`mlpilot retrain`: retrain a registered model on the labels that came back, and promote it only if better."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["retrain"]


def retrain(
    name: Annotated[str, typer.Argument(help="The registered model to retrain (its champion is the base).",
                                        show_default=False)],
    data: Annotated[Optional[Path], typer.Option("--data", help="More labelled rows (a table with the target "
                                                                "column), newest last, besides those logged.")] = None,
    policy: Annotated[Optional[Path], typer.Option("--policy", help="A retrain policy (TOML); the options below "
                                                                    "override it.")] = None,
    mode: Annotated[Optional[str], typer.Option("--mode", help="refit (the champion's configurations, cheap) or "
                                                               "search (a full fit).")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Seconds for the new fit.",
                                                        min=0.001)] = None,
    min_labels: Annotated[Optional[int], typer.Option("--min-labels", help="Retrain only with at least this many "
                                                                           "new labelled rows.")] = None,
    recent_share: Annotated[Optional[float], typer.Option(
        "--recent-share", help="The newest share of the new rows kept out of training to compare the models on.")
    ] = None,
    margin: Annotated[Optional[float], typer.Option("--margin", help="Promote only if the new model is better by "
                                                                     "more than this, with 95 % confidence.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why, as recorded with the decision.")] = "asked for",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log output.")] = 0,
) -> None:
    """Train a new version of NAME on the data its champion knew plus the labelled rows since (from the
    prediction log and --data), compare both on the newest labelled rows, and register the new version
    as the challenger; it becomes the champion only if it is better beyond noise. The decision and its
    evidence are recorded (see `mlpilot models show NAME`). A failure leaves the champion as it was.

    Example: mlpilot retrain churn --data labelled-june.csv --mode search --time-limit 120
    """
    from mlpilot import config
    from mlpilot.cli.app import _read, _setup_logging
    from mlpilot.cli.models import _registry
    from mlpilot.retrain.policy import load_policy
    from mlpilot.retrain.run import retrain as run_retrain
    from mlpilot.serving.predlog import LogStore

    _setup_logging(verbose)
    chosen = load_policy(policy, mode=mode, time_limit=time_limit, min_labels=min_labels, recent_share=recent_share,
                         margin=margin)
    new = None if data is None else _read(data, None, None)
    store = LogStore(config.log_root() or config.home() / "monitoring")
    outcome = run_retrain(name, _registry(), store, chosen, new, reason, seed)
    typer.echo(f"{outcome.action}: {outcome.reason}.")
