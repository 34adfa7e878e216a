"""A registry with the session's binary model registered twice, and a service over it (in-process)."""

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from mlpilot.registry import Registry
from mlpilot.serving.app import ServeSettings, create_app

TOKEN = "s3cret-token"


@pytest.fixture
def registry(tmp_path, binary_bundle):
    reg = Registry(tmp_path / "home")
    bundle, _ = binary_bundle
    reg.register(bundle, "churn")  # version 1: champion
    reg.register(bundle, "churn")  # version 2
    yield reg
    reg.close()


@pytest.fixture
def rows(binary_bundle) -> list[dict]:
    """Five rows of the training table, without the target, as JSON-ready dicts."""
    _, train = binary_bundle
    df = pd.read_csv(train).drop(columns="y").head(5)
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


@pytest.fixture
def make_client(registry):
    clients = []

    def make(**overrides) -> TestClient:
        settings = ServeSettings(("churn",), registry, TOKEN, 50, 20_000, 0.05)
        for k, v in overrides.items():
            setattr(settings, k, v)
        client = TestClient(create_app(settings), raise_server_exceptions=False)
        client.__enter__()  # runs the lifespan: the catalog loads the champion
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}
