"""Self-learning on the suite's electricity data, ordered in time (../shared/bench; skipped where absent): with
no human step, drift is flagged, new versions are trained and judged against the champion on the newest
labelled rows, every decision is recorded with its evidence, and the service never serves a version that lost."""

from __future__ import annotations

import pytest

from benchdir import default_bench_dir


@pytest.mark.slow
@pytest.mark.alone  # the retraining runs niced: another test on the same cores starves it
def test_electricity_retrains_itself_and_recovers(tmp_path):
    import retrain_e2e

    if not (default_bench_dir() / "datasets" / "electricity.parquet").is_file():
        pytest.skip("the developers' suite is not here (../shared/bench/datasets/electricity.parquet)")
    args = retrain_e2e.parse_args(["--initial", "4000", "--batches", "10", "--batch-rows", "1000", "--time-limit",
                                   "10", "--wait", "3", "--out", str(tmp_path / "e2e.json")])
    result = retrain_e2e.run(args)
    assert result["drift_flagged"]
    decisions = result["decisions"]
    assert decisions, result
    failed = [d["reason"] for d in decisions if d["action"] not in ("promote", "keep")]
    if failed:
        print("the service's log ends with:\n" + result["server_log_tail"])
    assert not failed, failed
    for d in decisions:
        evidence = d["evidence"]
        assert evidence["rows"] >= 150 and evidence["trained_rows"] > 4000
        promoted = evidence["advantage_interval"][0] > evidence["margin"]
        assert promoted == (d["action"] == "promote")
    promoted_versions = {d["version"] for d in decisions if d["action"] == "promote"}
    assert {b["version"] for b in result["batches"]} <= {1} | promoted_versions  # a version that lost never serves
