"""`mlpilot report` and the data checks in `mlpilot fit`, run as the real CLI on a table with planted problems."""

from __future__ import annotations

import json

import pandas as pd
import pytest

PLANTED = {"patient_id": "Identifier", "lab_result": "Target leakage", "site": "Constant column",
           "marker_copy": "Duplicated column", "visit_date": "Dates stored as text", "income": "Numbers stored as text",
           "weight": "Numbers stored as text"}


@pytest.fixture(scope="module")
def planted_csv(tmp_path_factory, make_planted):
    root = tmp_path_factory.mktemp("planted")
    make_planted().to_csv(root / "train.csv", index=False)
    make_planted(n=80, seed=5).iloc[:60].to_csv(root / "test.csv", index=False)
    return root


@pytest.fixture(scope="module")
def planted_fit(planted_csv, run_cli):
    run = run_cli("fit", "train.csv", "--target", "diagnosis", "--time-limit", 8, "--preset", "fast", "--drop", "fitness",
                  "--out", "model", cwd=planted_csv)
    return run, planted_csv / "model"


def test_report_writes_html_and_lists_each_planted_problem(planted_csv, run_cli):
    run = run_cli("report", "train.csv", "--target", "diagnosis", "--test", "test.csv", "--out", "report.html",
                  cwd=planted_csv)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for column, title in PLANTED.items():
        assert any(title in line and f"'{column}'" in line for line in lines), (column, run.stdout)
    assert "Duplicated rows table: 25 rows" in run.stdout
    html = (planted_csv / "report.html").read_text()
    assert "Overlap between train and test" in html and "Target leakage" in html


@pytest.mark.parametrize("args, message", [
    (("--out", "report.txt"), "--out 'report.txt' has the extension '.txt'; allowed: .html"),
    (("--target", "diagnosys"), "Did you mean 'diagnosis'?"),
    (("--drop", "nope"), "--drop names column 'nope', which is not in the data"),
])
def test_report_bad_input_is_one_line_and_exit_2(planted_csv, run_cli, args, message):
    run = run_cli("report", "train.csv", *args, cwd=planted_csv)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_fit_says_what_it_dropped_or_repaired_and_why(planted_fit):
    run, _ = planted_fit
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Data checks:" in out
    for column, title in PLANTED.items():
        assert any(title in line and f"'{column}'" in line for line in out.splitlines()), column
    assert "Dropped by --drop 'fitness': named by --drop; dropped." in out


def test_fit_model_uses_the_cleaned_columns_and_keeps_its_report(planted_fit, planted_csv, run_cli):
    _, model = planted_fit
    manifest = json.loads((model / "manifest.json").read_text())
    dropped = {c["name"]: c["dropped"] for c in manifest["schema"]["columns"] if c["dropped"]}
    assert set(dropped) >= {"patient_id", "lab_result", "site", "marker_copy", "fitness"}
    assert {"income", "weight", "visit_date", "blood_marker"}.isdisjoint(dropped)
    assert {f["code"] for f in manifest["cleaning"]} >= {"identifier", "leakage", "duplicate_rows"}
    run = run_cli("predict", "model", "test.csv", "--out", "preds.csv", cwd=planted_csv)
    assert run.returncode == 0, run.stderr
    assert len(pd.read_csv(planted_csv / "preds.csv")) == 60
    run = run_cli("report", "--model", "model", "--out", "kept.html", cwd=planted_csv)
    assert run.returncode == 0, run.stderr
    assert "Target leakage" in (planted_csv / "kept.html").read_text()


def test_fit_refuses_an_unknown_keep_column(planted_csv, run_cli):
    run = run_cli("fit", "train.csv", "--target", "diagnosis", "--keep", "patient", "--out", "m2", cwd=planted_csv)
    assert run.returncode == 2 and "--keep names column 'patient'" in run.stderr
