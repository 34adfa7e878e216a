"""Tests of mlpilot.data.io: reading files and SQL queries into DataFrames."""

from __future__ import annotations

import json
import sqlite3

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from mlpilot.data.io import SUPPORTED_EXTENSIONS, read_sql, read_table
from mlpilot.exceptions import ConfigError, DataError


def _frame(n: int = 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": rng.normal(50_000, 10_000, n).round(2),
            "city": rng.choice(["Paris", "Lyon", "Nice"], n),
            "member": rng.random(n) > 0.5,
        }
    )


def _write(df: pd.DataFrame, path) -> None:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        df.to_csv(path, sep="\t" if suffix == ".tsv" else ",", index=False)
    elif suffix in (".parquet", ".pq"):
        df.to_parquet(path)
    elif suffix == ".json":
        df.to_json(path, orient="records")
    elif suffix in (".jsonl", ".ndjson"):
        df.to_json(path, orient="records", lines=True)
    elif suffix == ".xlsx":
        df.to_excel(path, index=False)


ROUND_TRIP_NAMES = ["d.csv", "d.tsv", "d.parquet", "d.pq", "d.json", "d.jsonl", "d.ndjson"]
ROUND_TRIP_NAMES += ["d.xlsx", "UPPER.CSV", "UPPER.PARQUET"]


@pytest.mark.parametrize("name", ROUND_TRIP_NAMES)
def test_round_trip_keeps_values_dtypes_and_order(tmp_path, name):
    df = _frame()
    _write(df, tmp_path / name)
    got = read_table(tmp_path / name)
    pd.testing.assert_frame_equal(got, df)
    assert isinstance(got.index, pd.RangeIndex) and got.index.start == 0


def test_supported_extensions_lists_every_format():
    assert set(SUPPORTED_EXTENSIONS) >= {".csv", ".tsv", ".parquet", ".json", ".jsonl", ".xlsx"}
    assert all(ext.startswith(".") and ext == ext.lower() for ext in SUPPORTED_EXTENSIONS)


def test_read_table_accepts_str_path_and_keeps_missing_values(tmp_path):
    df = pd.DataFrame({"x": [1.5, np.nan, 3.0], "y": ["a", None, "c"]})
    df.to_csv(tmp_path / "m.csv", index=False)
    got = read_table(str(tmp_path / "m.csv"))
    assert got["x"].isna().tolist() == [False, True, False]
    assert got["y"].isna().tolist() == [False, True, False]


def test_parquet_index_is_replaced_by_a_fresh_range_index(tmp_path):
    df = _frame()
    df[df["age"] > 40].to_parquet(tmp_path / "filtered.parquet")
    got = read_table(tmp_path / "filtered.parquet")
    assert isinstance(got.index, pd.RangeIndex)
    assert got["age"].tolist() == df.loc[df["age"] > 40, "age"].tolist()


def test_csv_with_byte_order_mark(tmp_path):
    (tmp_path / "bom.csv").write_bytes("\ufeffa,b\n1,2\n".encode("utf-8"))
    assert read_table(tmp_path / "bom.csv").columns.tolist() == ["a", "b"]


def test_parquet_named_index_becomes_a_column(tmp_path):
    df = _frame().rename_axis("row_id")
    df.to_parquet(tmp_path / "named.parquet")
    got = read_table(tmp_path / "named.parquet")
    assert got.columns[0] == "row_id"
    assert got["row_id"].tolist() == list(range(len(df)))


@pytest.mark.parametrize("orient", ["split", "columns", "table"])
def test_json_other_pandas_orients(tmp_path, orient):
    df = _frame(5)
    df.to_json(tmp_path / "o.json", orient=orient)
    got = read_table(tmp_path / "o.json")
    assert got.columns.tolist() == df.columns.tolist()
    assert got["age"].tolist() == df["age"].tolist()
    assert got["city"].tolist() == df["city"].tolist()


def test_jsonl_skips_blank_lines(tmp_path):
    (tmp_path / "b.jsonl").write_text('{"a": 1, "b": "x"}\n\n{"a": 2, "b": "y"}\n')
    got = read_table(tmp_path / "b.jsonl")
    assert got.to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}


def test_duckdb_query_over_a_parquet_file_without_db(tmp_path):
    df = _frame()
    df.to_parquet(tmp_path / "t.parquet")
    got = read_table(sql=f"SELECT age, city FROM '{tmp_path / 't.parquet'}' WHERE age > 40")
    expected = df.loc[df["age"] > 40, ["age", "city"]].reset_index(drop=True)
    assert got["age"].tolist() == expected["age"].tolist()
    assert got["city"].tolist() == expected["city"].tolist()


