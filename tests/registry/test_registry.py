import multiprocessing
import shutil

import pytest

import mlpilot
from mlpilot.exceptions import BundleError, ConfigError, NotFoundError
from mlpilot.registry import Registry, parse_reference


def test_versions_count_up_and_the_first_is_champion(registry, name, binary_bundle):
    bundle, _ = binary_bundle
    v1 = registry.register(bundle, name)
    v2 = registry.register(bundle, name, description="second try")
    assert (v1.version, v2.version) == (1, 2)
    assert v1.aliases == ("champion",) and v2.aliases == ()
    assert v1.parent_version is None and v2.parent_version == 1  # lineage: the champion it would replace
    assert v2.fingerprint and v2.fingerprint == v1.fingerprint
    assert v2.task == "binary" and v2.metric == "auc" and 0.5 < v2.score <= 1.0
    assert v2.metrics["validation_auc"] == v2.score and v2.metrics["n_rows"] == 300
    assert v2.path != v1.path and v2.path.is_dir() and v2.description == "second try"
    assert [v.version for v in registry.versions(name)] == [2, 1]
    assert registry.resolve(name).version == 1  # the champion
    assert registry.resolve(f"{name}:2").version == 2
    assert registry.resolve(f"{name}@champion").version == 1
    model = mlpilot.load(registry.resolve(f"{name}:2").path)
    assert model.task.is_classification


def test_promote_and_rollback_walk_the_champions_back(registry, name, binary_bundle):
    bundle, _ = binary_bundle
    for _ in range(3):
        registry.register(bundle, name)
    assert registry.promote(name, 2) == 1
    assert registry.promote(name, 3) == 2
    assert registry.promote(name, 3) == 3  # no change, no history entry
    assert registry.rollback(name) == 2
    assert registry.rollback(name) == 1
    with pytest.raises(NotFoundError, match="no earlier champion"):
        registry.rollback(name)
    assert registry.aliases(name) == {"champion": 1}
    registry.promote(name, 3, alias="challenger")
    assert registry.aliases(name) == {"champion": 1, "challenger": 3}
    assert registry.get(name, 3).aliases == ("challenger",)
    with pytest.raises(NotFoundError, match="no earlier challenger"):
        registry.rollback(name, alias="challenger")


def test_unknown_names_versions_and_aliases_are_clear_errors(registry, name, binary_bundle):
    bundle, _ = binary_bundle
    with pytest.raises(NotFoundError, match="registry is empty|Registered:"):
        registry.resolve(name)
    registry.register(bundle, name)
    with pytest.raises(NotFoundError, match=f"'{name}' has no version 7; it has 1"):
        registry.promote(name, 7)
    with pytest.raises(NotFoundError, match="has no challenger; set one with"):
        registry.resolve(f"{name}@challenger")
    with pytest.raises(ConfigError, match="Alias 'latest' is not allowed; allowed: champion, challenger"):
        registry.promote(name, 1, alias="latest")
    for bad in ("", "a/b", "../x", "x" * 101, "-x"):
        with pytest.raises(ConfigError, match="Model name"):
            registry.register(bundle, bad)
    with pytest.raises(ConfigError, match="version 'x'; allowed: a positive integer"):
        parse_reference(f"{name}:x")


def test_a_broken_bundle_is_not_registered(registry, name, binary_bundle, tmp_path):
    bundle, _ = binary_bundle
    broken = tmp_path / "broken"
    shutil.copytree(bundle, broken)
    (broken / "preprocessor.json").write_text("{}")
    with pytest.raises(BundleError, match="sha256"):
        registry.register(broken, name)
    with pytest.raises(NotFoundError):
        registry.versions(name)


def test_delete_keeps_the_champion_unless_forced(registry, name, binary_bundle):
    bundle, _ = binary_bundle
    v1, v2 = registry.register(bundle, name), registry.register(bundle, name)
    with pytest.raises(ConfigError, match="is the champion; promote another version first, or pass --force"):
        registry.delete(name, 1)
    assert registry.delete(name, 2) == [2] and not v2.path.exists()
    assert [v.version for v in registry.versions(name)] == [1]
    assert registry.register(bundle, name).version == 3  # numbers are never reused
    assert registry.delete(name, force=True) == [1, 3] and not v1.path.exists()
    with pytest.raises(NotFoundError):
        registry.versions(name)


def test_export_copies_a_loadable_bundle(registry, name, binary_bundle, tmp_path):
    bundle, train = binary_bundle
    registry.register(bundle, name)
    out = registry.export(f"{name}@champion", tmp_path / "exported")
    import pandas as pd

    rows = pd.read_csv(train).drop(columns="y").head(5)
    assert (mlpilot.load(out).predict(rows) == mlpilot.load(bundle).predict(rows)).all()
    with pytest.raises(ConfigError, match="not empty"):
        registry.export(name, tmp_path)


def _register_many(home: str, url: str | None, bundle: str, name: str, n: int, queue) -> None:
    reg = Registry(__import__("pathlib").Path(home), url)
    queue.put([reg.register(bundle, name).version for _ in range(n)])
    reg.close()


def test_processes_registering_at_once_get_distinct_versions(registry, name, binary_bundle):
    bundle, _ = binary_bundle
    registry.names()  # tables created before the race
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    url = registry.url
    procs = [ctx.Process(target=_register_many, args=(str(registry.home), url, str(bundle), name, 3, queue))
             for _ in range(4)]
    for p in procs:
        p.start()
    got = sorted(v for _ in procs for v in queue.get(timeout=120))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert got == list(range(1, 13))
    assert registry.aliases(name) == {"champion": 1}
    assert len({v.path for v in registry.versions(name)}) == 12
