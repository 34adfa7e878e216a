"""Read a table from a file (csv, tsv, parquet, json, jsonl, xlsx) or a SQL query.

User-caused failures raise DataError or ConfigError, with the reader's error chained.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import warnings
from collections import Counter
from io import StringIO
from pathlib import Path

import pandas as pd

from mlpilot.exceptions import ConfigError, DataError

__all__ = ["SUPPORTED_EXTENSIONS", "read_sql", "read_table"]

logger = logging.getLogger(__name__)

_FORMATS = {  # extension -> format
    ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx",
}  # fmt: skip
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(_FORMATS)
_DUCKDB_SUFFIXES = (".duckdb", ".ddb")
_DUCKDB_URL = "duckdb:///"


def read_table(
    path: str | os.PathLike | None = None, *, sql: str | None = None, db: str | None = None
) -> pd.DataFrame:
    """Read a file by its extension, or run ``sql`` against ``db`` (see :func:`read_sql`).

    Exactly one of ``path`` and ``sql`` must be given. The result has a fresh RangeIndex
    and keeps the input row order.
    """
    has_path = path is not None and os.fspath(path) != ""
    has_sql = sql is not None and sql.strip() != ""
    if has_path and has_sql:
        raise ConfigError(
            f"Got both a data file (DATA={os.fspath(path)!r}) and a query (--sql); give only one."
        )
    if not has_path and not has_sql:
        raise ConfigError("Got no data: give a data file path (DATA) or a SQL query (--sql).")
    if has_sql:
        return read_sql(sql, db)
    if db:
        raise ConfigError(f"--db={_mask(db)!r} is only used with --sql; drop it or use --sql.")
    return _read_file(Path(path))


def read_sql(sql: str, db: str | None = None) -> pd.DataFrame:
    """Run a query and return its result as a DataFrame.

    ``db`` empty or None: an in-memory DuckDB, so queries may read files
    (``SELECT * FROM 'data.parquet'``). A path ending in .duckdb/.ddb or a
    ``duckdb:///`` URL: that DuckDB database, read-only. Anything else: a SQLAlchemy URL.
    """
    if not isinstance(sql, str) or not sql.strip():
        raise ConfigError(f"--sql must be a non-empty query string, got {sql!r}.")
    if not db:
        df = _query_duckdb(sql, None)
    elif db.startswith(_DUCKDB_URL) or db.lower().endswith(_DUCKDB_SUFFIXES):
        df = _query_duckdb(sql, db.removeprefix(_DUCKDB_URL))
    else:
        df = _query_sqlalchemy(sql, db)
    df = _finish(df, f"SQL query {_short(sql)!r}")
    logger.debug("Read %d rows x %d columns from SQL query", len(df), df.shape[1])
    return df


def _read_file(path: Path) -> pd.DataFrame:
    """Check the path, pick the reader by extension and read the file."""
    if not path.exists():
        raise DataError(f"Data file '{path}' does not exist; check the path and spelling.")
    if path.is_dir():
        raise DataError(f"Data path '{path}' is a directory; give the path of one data file.")
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"Data file '{path}' has extension {path.suffix!r}, which is not supported; "
            f"use one of {', '.join(SUPPORTED_EXTENSIONS)}."
        )
    if path.stat().st_size == 0:
        raise DataError(f"Data file '{path}' is empty (0 bytes); give a file with a header.")
    try:
        df = _READERS[fmt](path, fmt)
    except (DataError, MemoryError):
        raise
    except pd.errors.EmptyDataError as err:
        raise DataError(f"Data file '{path}' has no columns; give a file with a header.") from err
    except Exception as err:  # the readers raise many unrelated types; the cause is chained
        raise DataError(
            f"Data file '{path}' could not be read as {fmt}: {_one_line(err)}. "
            f"Check that it is a valid {fmt} file."
        ) from err
    df = _finish(df, f"Data file '{path}'")
    logger.debug("Read %d rows x %d columns from %s", len(df), df.shape[1], path)
    return df


def _read_csv(path: Path, fmt: str) -> pd.DataFrame:
    sep = "\t" if fmt == "tsv" else ","
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as f:
        rows = (row for row in csv.reader(f, delimiter=sep) if row)
        header, first = next(rows, []), next(rows, [])
    _check_unique([name for name in header if name != ""], path)
    if len(first) > len(header):  # pandas would silently turn the first column into the index
        raise DataError(
            f"Data file '{path}' has {len(first)} fields in its first row but {len(header)} "
            "names in its header; give every column a name in the header."
        )
    return pd.read_csv(path, sep=sep, low_memory=False)


def _read_parquet(path: Path, fmt: str) -> pd.DataFrame:
    import pyarrow.parquet as pq

    _check_unique(pq.read_schema(path).names, path)
    return pd.read_parquet(path, engine="pyarrow")


def _read_json(path: Path, fmt: str) -> pd.DataFrame:
    """A JSON array of records (or of rows), else pandas' split, table or columns orient."""
    text = path.read_text(encoding="utf-8-sig")
    obj = json.loads(text, object_pairs_hook=lambda pairs: _unique_pairs(pairs, path))
    if isinstance(obj, list):
        return pd.DataFrame(obj)
    if not isinstance(obj, dict):
        raise DataError(
            f"Data file '{path}' holds a JSON {type(obj).__name__}; "
            "expected an array of records like [{\"col\": value, ...}, ...]."
        )
    if {"schema", "data"} <= obj.keys():
        return pd.read_json(StringIO(text), orient="table")
    if {"columns", "data"} <= obj.keys():
        return pd.DataFrame(obj["data"], columns=obj["columns"])
    return pd.DataFrame(obj)


