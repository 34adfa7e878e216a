import json
import os

import numpy as np
import pandas as pd
import pytest

import mlpilot
from mlpilot.bundle.store import read_manifest, write_bundle
from mlpilot.exceptions import BundleError


def _write(path, payload="hello"):
    def write_payload(tmp):
        (tmp / "a.txt").write_text(payload)
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.json").write_text("{}")
    return write_bundle(path, {"task": "binary"}, write_payload)


def test_bundle_is_written_with_hashes_and_reads_back(tmp_path):
    path = _write(tmp_path / "m")
    manifest = read_manifest(path)
    assert set(manifest["files"]) == {"a.txt", "sub/b.json"}
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete", "manifest"])
def test_a_damaged_bundle_is_refused(tmp_path, damage):
    path = _write(tmp_path / "m")
    if damage == "flip":
        (path / "a.txt").write_text("hellp")
    elif damage == "truncate":
        (path / "sub" / "b.json").write_text("{")
    elif damage == "delete":
        (path / "a.txt").unlink()
    else:
        (path / "manifest.json").write_text('{"format": "mlpilot-bun')
    with pytest.raises(BundleError, match="sha256|missing|truncated or corrupt"):
        read_manifest(path)


def test_a_failed_write_leaves_the_old_bundle_and_no_temporary_files(tmp_path):
    path = _write(tmp_path / "m", payload="old")

    def broken(tmp):
        (tmp / "a.txt").write_text("new")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_bundle(path, {}, broken)
    assert (path / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_an_existing_bundle_is_replaced_but_a_foreign_directory_is_not(tmp_path):
    path = _write(tmp_path / "m", payload="old")
    _write(path, payload="new")
    assert (path / "a.txt").read_text() == "new"
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff")
    with pytest.raises(BundleError, match="not empty and is not an mlpilot bundle"):
        _write(other)
    assert os.listdir(other) == ["cat.jpg"]


def test_predictor_round_trip_gives_identical_predictions(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["x", "y", "z"], 300)})
    df["label"] = np.where(df.a + (df.b == "x") > 0.3, "yes", "no")
    predictor = mlpilot.fit(df, "label", time_limit=10, preset="fast", out=tmp_path / "m")
    again = mlpilot.load(tmp_path / "m")
    X = df.drop(columns=["label"])
    pd.testing.assert_frame_equal(predictor.predict_proba(X), again.predict_proba(X))
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    for key in ("schema", "task", "metric", "leaderboard", "versions", "reference_profile",
                "data_fingerprint", "seed", "created_at", "files"):
        assert key in manifest
    assert not any(f.endswith((".pkl", ".pickle", ".joblib")) for f in manifest["files"])
