import pytest

import peers

PEERS_MD = """# Peers

Some text | with a pipe that is not a table.

| dataset | task | metric | LightGBM defaults | FLAML | AutoGluon medium | H2O AutoML |
|---|---|---|---|---|---|---|
| kc1 | binary | AUC ↑ | 0.7927 | — | 0.8286 | FAIL |
| letter | multiclass | log loss ↓ | 0.1148 | 0.1306 | 0.0693 | 0.1767 |
| house_16h | regression | RMSE ↓ | 32410.0 | — | 29964.2 | — |

| per system | LightGBM defaults | FLAML |
|---|---|---|
| fit wall s | 5 | 68 |
"""


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "peers.md"
    path.write_text(PEERS_MD, encoding="utf-8")
    return peers.parse_peers(path)


def test_parses_the_systems_of_the_first_table_in_order(table):
    assert table.systems == ["LightGBM defaults", "FLAML", "AutoGluon medium", "H2O AutoML"]
    assert list(table.figures) == ["kc1", "letter", "house_16h"]
    assert table.tasks == {"kc1": "binary", "letter": "multiclass", "house_16h": "regression"}


def test_figures_numbers_dashes_and_failures(table):
    assert table.figure("kc1", "LightGBM defaults") == pytest.approx(0.7927)
    assert table.figure("house_16h", "AutoGluon medium") == pytest.approx(29964.2)
    assert table.figure("kc1", "FLAML") is None
    assert table.figure("kc1", "H2O AutoML") == peers.FAIL
    assert table.figure("unknown", "FLAML") is None


def test_find_system_by_words(table):
    assert table.find_system("lightgbm") == "LightGBM defaults"
    assert table.find_system("autogluon", "medium") == "AutoGluon medium"
    assert table.find_system("autogluon", "best") is None


def test_missing_file_gives_an_empty_table(tmp_path):
    table = peers.parse_peers(tmp_path / "absent.md")
    assert table.systems == [] and table.figures == {}


def test_a_table_without_dataset_column_is_an_error():
    with pytest.raises(ValueError, match="no 'dataset' column"):
        peers.parse_peers_text("| name | score |\n|---|---|\n| x | 1 |\n")


def test_mean_ranks_only_for_systems_with_a_figure_everywhere():
    figures = {
        "kc1": {"mine": 0.80, "lgbm": 0.79, "ag": 0.83, "flaml": None},
        "letter": {"mine": 0.10, "lgbm": 0.11, "ag": 0.07, "flaml": 0.13},
    }
    metrics = {"kc1": "auc", "letter": "logloss"}

    ranks = peers.mean_ranks(figures, metrics, ["mine", "lgbm", "ag", "flaml"])

    assert ranks == {"mine": 2.0, "lgbm": 3.0, "ag": 1.0}


def test_failures_rank_last_and_ties_share_the_average():
    figures = {
        "a": {"x": peers.FAIL, "y": 0.5, "z": 0.5},
        "b": {"x": 1.0, "y": 2.0, "z": peers.FAIL},
    }
    metrics = {"a": "rmse", "b": "rmse"}

    ranks = peers.mean_ranks(figures, metrics, ["x", "y", "z"])

    assert ranks == {"x": (3 + 1) / 2, "y": (1.5 + 2) / 2, "z": (1.5 + 3) / 2}


def test_no_datasets_no_ranks():
    assert peers.mean_ranks({}, {}, ["x"]) == {}


def test_harness_results_fill_the_missing_figures_and_failures_rank_last(table):
    records = [
        {"dataset": "kc1", "task": "binary", "system": "flaml", "status": "ok", "auc": 0.81},
        {"dataset": "house_16h", "task": "regression", "system": "flaml", "status": "timeout"},
        {"dataset": "letter", "task": "multiclass", "system": "flaml", "status": "ok", "logloss": 0.2},  # later wins
        {"dataset": "kc1", "task": "binary", "system": "unknown_system", "status": "ok", "auc": 0.99},
    ]
    peers.add_harness_results(table, records)
    assert table.figure("kc1", "FLAML") == 0.81
    assert table.figure("house_16h", "FLAML") == peers.FAIL
    assert table.figure("letter", "FLAML") == 0.2
    assert "unknown_system" not in table.figures["kc1"]
    ranks = peers.mean_ranks(table.figures, {"kc1": "AUC", "letter": "log loss", "house_16h": "RMSE"},
                             ["FLAML", "AutoGluon medium"])
    assert set(ranks) == {"FLAML", "AutoGluon medium"}  # FLAML now has a figure everywhere
