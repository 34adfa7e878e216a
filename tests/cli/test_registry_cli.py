"""`mlpilot fit --name`, `mlpilot models ...` and registry references as MODEL, through the real CLI."""

import json

import pytest


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLPILOT_DB_URL", raising=False)
    return tmp_path / "home"


def test_fit_with_a_name_registers_without_a_bundle_folder(home, run_cli, binary_bundle, tmp_path):
    _, train = binary_bundle
    run = run_cli("fit", train, "--target", "y", "--preset", "fast", "--deterministic", "--quiet", "--name", "churn",
                  cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Registered churn version 1 (champion)." in run.stdout
    assert not (tmp_path / "model").exists()  # only the registry holds it
    assert not any((home / "staging").iterdir())  # nothing left behind on the way in
    listed = json.loads(run_cli("models", "list", "--json").stdout)
    assert [(m["name"], m["versions"], m["champion"]) for m in listed] == [("churn", 1, 1)]
    pred = run_cli("predict", "churn", train, "--out", tmp_path / "p.csv")
    assert pred.returncode == 0, pred.stderr
    assert (tmp_path / "p.csv").read_text().splitlines()[0] == "no,yes,prediction"


def test_models_commands_move_aliases_and_say_what_changed(home, run_cli, binary_bundle, tmp_path):
    from mlpilot.registry import Registry

    bundle, train = binary_bundle
    reg = Registry(home)
    reg.register(bundle, "churn")
    reg.register(bundle, "churn")
    reg.close()
    assert run_cli("models", "promote", "churn", "2").stdout.strip() == "churn@champion: version 1 -> 2"
    shown = json.loads(run_cli("models", "show", "churn", "--json").stdout)
    assert [(v["version"], v["aliases"], v["parent_version"]) for v in shown] == [(2, ["champion"], 1), (1, [], None)]
    assert run_cli("models", "rollback", "churn").stdout.strip() == "churn@champion: version 2 -> 1"
    table = run_cli("models", "show", "churn").stdout
    assert "champion" in table and "auc" in table
    assert run_cli("models", "export", "churn:2", "--out", tmp_path / "v2").returncode == 0
    assert (tmp_path / "v2" / "manifest.json").is_file()
    assert run_cli("evaluate", "churn@champion", train, "--json").returncode == 0
    assert run_cli("models", "delete", "churn:2").stdout.strip() == "Deleted churn version 2."


@pytest.mark.parametrize("args, words", [
    (["models", "promote", "nope", "1"], ["No model named 'nope'", "registry is empty"]),
    (["models", "promote", "churn", "1", "--alias", "latest"], ["Alias 'latest' is not allowed"]),
    (["predict", "nope@champion", "x.csv"], ["MODEL 'nope@champion' is neither a bundle folder nor a registered model"]),
    (["serve", "nope"], ["No model named 'nope'"]),
    (["fit", "x.csv", "--target", "y", "--name", "bad/name"], ["Model name 'bad/name' is not allowed"]),
    (["models", "rollback", "churn"], ["No model named 'churn'"]),
])
def test_registry_mistakes_exit_2_with_one_line(home, run_cli, args, words):
    run = run_cli(*args)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert all(w in run.stderr for w in words), run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