def test_read_sql_empty_db_is_in_memory_duckdb(tmp_path):
    _frame().to_csv(tmp_path / "t.csv", index=False)
    got = read_sql(f"SELECT count(*) AS n FROM read_csv_auto('{tmp_path / 't.csv'}')", db="")
    assert got["n"].tolist() == [20]


@pytest.mark.parametrize("style", ["path", "url"])
def test_duckdb_database_file(tmp_path, style):
    path = tmp_path / "store.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE people AS SELECT range AS id, range * 2 AS twice FROM range(5)")
    db = str(path) if style == "path" else f"duckdb:///{path}"
    got = read_table(sql="SELECT * FROM people ORDER BY id", db=db)
    assert got["twice"].tolist() == [0, 2, 4, 6, 8]
    got_again = read_sql("SELECT count(*) AS n FROM people", db)  # read-only: not locked
    assert got_again["n"].tolist() == [5]


def test_sqlite_through_sqlalchemy_url(tmp_path):
    path = tmp_path / "app.db"
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE people (id INTEGER, name TEXT, score REAL)")
        con.executemany("INSERT INTO people VALUES (?, ?, ?)", [(1, "ann", 0.5), (2, "bob", 1.5)])
    con.close()
    got = read_table(sql="SELECT * FROM people ORDER BY id", db=f"sqlite:///{path}")
    assert got.to_dict("list") == {"id": [1, 2], "name": ["ann", "bob"], "score": [0.5, 1.5]}


# --- errors -----------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv' does not exist"):
        read_table(tmp_path / "nope.csv")


def test_directory(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        read_table(tmp_path)


def test_unknown_extension_lists_supported_ones(tmp_path):
    (tmp_path / "data.xls").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"data\.xls' has extension '\.xls'.*\.csv.*\.parquet"):
        read_table(tmp_path / "data.xls")


@pytest.mark.parametrize("name", ["e.csv", "e.parquet", "e.json", "e.xlsx"])
def test_empty_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(DataError, match=rf"{name}' is empty \(0 bytes\)"):
        read_table(tmp_path / name)


def test_csv_with_header_only_has_no_rows(tmp_path):
    (tmp_path / "h.csv").write_text("age,city\n")
    with pytest.raises(DataError, match=r"h\.csv' has no rows \(columns: age, city\)"):
        read_table(tmp_path / "h.csv")


def test_csv_with_only_blank_lines_has_no_columns(tmp_path):
    (tmp_path / "blank.csv").write_text("\n\n\n")
    with pytest.raises(DataError, match=r"blank\.csv' has no columns"):
        read_table(tmp_path / "blank.csv")


@pytest.mark.parametrize("text", ["[]", "{}"])
def test_empty_json_has_no_columns(tmp_path, text):
    (tmp_path / "e.json").write_text(text)
    with pytest.raises(DataError, match=r"e\.json' has no columns"):
        read_table(tmp_path / "e.json")


def test_xlsx_without_data_rows(tmp_path):
    pd.DataFrame({"a": [], "b": []}).to_excel(tmp_path / "h.xlsx", index=False)
    with pytest.raises(DataError, match=r"h\.xlsx' has no rows"):
        read_table(tmp_path / "h.xlsx")


@pytest.mark.parametrize("name", ["bad.parquet", "bad.xlsx", "bad.json"])
def test_corrupt_file(tmp_path, name):
    (tmp_path / name).write_text("this is not a real file {")
    fmt = name.split(".")[1]
    with pytest.raises(DataError, match=rf"{name}' could not be read as {fmt}: .*valid {fmt}"):
        read_table(tmp_path / name)


def test_csv_that_is_not_utf8(tmp_path):
    (tmp_path / "latin.csv").write_bytes("név,ville\nÉva,Besançon\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin\.csv' could not be read as csv: .*utf-8"):
        read_table(tmp_path / "latin.csv")


