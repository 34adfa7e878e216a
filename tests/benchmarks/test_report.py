import peers
import report

PEERS_MD = """| dataset | task | metric | LightGBM defaults | AutoGluon medium | FLAML |
|---|---|---|---|---|---|
| a | binary | AUC ↑ | 0.9000 | 0.9500 | — |
| b | regression | RMSE ↓ | 10.0 | 9.0 | 8.0 |
"""


def record(dataset, task, metric, score, status="ok", error=None):
    return {"dataset": dataset, "task": task, "metric": metric, "score": score, "status": status,
            "error": error, "fit_s": 12.0, "predict_s": 0.5, "latency_ms": 2.0,
            "peak_rss_mb": 300.0, "model_mb": 1.5, "budget": 10}


def test_summary_table_ranks_and_tallies():
    table = peers.parse_peers_text(PEERS_MD)
    records = [record("a", "binary", "auc", 0.8990),
               record("b", "regression", "rmse", None, "timeout", "fit killed after 75 s")]

    text = report.summary(records, table)

    assert "| a       | binary     | AUC ↑  | 0.8990  | 0.9000" in text
    assert "TIMEOUT" in text
    assert "- mlpilot: 3.00" in text  # last on a, failed on b
    assert "- LightGBM defaults: 2.00" in text
    assert "- AutoGluon medium: 1.00" in text
    assert "- FLAML: — (figures on 1/2 datasets)" in text
    assert "- a: no verdict: not compared" in text
    assert "- b: worse: mlpilot timeout" in text
    assert ("not worse than LightGBM defaults (paired bootstrap, 90 %): 0/1 "
            "(worse on: b; no verdict on: a)") in text
    assert "mlpilot beats AutoGluon medium: 0/2" in text
    assert "- b: timeout: fit killed after 75 s" in text


def test_read_records_keeps_the_last_record_per_dataset(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text('{"dataset": "a", "score": 1}\n{"dataset": "b", "score": 2}\n'
                    '{"dataset": "a", "score": 3}\n', encoding="utf-8")

    assert report.read_records(path) == [{"dataset": "b", "score": 2}, {"dataset": "a", "score": 3}]


def test_a_score_equal_to_the_peer_at_its_precision_is_a_tie():
    table = peers.parse_peers_text(PEERS_MD)
    records = [record("a", "binary", "auc", 0.95004)]

    text = report.summary(records, table)

    assert "mlpilot beats AutoGluon medium: 0/1" in text
    assert "- mlpilot: 1.50" in text and "- AutoGluon medium: 1.50" in text
