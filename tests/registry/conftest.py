"""A registry per test, on SQLite and, where .ci/run started one, on PostgreSQL."""

import os
import uuid

import pytest

from mlpilot.registry import Registry

PG_URL = os.environ.get("MLPILOT_TEST_PG_URL")


def _pg_url() -> str:
    """MLPILOT_TEST_PG_URL with SQLAlchemy's psycopg 3 driver named."""
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1) if PG_URL.startswith("postgresql://") else PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request, tmp_path):
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("no PostgreSQL server: set MLPILOT_TEST_PG_URL (.ci/run does)")
    url = _pg_url() if request.param == "postgresql" else None
    reg = Registry(tmp_path / "home", url)
    yield reg
    reg.close()


@pytest.fixture
def name() -> str:
    """A model name no other test uses (the PostgreSQL database is shared)."""
    return f"model-{uuid.uuid4().hex[:10]}"
