"""The registry's tables (SQLAlchemy Core) and the engine for ``MLPILOT_DB_URL``.

SQLite is the default; every write transaction there starts with ``BEGIN IMMEDIATE``, so two
processes that register at once queue on the database lock instead of failing half-way, and
the journal is in WAL mode so that readers (a serving process polling its aliases) never wait
for a writer. PostgreSQL needs nothing special: the unique constraints decide races, and the
loser retries (see :mod:`mlpilot.registry.store`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text,
                        UniqueConstraint, create_engine, event)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError

from mlpilot.exceptions import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["metadata", "models", "versions", "aliases", "alias_events", "decisions", "make_engine"]

SQLITE_BUSY_MS = 30_000  # how long a writer waits for another process's transaction

metadata = MetaData()

models = Table(
    "mlpilot_models", metadata,
    Column("name", String(100), primary_key=True),
    Column("created_at", String(32), nullable=False),
    Column("last_version", Integer, nullable=False, default=0),  # numbers are never reused, even after a delete
)

versions = Table(
    "mlpilot_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), ForeignKey("mlpilot_models.name", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("artifact", String(400), nullable=False),  # the bundle's folder, relative to MLPILOT_HOME
    Column("task", String(20), nullable=False),
    Column("metric", String(40), nullable=False),
    Column("score", Float),  # the ensemble's validation score in ``metric``
    Column("metrics", Text, nullable=False),  # JSON: every figure known about this version
    Column("fingerprint", String(80)),  # of the training data
    Column("parent_version", Integer),  # the champion when this version was registered
    Column("source", String(20), nullable=False),  # fit, import, retrain
    Column("description", Text, nullable=False, default=""),
    UniqueConstraint("name", "version", name="uq_mlpilot_versions_name_version"),
)

aliases = Table(
    "mlpilot_aliases", metadata,
    Column("name", String(100), ForeignKey("mlpilot_models.name", ondelete="CASCADE"), primary_key=True),
    Column("alias", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

alias_events = Table(  # every move of an alias, so that a rollback knows where to go back to
    "mlpilot_alias_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, index=True),
    Column("alias", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("previous", Integer),  # the version the alias pointed to before (None: it was not set)
    Column("action", String(20), nullable=False),  # promote, rollback
    Column("undone", Boolean, nullable=False, default=False),  # a promote that a rollback took back
    Column("at", String(32), nullable=False),
)


decisions = Table(  # what retraining decided, and on what evidence
    "mlpilot_decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, index=True),
    Column("at", String(32), nullable=False),
    Column("action", String(20), nullable=False),  # promote, keep, skip, failed
    Column("version", Integer),  # the challenger it is about (None: none was trained)
    Column("champion", Integer),  # the champion at the time
    Column("reason", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON
)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below opens the transactions
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _create_tables(engine: Engine) -> None:
    try:
        metadata.create_all(engine)
    except (IntegrityError, ProgrammingError):  # another process created them at the same moment
        metadata.create_all(engine)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the registry's tables created if missing."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise ConfigError(f"MLPILOT_DB_URL is {url!r}, which is not a database URL; allowed: "
                          "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB.") from err
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=not is_sqlite,
                               **({"connect_args": {"timeout": SQLITE_BUSY_MS / 1000}} if is_sqlite else {}))
    except (ArgumentError, ImportError) as err:
        raise ConfigError(f"MLPILOT_DB_URL {parsed.render_as_string(hide_password=True)!r} cannot be used: {err}. "
                          "For PostgreSQL, install the driver: pip install 'mlpilot[postgres]'.") from err
    if is_sqlite:
        _sqlite_setup(engine)
    try:
        _create_tables(engine)
    except OperationalError as err:
        raise ConfigError(f"The registry database {parsed.render_as_string(hide_password=True)!r} cannot be "
                          f"opened: {err.orig}. Check MLPILOT_DB_URL and MLPILOT_HOME.") from err
    return engine
