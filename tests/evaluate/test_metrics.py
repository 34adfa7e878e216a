import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_absolute_error, r2_score, roc_auc_score

from mlpilot.data.task import Task
from mlpilot.evaluate.metrics import METRICS, get_metric
from mlpilot.exceptions import ConfigError


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    p = rng.dirichlet(np.ones(3), 200)
    assert METRICS["logloss"](y, p) == pytest.approx(log_loss(y, p))
    yb = rng.integers(0, 2, 200)
    pb = rng.random(200)
    assert METRICS["auc"](yb, np.column_stack([1 - pb, pb])) == pytest.approx(roc_auc_score(yb, pb))
    yr, pr = rng.normal(size=50), rng.normal(size=50)
    assert METRICS["mae"](yr, pr) == pytest.approx(mean_absolute_error(yr, pr))
    assert METRICS["r2"](yr, pr) == pytest.approx(r2_score(yr, pr))


def test_metric_names_are_checked_against_the_task():
    assert get_metric("auto", Task.MULTICLASS).name == "logloss"
    with pytest.raises(ConfigError, match="--metric rmse does not apply to a binary task"):
        get_metric("rmse", Task.BINARY)
    with pytest.raises(ConfigError, match="allowed: auto, auc"):
        get_metric("precision", Task.BINARY)
