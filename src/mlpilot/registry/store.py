"""The model registry: named models with integer versions, aliases, metrics and lineage.

Metadata lives in SQL (:mod:`mlpilot.registry.db`); each version's bundle is copied into the
artifact store, ``MLPILOT_HOME/artifacts/NAME/<random id>/``, before its row is written, so a
row never points at a half-copied bundle (a crash in between leaves an unreferenced folder,
never a broken version). Versions are numbered per name from 1, and a number is never reused,
even after a deletion: the model's row counts them. Two processes registering at once both
succeed: each takes the next number under that row's lock. Promotion, rollback and deletion
are single transactions.

A reference names a version: ``NAME`` (its champion, else its latest version), ``NAME:3`` or
``NAME@challenger``.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from mlpilot import config
from mlpilot.bundle.store import read_manifest
from mlpilot.exceptions import ConfigError, NotFoundError
from mlpilot.registry.db import alias_events, make_engine, models
from mlpilot.registry.db import aliases as alias_table
from mlpilot.registry.db import versions as version_table

logger = logging.getLogger(__name__)

__all__ = ["Registry", "ModelVersion", "ALIASES", "parse_reference"]

ALIASES = ("champion", "challenger")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
REGISTER_ATTEMPTS = 20
MAX_VERSION = 2**31 - 1  # SQL INTEGER


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: int
    created_at: str
    path: Path  # the bundle
    task: str
    metric: str
    score: float | None
    metrics: dict[str, Any]
    fingerprint: str | None
    parent_version: int | None
    source: str
    description: str = ""
    aliases: tuple[str, ...] = field(default=())

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "created_at": self.created_at, "path": str(self.path),
                "task": self.task, "metric": self.metric, "score": self.score, "metrics": self.metrics,
                "fingerprint": self.fingerprint, "parent_version": self.parent_version, "source": self.source,
                "description": self.description, "aliases": list(self.aliases)}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ConfigError(f"Model name {name!r} is not allowed; use 1-100 letters, digits, '.', '_' or '-', "
                          "starting with a letter or digit (it becomes part of URLs and folder names).")
    return name


def check_version(version: int) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise ConfigError(f"Version {version!r} is not allowed; allowed: a whole number from 1 to {MAX_VERSION}.")
    return version


def check_alias(alias: str) -> str:
    if alias not in ALIASES:
        raise ConfigError(f"Alias {alias!r} is not allowed; allowed: {', '.join(ALIASES)}.")
    return alias


def parse_reference(ref: str) -> tuple[str, int | None, str | None]:
    """(name, version, alias) of ``NAME``, ``NAME:VERSION`` or ``NAME@ALIAS``."""
    name, version, alias = ref, None, None
    if "@" in ref:
        name, alias = ref.split("@", 1)
        check_alias(alias)
    elif ":" in ref:
        name, raw = ref.split(":", 1)
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_VERSION:
            raise ConfigError(f"Model reference {ref!r} has version {raw!r}; allowed: a positive integer "
                              "(NAME:3), or NAME@champion / NAME@challenger.")
        version = int(raw)
    return check_name(name), version, alias


def _summary(manifest: dict[str, Any]) -> tuple[float | None, dict[str, Any]]:
    """The ensemble's validation score and every figure the bundle's manifest holds about its quality."""
    board = manifest.get("leaderboard") or []
    metric = manifest.get("metric", "")
    top = board[0] if board else {}
    score = top.get(f"val_{metric}")
    metrics = {f"validation_{metric}": score, "latency_ms": manifest.get("latency_ms"),
               "fit_seconds": manifest.get("fit_seconds"), "n_rows": manifest.get("n_rows")}
    return (None if score is None else float(score)), {k: v for k, v in metrics.items() if v is not None}


class Registry:
    """The registry at ``home`` (artifacts) and ``url`` (metadata); both default to the MLPILOT_* settings."""

    def __init__(self, home: Path | None = None, url: str | None = None):
        self.home = Path(home) if home is not None else config.home()
        self.url = url or config.db_url(self.home)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # ------------------------------------------------------------------ writing
    def register(self, bundle: Path, name: str, *, source: str = "fit", description: str = "",
                 parent_version: int | None = None, move: bool = False) -> ModelVersion:
        """Copy (``move``: move) the bundle at ``bundle`` into the artifact store as the next version
        of ``name``; the first version of a name becomes its champion. ``parent_version`` defaults to
        the champion at the time."""
        check_name(name)
        manifest = read_manifest(bundle)  # a complete, untampered bundle or BundleError
        score, metrics = _summary(manifest)
        artifact = self._store(Path(bundle), name, move)
        try:
            version = self._insert_version(name, artifact, manifest, score, metrics, source, description,
                                           parent_version)
        except BaseException:
            shutil.rmtree(self.home / artifact, ignore_errors=True)
            raise
        logger.info("Registered %s version %d.", name, version)
        return self.get(name, version)

    def _store(self, bundle: Path, name: str, move: bool) -> str:
        """The bundle copied into a new folder of the artifact store; its path relative to home."""
        folder = self.home / "artifacts" / name
        folder.mkdir(parents=True, exist_ok=True)
        key = uuid.uuid4().hex
        tmp, final = folder / f".tmp-{key}", folder / key
        try:
            if move:
                shutil.move(str(bundle), tmp)
            else:
                shutil.copytree(bundle, tmp)
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final.relative_to(self.home).as_posix()

    def _insert_version(self, name: str, artifact: str, manifest: dict[str, Any], score: float | None,
                        metrics: dict[str, Any], source: str, description: str, parent: int | None) -> int:
        self._ensure_model(name)
        for _ in range(REGISTER_ATTEMPTS):
            try:
                with self.engine.begin() as conn:  # the row lock on the model serialises concurrent writers
                    version = conn.execute(update(models).where(models.c.name == name)
                                           .values(last_version=models.c.last_version + 1)
                                           .returning(models.c.last_version)).scalar_one()
                    champion = self._alias_version(conn, name, "champion")
                    conn.execute(insert(version_table).values(
                        name=name, version=version, created_at=_now(), artifact=artifact,
                        task=str(manifest.get("task", "")), metric=str(manifest.get("metric", "")), score=score,
                        metrics=json.dumps(metrics), fingerprint=manifest.get("data_fingerprint"),
                        parent_version=parent if parent is not None else champion, source=source,
                        description=description))
                    if champion is None:
                        self._move_alias(conn, name, "champion", version, None, "promote")
                return version
            except IntegrityError:  # another process took this number first: take the next
                continue
        raise ConfigError(f"Could not register a version of '{name}' after {REGISTER_ATTEMPTS} attempts: "
                          "too many processes are registering it at once. Try again.")

    def _ensure_model(self, name: str) -> None:
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(models.c.name).where(models.c.name == name)).first() is None:
                    conn.execute(insert(models).values(name=name, created_at=_now(), last_version=0))
        except IntegrityError:  # created by another process at the same moment
            pass

    @staticmethod
    def _alias_version(conn: Connection, name: str, alias: str) -> int | None:
        return conn.execute(select(alias_table.c.version).where(alias_table.c.name == name, alias_table.c.alias == alias)).scalar()

    @staticmethod
    def _move_alias(conn: Connection, name: str, alias: str, version: int, previous: int | None,
                    action: str) -> None:
        now = _now()
        if previous is None and Registry._alias_version(conn, name, alias) is None:
            conn.execute(insert(alias_table).values(name=name, alias=alias, version=version, updated_at=now))
        else:
            conn.execute(update(alias_table).where(alias_table.c.name == name, alias_table.c.alias == alias)
                         .values(version=version, updated_at=now))
        conn.execute(insert(alias_events).values(name=name, alias=alias, version=version, previous=previous,
                                                 action=action, undone=False, at=now))

    def promote(self, name: str, version: int, alias: str = "champion") -> int | None:
        """Point ``alias`` of ``name`` at ``version``; returns the version it pointed at before."""
        check_name(name)
        check_version(version)
        check_alias(alias)
        with self.engine.begin() as conn:
            self._check_version(conn, name, version)
            previous = self._alias_version(conn, name, alias)
            if previous != version:
                self._move_alias(conn, name, alias, version, previous, "promote")
        logger.info("%s@%s: version %s -> %d.", name, alias, previous, version)
        return previous

    def rollback(self, name: str, alias: str = "champion") -> int:
        """Point ``alias`` back at the version it had before its latest promotion; returns that version."""
        check_name(name)
        check_alias(alias)
        with self.engine.begin() as conn:
            current = self._alias_version(conn, name, alias)
            if current is None:
                self._check_model(conn, name)
                raise NotFoundError(f"Model '{name}' has no {alias}; nothing to roll back.")
            event = conn.execute(
                select(alias_events).where(alias_events.c.name == name, alias_events.c.alias == alias,
                                           alias_events.c.action == "promote", alias_events.c.version == current,
                                           alias_events.c.undone.is_(False))
                .order_by(alias_events.c.id.desc()).limit(1)).mappings().first()
            target = None if event is None else event["previous"]
            if target is None or not self._has_version(conn, name, target):
                raise NotFoundError(f"Model '{name}' has no earlier {alias} to roll back to (it is at version "
                                    f"{current}). Promote a version instead: mlpilot models promote {name} VERSION.")
            conn.execute(update(alias_events).where(alias_events.c.id == event["id"]).values(undone=True))
            self._move_alias(conn, name, alias, target, current, "rollback")
        logger.info("%s@%s rolled back: version %d -> %d.", name, alias, current, target)
        return target

    def delete(self, name: str, version: int | None = None, force: bool = False) -> list[int]:
        """Delete one version of ``name``, or the whole model (``version`` None); a version an alias
        points at needs ``force``. Returns the deleted versions."""
        check_name(name)
        if version is not None:
            check_version(version)
        with self.engine.begin() as conn:
            self._check_model(conn, name)
            where = [version_table.c.name == name] + ([version_table.c.version == version] if version is not None else [])
            rows = conn.execute(select(version_table.c.version, version_table.c.artifact).where(*where)).all()
            if version is not None and not rows:
                self._check_version(conn, name, version)
            held = {r.alias: r.version for r in conn.execute(select(alias_table).where(alias_table.c.name == name))}
            pinned = sorted(a for a, v in held.items() if version is None or v == version)
            if pinned and not force:
                raise ConfigError(f"Model '{name}' {'version ' + str(version) if version else ''} is the "
                                  f"{' and '.join(pinned)}; promote another version first, or pass --force.")
            conn.execute(delete(alias_table).where(alias_table.c.name == name, alias_table.c.alias.in_(pinned)))
            conn.execute(delete(version_table).where(*where))
            if version is None:
                conn.execute(delete(alias_events).where(alias_events.c.name == name))
                conn.execute(delete(models).where(models.c.name == name))
        for r in rows:  # after the commit: a crash leaves unreferenced files, never a row without files
            shutil.rmtree(self.home / r.artifact, ignore_errors=True)
            (self.home / "datasets" / name / f"v{r.version}.parquet").unlink(missing_ok=True)  # its training data
        return sorted(r.version for r in rows)

    # ------------------------------------------------------------------ reading
    def _check_model(self, conn: Connection, name: str) -> None:
        if conn.execute(select(models.c.name).where(models.c.name == name)).first() is None:
            known = [r[0] for r in conn.execute(select(models.c.name).order_by(models.c.name).limit(10))]
            hint = f" Registered: {', '.join(known)}." if known else " The registry is empty."
            raise NotFoundError(f"No model named '{name}' in the registry at {self.home}.{hint}")

    @staticmethod
    def _has_version(conn: Connection, name: str, version: int) -> bool:
        return conn.execute(select(version_table.c.id).where(version_table.c.name == name,
                                                        version_table.c.version == version)).first() is not None

    def _check_version(self, conn: Connection, name: str, version: int) -> None:
        self._check_model(conn, name)
        if not self._has_version(conn, name, version):
            have = [r[0] for r in conn.execute(select(version_table.c.version).where(version_table.c.name == name)
                                               .order_by(version_table.c.version))]
            raise NotFoundError(f"Model '{name}' has no version {version}; it has "
                                f"{', '.join(map(str, have)) or 'none'}.")

    def _row(self, row, held: dict[int, list[str]]) -> ModelVersion:
        return ModelVersion(row.name, row.version, row.created_at, self.home / row.artifact, row.task, row.metric,
                            row.score, json.loads(row.metrics), row.fingerprint, row.parent_version, row.source,
                            row.description or "", tuple(sorted(held.get(row.version, []))))

    def _held(self, conn: Connection, name: str) -> dict[int, list[str]]:
        held: dict[int, list[str]] = {}
        for r in conn.execute(select(alias_table).where(alias_table.c.name == name)):
            held.setdefault(r.version, []).append(r.alias)
        return held

    def get(self, name: str, version: int) -> ModelVersion:
        check_name(name)
        check_version(version)
        with self.engine.connect() as conn:
            self._check_version(conn, name, version)
            row = conn.execute(select(version_table).where(version_table.c.name == name, version_table.c.version == version)).first()
            return self._row(row, self._held(conn, name))

    def versions(self, name: str) -> list[ModelVersion]:
        """Every version of ``name``, newest first."""
        check_name(name)
        with self.engine.connect() as conn:
            self._check_model(conn, name)
            held = self._held(conn, name)
            rows = conn.execute(select(version_table).where(version_table.c.name == name).order_by(version_table.c.version.desc()))
            return [self._row(r, held) for r in rows]

    def aliases(self, name: str) -> dict[str, int]:
        check_name(name)
        with self.engine.connect() as conn:
            self._check_model(conn, name)
            return {r.alias: r.version for r in conn.execute(select(alias_table).where(alias_table.c.name == name))}

    def names(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(models.c.name).order_by(models.c.name))]

    def resolve(self, ref: str) -> ModelVersion:
        """The version ``ref`` names: NAME (its champion, else its latest), NAME:VERSION or NAME@ALIAS."""
        name, version, alias = parse_reference(ref)
        with self.engine.connect() as conn:
            self._check_model(conn, name)
            if version is None:
                version = self._alias_version(conn, name, alias or "champion")
                if version is None and alias is not None:
                    raise NotFoundError(f"Model '{name}' has no {alias}; set one with: "
                                        f"mlpilot models promote {name} VERSION --alias {alias}.")
                if version is None:
                    version = conn.execute(select(func.max(version_table.c.version)).where(version_table.c.name == name)).scalar()
                    if version is None:
                        raise NotFoundError(f"Model '{name}' has no versions.")
        return self.get(name, version)

    def export(self, ref: str, dest: Path) -> Path:
        """Copy the bundle of ``ref`` to ``dest`` (a new folder), checked on the way out."""
        from mlpilot.bundle.store import check_bundle_target

        found = self.resolve(ref)
        dest = Path(dest)
        if dest.is_dir() and any(dest.iterdir()):
            raise ConfigError(f"Cannot export to '{dest}': it is not empty. Choose a new folder.")
        check_bundle_target(dest)
        read_manifest(found.path)
        tmp = dest.parent / f".{dest.name}.tmp-{uuid.uuid4().hex[:8]}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(found.path, tmp)
        if dest.exists():
            dest.rmdir()
        tmp.rename(dest)
        return dest
