"""Bad input through the real CLI: one line on stderr naming the file or column, exit 2, nothing left on disk.

Every test runs `python -m mlpilot` as a subprocess on small seeded data written to tmp_path and
checks that the directory holds exactly what it held before the command (no bundle, no temporary
bundle sibling, no predictions file, no temporary predictions file).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

FIT_FAST = ("--time-limit", 5, "--preset", "fast", "--quiet")


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its content (None for a directory)."""
    return {p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes()) for p in root.rglob("*")}


def _assert_refused(run, *names: str) -> str:
    """Exit 2, nothing on stdout, one 'error:' line on stderr naming every one of ``names``."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, (run.returncode, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("error: "), lines[0]
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert run.stdout == ""
    return lines[0]


@pytest.fixture
def train_frame(make_table) -> pd.DataFrame:
    return make_table(n=120, seed=1)


def _fit_refused(run_cli, tmp_path: Path, data: Path | str | None, *args: object, names: tuple[str, ...]) -> str:
    """Run fit with --out tmp_path/model; assert it is refused and tmp_path is left as it was."""
    before = _tree(tmp_path)
    data_arg = () if data is None else (data,)
    run = run_cli("fit", *data_arg, *args, *FIT_FAST, "--out", tmp_path / "model", cwd=tmp_path)
    message = _assert_refused(run, *names)
    assert _tree(tmp_path) == before
    assert not (tmp_path / "model").exists()
    assert not list(tmp_path.glob(".model.tmp-*"))
    return message


# ------------------------------------------------------------------------------------------------- fit: the file


def test_fit_refuses_an_empty_file(run_cli, tmp_path):
    (tmp_path / "train.csv").write_bytes(b"")
    message = _fit_refused(run_cli, tmp_path, "train.csv", "--target", "y", names=("train.csv",))
    assert "empty" in message


def test_fit_refuses_a_file_with_a_header_and_no_rows(run_cli, tmp_path):
    (tmp_path / "train.csv").write_text("num,cat,y\n")
    message = _fit_refused(run_cli, tmp_path, "train.csv", "--target", "y", names=("train.csv",))
    assert "no rows" in message


def test_fit_refuses_a_missing_file(run_cli, tmp_path):
    message = _fit_refused(run_cli, tmp_path, "nowhere.csv", "--target", "y", names=("nowhere.csv",))
    assert "does not exist" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("train.parquet", b"PAR1 this is not a parquet file"),
        ("train.xlsx", b"not a zip archive at all"),
        ("train.csv", bytes(range(128, 256)) * 20),
    ],
    ids=["parquet", "xlsx", "csv-binary"],
)
def test_fit_refuses_an_unreadable_file(run_cli, tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    message = _fit_refused(run_cli, tmp_path, name, "--target", "y", names=(name,))
    assert "could not be read" in message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_fit_refuses_a_file_without_read_permission(run_cli, tmp_path, train_frame):
    train_frame.to_csv(tmp_path / "train.csv", index=False)
    (tmp_path / "train.csv").chmod(0)
    try:
        _fit_refused(run_cli, tmp_path, "train.csv", "--target", "y", names=("train.csv",))
    finally:
        (tmp_path / "train.csv").chmod(0o644)


def test_fit_refuses_an_unknown_extension(run_cli, tmp_path, train_frame):
    train_frame.to_csv(tmp_path / "train.txt", index=False)
    message = _fit_refused(run_cli, tmp_path, "train.txt", "--target", "y", names=("train.txt", ".txt"))
    assert ".csv" in message and ".parquet" in message  # says what is allowed


# ----------------------------------------------------------------------------------------------- fit: the columns


def test_fit_refuses_a_missing_target_column(run_cli, tmp_path, train_frame):
    train_frame.to_csv(tmp_path / "train.csv", index=False)
    message = _fit_refused(run_cli, tmp_path, "train.csv", "--target", "yy", names=("'yy'",))
    assert "Did you mean 'y'" in message


def test_fit_refuses_a_target_with_one_value(run_cli, tmp_path, train_frame):
    train_frame.assign(y="yes").to_csv(tmp_path / "train.csv", index=False)
    message = _fit_refused(run_cli, tmp_path, "train.csv", "--target", "y", names=("'y'", "'yes'"))
    assert "single value" in message


def test_fit_refuses_a_target_with_only_nulls(run_cli, tmp_path, train_frame):
    train_frame.assign(y=None).to_csv(tmp_path / "train.csv", index=False)
    message = _fit_refused(run_cli, tmp_path, "train.csv", "--target", "y", names=("'y'",))
    assert "missing" in message


@pytest.mark.parametrize("name", ["train.csv", "train.json"])
def test_fit_refuses_duplicated_column_names(run_cli, tmp_path, name):
    if name.endswith(".csv"):
        (tmp_path / name).write_text("num,num,y\n1,2,a\n3,4,b\n5,6,a\n")
    else:
        (tmp_path / name).write_text('[{"num": 1, "num": 2, "y": "a"}, {"num": 3, "num": 4, "y": "b"}]')
    message = _fit_refused(run_cli, tmp_path, name, "--target", "y", names=(name, "num"))
    assert "duplicated" in message


def test_fit_refuses_a_task_the_target_cannot_have(run_cli, tmp_path, train_frame):
    train_frame.to_csv(tmp_path / "train.csv", index=False)
    message = _fit_refused(run_cli, tmp_path, "train.csv", "--target", "y", "--task", "regression",
                           names=("'y'", "regression"))
    assert "needs numbers" in message


def test_fit_refuses_an_unknown_task(run_cli, tmp_path, train_frame):
    train_frame.to_csv(tmp_path / "train.csv", index=False)
    _fit_refused(run_cli, tmp_path, "train.csv", "--target", "y", "--task", "ranking",
                 names=("--task", "'ranking'", "multiclass"))


def test_fit_refuses_a_failing_sql_query(run_cli, tmp_path):
    _fit_refused(run_cli, tmp_path, None, "--sql", "SELECT * FROM 'absent.parquet'", "--target", "y",
                 names=("SQL query", "absent.parquet"))


# --------------------------------------------------------------------------------------------------- fit: --out


def test_fit_refuses_an_out_that_is_a_file_before_training(run_cli, tmp_path, train_frame):
    train_frame.to_csv(tmp_path / "train.csv", index=False)
    (tmp_path / "model").write_text("keep me")
    before = _tree(tmp_path)
    run = run_cli("fit", "train.csv", "--target", "y", *FIT_FAST, "--out", "model", cwd=tmp_path)
    _assert_refused(run, "--out", "'model'")
    assert _tree(tmp_path) == before


def test_fit_refuses_an_out_directory_that_is_not_a_bundle(run_cli, tmp_path, train_frame):
    train_frame.to_csv(tmp_path / "train.csv", index=False)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "notes.txt").write_text("keep me")
    before = _tree(tmp_path)
    run = run_cli("fit", "train.csv", "--target", "y", *FIT_FAST, "--out", "model", cwd=tmp_path)
    _assert_refused(run, "--out", "'model'")
    assert _tree(tmp_path) == before


# ------------------------------------------------------------------------------------------- predict and evaluate


@pytest.fixture
def new_rows(binary_bundle) -> pd.DataFrame:
    """The training table without its target: valid prediction data."""
    return pd.read_csv(binary_bundle[1]).drop(columns=["y"]).head(40)


def _predict_refused(run_cli, tmp_path: Path, model: Path, data: str, *names: str, out: str = "preds.csv") -> str:
    before = _tree(tmp_path)
    run = run_cli("predict", model, data, "--out", out, cwd=tmp_path)
    message = _assert_refused(run, *names)
    assert _tree(tmp_path) == before  # no predictions file, no temporary file
    return message


def test_predict_refuses_data_that_lacks_a_training_column(run_cli, tmp_path, binary_bundle, new_rows):
    new_rows.drop(columns=["num"]).to_csv(tmp_path / "new.csv", index=False)
    message = _predict_refused(run_cli, tmp_path, binary_bundle[0], "new.csv", "'num'", "new.csv")
    assert "missing" in message


@pytest.mark.parametrize(
    ("column", "value", "expect"),
    [
        ("num", "twelve", "numbers"),
        ("when", "not a date", "dates"),
        ("when", 20240131, "dates"),
        ("flag", "maybe", "true/false"),
    ],
    ids=["text-for-number", "text-for-date", "number-for-date", "text-for-boolean"],
)
def test_predict_refuses_a_column_of_the_wrong_type(run_cli, tmp_path, binary_bundle, new_rows, column, value,
                                                     expect):
    bad = new_rows.copy()
    bad[column] = value
    bad.to_csv(tmp_path / "new.csv", index=False)
    message = _predict_refused(run_cli, tmp_path, binary_bundle[0], "new.csv", f"'{column}'", "new.csv")
    assert expect in message


def test_predict_names_the_row_of_a_wrong_value(run_cli, tmp_path, binary_bundle, new_rows):
    bad = new_rows.astype({"num": str})  # numbers stored as text are accepted; one value is not a number
    bad.loc[6, "num"] = "n/a?"
    bad.to_parquet(tmp_path / "new.parquet")
    message = _predict_refused(run_cli, tmp_path, binary_bundle[0], "new.parquet", "'num'", "'n/a?'",
                               out="preds.parquet")
    assert "row 7" in message


def test_predict_refuses_duplicated_column_names(run_cli, tmp_path, binary_bundle, new_rows):
    text = new_rows.to_csv(index=False).replace("cat,", "num,", 1)
    (tmp_path / "new.csv").write_text(text)
    _predict_refused(run_cli, tmp_path, binary_bundle[0], "new.csv", "new.csv", "num")


def test_predict_refuses_an_empty_file(run_cli, tmp_path, binary_bundle):
    (tmp_path / "new.csv").write_bytes(b"")
    _predict_refused(run_cli, tmp_path, binary_bundle[0], "new.csv", "new.csv")


def test_predict_refuses_an_out_with_an_unknown_extension(run_cli, tmp_path, binary_bundle, new_rows):
    new_rows.to_csv(tmp_path / "new.csv", index=False)
    message = _predict_refused(run_cli, tmp_path, binary_bundle[0], "new.csv", "--out", "'preds.txt'",
                               out="preds.txt")
    assert ".csv" in message and ".parquet" in message


def test_predict_refuses_an_out_that_is_a_directory(run_cli, tmp_path, binary_bundle, new_rows):
    new_rows.to_csv(tmp_path / "new.csv", index=False)
    (tmp_path / "preds.csv").mkdir()
    _predict_refused(run_cli, tmp_path, binary_bundle[0], "new.csv", "--out", "'preds.csv'", "directory")


def test_evaluate_refuses_data_without_the_target(run_cli, tmp_path, binary_bundle, new_rows):
    new_rows.to_csv(tmp_path / "test.csv", index=False)
    message = _assert_refused(run_cli("evaluate", binary_bundle[0], "test.csv", cwd=tmp_path), "'y'", "test.csv")
    assert "target" in message


def test_evaluate_refuses_a_target_without_known_values(run_cli, tmp_path, binary_bundle):
    pd.read_csv(binary_bundle[1]).assign(y=None).to_csv(tmp_path / "test.csv", index=False)
    message = _assert_refused(run_cli("evaluate", binary_bundle[0], "test.csv", cwd=tmp_path), "'y'", "test.csv")
    assert "no known value" in message


def test_evaluate_refuses_a_column_of_the_wrong_type(run_cli, tmp_path, binary_bundle):
    pd.read_csv(binary_bundle[1]).assign(num="lots").to_csv(tmp_path / "test.csv", index=False)
    _assert_refused(run_cli("evaluate", binary_bundle[0], "test.csv", cwd=tmp_path), "'num'", "test.csv")


def test_evaluate_refuses_labels_the_model_never_saw(run_cli, tmp_path, binary_bundle):
    pd.read_csv(binary_bundle[1]).assign(y="maybe").to_csv(tmp_path / "test.csv", index=False)
    _assert_refused(run_cli("evaluate", binary_bundle[0], "test.csv", cwd=tmp_path), "'y'", "'maybe'")


# ---------------------------------------------------------------------------------------- tampered or bad bundles


@pytest.fixture
def bundle_copy(tmp_path, binary_bundle, new_rows) -> Path:
    """A private copy of the trained bundle at tmp_path/model, and valid data at tmp_path/new.csv."""
    shutil.copytree(binary_bundle[0], tmp_path / "model")
    new_rows.to_csv(tmp_path / "new.csv", index=False)
    return tmp_path / "model"


def _model_file(bundle: Path) -> Path:
    return sorted(p for p in (bundle / "models").iterdir() if p.is_file())[0]


def test_predict_refuses_a_bundle_with_a_flipped_byte(run_cli, tmp_path, bundle_copy):
    victim = _model_file(bundle_copy)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    message = _predict_refused(run_cli, tmp_path, bundle_copy, "new.csv", victim.name)
    assert "sha256" in message


def test_predict_refuses_a_truncated_manifest(run_cli, tmp_path, bundle_copy):
    manifest = bundle_copy / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:200])
    _predict_refused(run_cli, tmp_path, bundle_copy, "new.csv", "manifest.json", "corrupt")


def test_predict_refuses_a_bundle_with_a_deleted_payload_file(run_cli, tmp_path, bundle_copy):
    victim = _model_file(bundle_copy)
    victim.unlink()
    message = _predict_refused(run_cli, tmp_path, bundle_copy, "new.csv", victim.name)
    assert "missing" in message


def test_predict_refuses_a_manifest_with_a_missing_field(run_cli, tmp_path, bundle_copy):
    manifest = bundle_copy / "manifest.json"
    content = json.loads(manifest.read_text())
    del content["schema"]
    manifest.write_text(json.dumps(content))
    _predict_refused(run_cli, tmp_path, bundle_copy, "new.csv", "model")


@pytest.mark.parametrize("kind", ["absent", "empty-dir"])
def test_predict_refuses_a_model_path_that_is_not_a_bundle(run_cli, tmp_path, new_rows, kind):
    new_rows.to_csv(tmp_path / "new.csv", index=False)
    if kind == "empty-dir":
        (tmp_path / "model").mkdir()
    _predict_refused(run_cli, tmp_path, tmp_path / "model", "new.csv", "model")
