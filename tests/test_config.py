import pytest

from mlpilot import config
from mlpilot.exceptions import ConfigError


@pytest.mark.parametrize(("name", "read", "bad"), [
    ("MLPILOT_WORKERS", config.workers, "-1"), ("MLPILOT_WORKERS", config.workers, "two"),
    ("MLPILOT_MEMORY_LIMIT_MB", config.memory_limit_mb, "0"), ("MLPILOT_MEMORY_LIMIT_MB", config.memory_limit_mb, "lots"),
    ("MLPILOT_THREADS", config.threads, "0"),
])
def test_a_bad_setting_is_refused_by_name(monkeypatch, name, read, bad):
    monkeypatch.setenv(name, bad)
    with pytest.raises(ConfigError, match=f"{name} is '?{bad}'?"):
        read()


def test_settings_unset_mean_the_defaults_and_set_ones_are_read(monkeypatch):
    monkeypatch.delenv("MLPILOT_WORKERS", raising=False)
    monkeypatch.delenv("MLPILOT_MEMORY_LIMIT_MB", raising=False)
    assert config.workers() is None and config.memory_limit_mb() is None
    monkeypatch.setenv("MLPILOT_WORKERS", "0")
    monkeypatch.setenv("MLPILOT_MEMORY_LIMIT_MB", "512.5")
    assert config.workers() == 0 and config.memory_limit_mb() == 512.5
