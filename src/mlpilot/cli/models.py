"""`mlpilot models ...`: the registry from the command line (list, show, promote, rollback, delete, export)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["models_app", "resolve_model"]

models_app = typer.Typer(
    name="models",
    help=(
        "The model registry: named models with numbered versions and the aliases champion and challenger.\n\n"
        "Register with `mlpilot fit ... --name NAME`; refer to a version as NAME (its champion), NAME:3 or "
        "NAME@challenger wherever a MODEL is asked for. The registry lives under MLPILOT_HOME "
        "(default ~/.mlpilot); set MLPILOT_DB_URL to keep its metadata in PostgreSQL."
    ),
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _registry():
    from mlpilot.registry import Registry

    return Registry()


def resolve_model(model: str) -> Path:
    """The bundle folder MODEL names: an existing folder, else a registry reference."""
    path = Path(model)
    if path.is_dir():
        return path
    from mlpilot.exceptions import ConfigError, NotFoundError

    try:
        return _registry().resolve(model).path
    except (ConfigError, NotFoundError) as err:
        raise NotFoundError(f"MODEL '{model}' is neither a bundle folder nor a registered model: {err}") from err


@models_app.command("list")
def list_models(as_json: JsonOpt = False) -> None:
    """Every registered model: its latest version, champion, challenger and champion's score."""
    from rich.table import Table

    from mlpilot.cli.output import stdout_console

    reg = _registry()
    rows = []
    for name in reg.names():
        found = reg.versions(name)
        held = reg.aliases(name)
        champion = next((v for v in found if v.version == held.get("champion")), None)
        rows.append({"name": name, "versions": len(found), "latest": found[0].version if found else None,
                     "champion": held.get("champion"), "challenger": held.get("challenger"),
                     "task": found[0].task if found else None,
                     "metric": champion.metric if champion else None, "score": champion.score if champion else None})
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table(title=f"Registered models ({reg.home})", title_justify="left")
    for col in ("name", "versions", "latest", "champion", "challenger", "task", "metric", "score"):
        table.add_column(col, justify="left" if col in ("name", "task", "metric") else "right")
    for r in rows:
        table.add_row(*["" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v) for v in r.values()])
    stdout_console().print(table)


@models_app.command()
def show(
    name: Annotated[str, typer.Argument(help="A model name, or NAME:VERSION / NAME@ALIAS for one version.")],
    as_json: JsonOpt = False,
) -> None:
    """The versions of a model (or one version) with metrics, lineage and aliases."""
    from rich.table import Table

    from mlpilot.cli.output import stdout_console
    from mlpilot.registry.store import parse_reference

    reg = _registry()
    base, version, alias = parse_reference(name)
    found = reg.versions(base) if version is None and alias is None else [reg.resolve(name)]
    if as_json:
        typer.echo(json.dumps([v.to_dict() for v in found]))
        return
    table = Table(title=f"Model {base}", title_justify="left")
    for col in ("version", "aliases", "created_at", "source", "task", "score", "parent", "data", "description"):
        table.add_column(col, justify="right" if col in ("version", "score", "parent") else "left")
    for v in found:
        score = "" if v.score is None else f"{v.metric} {v.score:.4f}"
        table.add_row(str(v.version), ", ".join(v.aliases), v.created_at, v.source, v.task, score,
                      "" if v.parent_version is None else str(v.parent_version), (v.fingerprint or "")[:12],
                      v.description)
    stdout_console().print(table)
    if version is None and alias is None:
        _print_decisions(reg, base)


def _print_decisions(reg, name: str) -> None:
    """The retraining decisions about ``name``, newest first, with their evidence in words."""
    from rich.table import Table

    from mlpilot.cli.output import stdout_console
    from mlpilot.registry.history import list_decisions

    found = list_decisions(reg, name, limit=20)
    if not found:
        return
    table = Table(title=f"Retraining decisions about {name} (newest first)", title_justify="left")
    for col in ("at", "action", "version", "champion", "reason"):
        table.add_column(col, justify="right" if col in ("version", "champion") else "left")
    for d in found:
        table.add_row(d["at"], d["action"], "" if d["version"] is None else str(d["version"]),
                      "" if d["champion"] is None else str(d["champion"]), d["reason"])
    stdout_console().print(table)


AliasOpt = Annotated[str, typer.Option("--alias", help="champion or challenger.")]


@models_app.command()
def promote(
    name: Annotated[str, typer.Argument(help="The model name.")],
    version: Annotated[int, typer.Argument(help="The version to promote.", min=1)],
    alias: AliasOpt = "champion",
) -> None:
    """Point an alias (default: champion) at VERSION; a running `mlpilot serve` follows within seconds."""
    previous = _registry().promote(name, version, alias)
    typer.echo(f"{name}@{alias}: version {previous if previous is not None else '(none)'} -> {version}")


@models_app.command()
def rollback(
    name: Annotated[str, typer.Argument(help="The model name.")],
    alias: AliasOpt = "champion",
) -> None:
    """Point an alias back at the version it had before its latest promotion."""
    reg = _registry()
    current = reg.aliases(name).get(alias)
    target = reg.rollback(name, alias)
    typer.echo(f"{name}@{alias}: version {current} -> {target}")


@models_app.command()
def delete(
    name: Annotated[str, typer.Argument(help="The model name, or NAME:VERSION for one version.")],
    force: Annotated[bool, typer.Option("--force", help="Also delete a version an alias points at.")] = False,
) -> None:
    """Delete one version (NAME:VERSION) or a whole model (NAME) with its files."""
    from mlpilot.registry.store import parse_reference

    base, version, alias = parse_reference(name)
    reg = _registry()
    if alias is not None:
        version = reg.resolve(name).version
    gone = reg.delete(base, version, force=force)
    typer.echo(f"Deleted {base} version{'s' if len(gone) > 1 else ''} {', '.join(map(str, gone))}.")


@models_app.command()
def export(
    model: Annotated[str, typer.Argument(help="NAME, NAME:VERSION or NAME@ALIAS.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="A new folder for the bundle.")],
) -> None:
    """Copy a registered version's bundle to a folder (to ship it, or to load it with mlpilot.load)."""
    path = _registry().export(model, out)
    typer.echo(f"Exported {model} to {path}.")


def register_fitted(bundle: Path, name: str, move: bool, source: str = "fit", data=None) -> str:
    """Register the bundle just fitted (or imported), keeping its training table ``data`` (for retraining)
    if given; the line to print."""
    registry = _registry()
    found = registry.register(bundle, name, move=move, source=source)
    if data is not None:
        from mlpilot.registry.history import save_training_data

        save_training_data(registry, name, found.version, data)
    aliases = f" ({', '.join(found.aliases)})" if found.aliases else \
        f"; make it the champion with: mlpilot models promote {name} {found.version}"
    return f"Registered {name} version {found.version}{aliases}."