def test_csv_with_rows_longer_than_header(tmp_path):
    (tmp_path / "wide.csv").write_text("a,b\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match=r"wide\.csv' has 3 fields in its first row but 2 names"):
        read_table(tmp_path / "wide.csv")


def test_csv_with_ragged_rows(tmp_path):
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(DataError, match=r"ragged\.csv' could not be read as csv"):
        read_table(tmp_path / "ragged.csv")


@pytest.mark.parametrize(
    "name, text", [("d.csv", "a,b,a\n1,2,3\n"), ("d.tsv", "a\tb\ta\n1\t2\t3\n")]
)
def test_duplicated_columns_in_csv_header(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    with pytest.raises(DataError, match=rf"{name}' has duplicated column names \['a'\]"):
        read_table(tmp_path / name)


def test_duplicated_columns_in_xlsx_header(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["age", "city", "age"])
    workbook.active.append([30, "Paris", 31])
    workbook.save(tmp_path / "d.xlsx")
    with pytest.raises(DataError, match=r"d\.xlsx' has duplicated column names \['age'\]"):
        read_table(tmp_path / "d.xlsx")


@pytest.mark.parametrize("name", ["d.json", "d.jsonl"])
def test_duplicated_keys_in_json(tmp_path, name):
    record = '{"age": 1, "city": "Nice", "age": 2}'
    (tmp_path / name).write_text(f"[{record}]" if name.endswith(".json") else record + "\n")
    with pytest.raises(DataError, match=rf"{name}' has duplicated column names \['age'\]"):
        read_table(tmp_path / name)


def test_duplicated_columns_in_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays([pa.array([1, 2]), pa.array([3, 4])], names=["x", "x"])
    pq.write_table(table, tmp_path / "d.parquet")
    with pytest.raises(DataError, match=r"d\.parquet' has duplicated column names \['x'\]"):
        read_table(tmp_path / "d.parquet")


def test_jsonl_bad_line_names_the_line(tmp_path):
    (tmp_path / "b.jsonl").write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(DataError, match=r"b\.jsonl' line 2 is not valid JSON"):
        read_table(tmp_path / "b.jsonl")


def test_jsonl_line_that_is_not_an_object(tmp_path):
    (tmp_path / "b.jsonl").write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(DataError, match=r"b\.jsonl' line 2 is not a JSON object"):
        read_table(tmp_path / "b.jsonl")


def test_json_scalar_is_not_a_table(tmp_path):
    (tmp_path / "s.json").write_text(json.dumps(42))
    with pytest.raises(DataError, match=r"s\.json' holds a JSON int; expected an array of records"):
        read_table(tmp_path / "s.json")


def test_duckdb_bad_query():
    with pytest.raises(DataError, match=r"query 'SELEC 1' failed on an in-memory DuckDB: Parser"):
        read_sql("SELEC 1")


def test_duckdb_unknown_table(tmp_path):
    path = tmp_path / "s.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(DataError, match=r"failed on DuckDB database '.*s\.duckdb': .*missing_t"):
        read_sql("SELECT * FROM missing_table", db=str(path))


def test_duckdb_missing_database_file(tmp_path):
    with pytest.raises(DataError, match=r"DuckDB database '.*gone\.duckdb' does not exist"):
        read_sql("SELECT 1", db=str(tmp_path / "gone.duckdb"))
    assert not (tmp_path / "gone.duckdb").exists()


def test_duplicated_columns_in_query_result():
    with pytest.raises(DataError, match=r"SQL query .* has duplicated column names \['a'\]"):
        read_sql("SELECT 1 AS a, 2 AS a")


def test_query_without_rows():
    with pytest.raises(DataError, match=r"SQL query 'SELECT 1 AS x WHERE false' has no rows"):
        read_sql("SELECT 1 AS x WHERE false")


def test_sqlite_unknown_table(tmp_path):
    path = tmp_path / "app.db"
    sqlite3.connect(path).close()
    with pytest.raises(DataError, match=r"failed on database 'sqlite:///.*': no such table: nope"):
        read_sql("SELECT * FROM nope", db=f"sqlite:///{path}")


def test_sqlite_missing_file_is_not_created(tmp_path):
    path = tmp_path / "missing.db"
    with pytest.raises(DataError, match=r"SQLite database '.*missing\.db' does not exist"):
        read_sql("SELECT 1", db=f"sqlite:///{path}")
    assert not path.exists()


@pytest.mark.parametrize("db", ["not a url", "nosuchdialect://u:secret@host/db"])
def test_bad_database_url_hides_the_password(db):
    with pytest.raises(DataError, match=r"--db database '.*' cannot be used") as info:
        read_sql("SELECT 1", db=db)
    assert "secret" not in str(info.value)


def test_path_and_sql_together():
    with pytest.raises(ConfigError, match=r"DATA='x\.csv'.*--sql"):
        read_table("x.csv", sql="SELECT 1")


def test_neither_path_nor_sql():
    with pytest.raises(ConfigError, match=r"DATA.*--sql"):
        read_table()


def test_db_without_sql(tmp_path):
    with pytest.raises(ConfigError, match=r"--db='sqlite:///a\.db' is only used with --sql"):
        read_table(tmp_path / "x.csv", db="sqlite:///a.db")


def test_empty_query():
    with pytest.raises(ConfigError, match="--sql must be a non-empty query"):
        read_sql("  ")
