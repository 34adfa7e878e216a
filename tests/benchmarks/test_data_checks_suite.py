"""The data checks on real datasets of the developers' suite (../shared/bench; skipped where it is absent):
each known problem is found, and fit drops or repairs it with the reason in its output."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from benchdir import default_bench_dir

SPLITS = default_bench_dir() / "splits"

# dataset -> (finding title, column) pairs the checks must report, and the columns fit must drop
EXPECTED = {
    "bank_customer_churn": ({("Identifier", "RowNumber"), ("Identifier", "CustomerId"),
                             ("High-cardinality categories", "Surname")}, {"RowNumber", "CustomerId"}),
    "titanic": ({("Identifier", "PassengerId"), ("Free text", "Name"), ("High-cardinality categories", "Ticket")},
                {"PassengerId"}),
    "nyc_flights_2013_sample": ({("Constant column", "year"), ("Dates stored as text", "time_hour"),
                                 ("High-cardinality categories", "tailnum")}, {"year"}),
    "arrhythmia": ({("Duplicated column", "chAVR_RPwaveExists"), ("Constant column", "chV6_SPwave")},
                   {"chAVR_RPwaveExists", "chV6_SPwave"}),
}


def _train(name: str) -> tuple[pd.DataFrame, dict]:
    split = SPLITS / name
    if not (split / "train.parquet").is_file():
        pytest.skip(f"the developers' suite is not here ({split} is absent); these tests need ../shared/bench")
    return pd.read_parquet(split / "train.parquet"), json.loads((split / "split.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_finds_the_known_problems_of_real_datasets(name):
    from mlpilot.pipeline import report

    df, meta = _train(name)
    profile = report(df, meta["target"], task=meta["task"])
    found = {(f["title"], f["column"]) for f in profile.findings}
    expected, dropped = EXPECTED[name]
    assert expected <= found
    roles = {c.name: c.role for c in profile.columns}
    for column in dropped:
        assert roles[column].startswith("dropped: "), (column, roles[column])
    assert not [f for f in profile.findings if f["code"] == "leakage"]  # no leak on these: none is claimed


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bank_customer_churn", "titanic"])
def test_fit_on_real_datasets_says_what_it_dropped_and_why(name, tmp_path, run_cli):
    df, meta = _train(name)
    df.to_parquet(tmp_path / "train.parquet")
    run = run_cli("fit", "train.parquet", "--target", meta["target"], "--time-limit", 15, "--preset", "fast",
                  "--out", "model", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    expected, dropped = EXPECTED[name]
    lines = run.stdout.splitlines()
    for title, column in expected:
        assert any(line.strip().startswith(f"{title} '{column}':") for line in lines), (title, column, run.stdout)
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    assert {c["name"] for c in manifest["schema"]["columns"] if c["dropped"]} >= dropped