def _read_jsonl(path: Path, fmt: str) -> pd.DataFrame:
    """One JSON object per line; blank lines are skipped."""
    rows = []
    with path.open(encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line, object_pairs_hook=lambda p: _unique_pairs(p, path)))
            except json.JSONDecodeError as err:
                raise DataError(
                    f"Data file '{path}' line {number} is not valid JSON: {err.msg}; "
                    "give one JSON object per line."
                ) from err
            if not isinstance(rows[-1], dict):
                raise DataError(f"Data file '{path}' line {number} is not a JSON object.")
    return pd.DataFrame(rows)


def _read_xlsx(path: Path, fmt: str) -> pd.DataFrame:
    """The first sheet; its first non-empty row is the header."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next((r for r in rows if any(v is not None for v in r)), ())
    finally:
        workbook.close()
    _check_unique([str(v) for v in header if v is not None], path)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
        return pd.read_excel(path, sheet_name=0, engine="openpyxl")


_READERS = {
    "csv": _read_csv, "tsv": _read_csv, "parquet": _read_parquet,
    "json": _read_json, "jsonl": _read_jsonl, "xlsx": _read_xlsx,
}  # fmt: skip


def _query_duckdb(sql: str, database: str | None) -> pd.DataFrame:
    import duckdb

    where = f"DuckDB database '{database}'" if database else "an in-memory DuckDB"
    if database and database != ":memory:" and not Path(database).is_file():
        raise DataError(f"DuckDB database '{database}' does not exist; check the --db path.")
    try:
        if database and database != ":memory:":
            con = duckdb.connect(database, read_only=True)
        else:
            con = duckdb.connect(":memory:")
        with con:
            names = [d[0] for d in con.execute(sql).description or []]
            _check_unique(names, f"SQL query {_short(sql)!r}")
            return con.df()
    except duckdb.Error as err:
        raise DataError(f"SQL query {_short(sql)!r} failed on {where}: {_one_line(err)}.") from err


def _query_sqlalchemy(sql: str, db: str) -> pd.DataFrame:
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    where = f"database {_mask(db)!r}"
    try:
        url = sqlalchemy.make_url(db)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            if not url.database.startswith("file:") and not Path(url.database).is_file():
                raise DataError(f"SQLite database '{url.database}' does not exist; check --db.")
        engine = sqlalchemy.create_engine(url)
    except (SQLAlchemyError, ImportError) as err:
        raise DataError(
            f"--db {where} cannot be used: {_one_line(err)}. Give a SQLAlchemy URL like "
            "'sqlite:///data.db' or 'postgresql+psycopg://user@host/db' with its driver installed."
        ) from err
    try:
        return pd.read_sql_query(sqlalchemy.text(sql), engine)
    except (SQLAlchemyError, pd.errors.DatabaseError) as err:  # pandas wraps the driver's error
        cause = err.__cause__ if isinstance(err.__cause__, SQLAlchemyError) else err
        cause = getattr(cause, "orig", None) or cause
        raise DataError(
            f"SQL query {_short(sql)!r} failed on {where}: {_one_line(cause)}."
        ) from err
    finally:
        engine.dispose()


def _finish(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check the table is usable; give it a fresh RangeIndex (named levels become columns)."""
    named = any(name is not None for name in df.index.names)
    df = df.reset_index(drop=not named, allow_duplicates=True)
    _check_unique([str(c) for c in df.columns], source)
    if df.shape[1] == 0:
        raise DataError(f"{source} has no columns; give a table with a header and rows.")
    if len(df) == 0:
        raise DataError(f"{source} has no rows (columns: {', '.join(map(str, df.columns[:10]))}).")
    return df


def _check_unique(names: list[str], source: Path | str) -> None:
    dups = [name for name, count in Counter(names).items() if count > 1]
    if dups:
        label = f"Data file '{source}'" if isinstance(source, Path) else source
        raise DataError(
            f"{label} has duplicated column names {dups}; give every column a unique name."
        )


def _unique_pairs(pairs: list[tuple[str, object]], path: Path) -> dict:
    _check_unique([key for key, _ in pairs], path)
    return dict(pairs)


def _one_line(err: BaseException) -> str:
    """The first non-empty line of an exception's message, without a trailing period."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return (lines[0] if lines else type(err).__name__).rstrip(".!")


def _short(sql: str, limit: int = 80) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= limit else sql[: limit - 3] + "..."


def _mask(db: str) -> str:
    """Hide the password of a database URL."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", db)
