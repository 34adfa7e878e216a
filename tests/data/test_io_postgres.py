"""read_table against a real PostgreSQL server (.ci/run starts one and sets MLPILOT_TEST_PG_URL)."""

import os
import uuid

import numpy as np
import pandas as pd
import pytest

from mlpilot.data.io import read_table
from mlpilot.exceptions import DataError

PG_URL = os.environ.get("MLPILOT_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server: set MLPILOT_TEST_PG_URL (.ci/run does)")


@pytest.fixture
def table():
    import sqlalchemy

    name = f"patients_{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.integers(20, 90, 50), "city": rng.choice(["a", "b"], 50),
                       "sick": rng.choice([True, False], 50)})
    engine = sqlalchemy.create_engine(PG_URL)
    df.to_sql(name, engine, index=False)
    yield name, df
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP TABLE "{name}"'))
    engine.dispose()


def test_query_reads_a_postgresql_table(table):
    name, df = table
    got = read_table(sql=f'SELECT * FROM "{name}" ORDER BY age', db=PG_URL)
    expected = df.sort_values("age", kind="stable").reset_index(drop=True)
    assert list(got.columns) == ["age", "city", "sick"]
    assert got["age"].tolist() == expected["age"].tolist()


def test_a_bad_query_names_the_database_problem(table):
    with pytest.raises(DataError, match="no_such_table"):
        read_table(sql="SELECT * FROM no_such_table", db=PG_URL)
