"""Model-based hyperparameter search (Optuna's TPE) over a family's declared search space.

After the preset's fixed candidates, the time left goes to the most promising families in turn:
each new configuration is suggested from the scores of the family's configurations tried before.
"""

from __future__ import annotations

import logging
from typing import Any

from mlpilot.evaluate.metrics import Metric
from mlpilot.models.base import ModelFamily
from mlpilot.search.trial import Candidate, TrialResult

logger = logging.getLogger(__name__)

__all__ = ["TPESearch"]


def _suggest(trial, name: str, spec: tuple) -> Any:
    kind, *args = spec
    if kind == "int":
        return trial.suggest_int(name, int(args[0]), int(args[1]))
    if kind == "float":
        return trial.suggest_float(name, float(args[0]), float(args[1]))
    if kind == "logfloat":
        return trial.suggest_float(name, float(args[0]), float(args[1]), log=True)
    if kind == "choice":
        return trial.suggest_categorical(name, list(args))
    raise ValueError(f"search space of {name!r} has the unknown kind {kind!r}")


class TPESearch:
    """One Optuna study per family; ``ask`` gives the next candidate, ``tell`` records its score."""

    def __init__(self, metric: Metric, seed: int):
        self.metric, self.seed = metric, seed
        self._studies: dict[str, Any] = {}
        self._pending: dict[str, Any] = {}
        self.count = 0

    def _study(self, family: ModelFamily, task):
        if family.key not in self._studies:
            import optuna

            optuna.logging.set_verbosity(optuna.logging.WARNING)
            sampler = optuna.samplers.TPESampler(seed=self.seed, n_startup_trials=5)
            self._studies[family.key] = optuna.create_study(direction="minimize", sampler=sampler)
        return self._studies[family.key]

    def seed_with(self, family: ModelFamily, task, result: TrialResult) -> None:
        """Tell the study about a fixed candidate of the same family (its parameters that are in the space)."""
        import optuna

        space = family.search_space(task)
        params = {k: v for k, v in result.config.items() if k in space}
        if len(params) != len(space):
            return
        try:
            dists = {k: optuna.distributions.IntDistribution(int(s[1]), int(s[2])) if s[0] == "int" else
                     optuna.distributions.FloatDistribution(float(s[1]), float(s[2]), log=s[0] == "logfloat")
                     if s[0] in ("float", "logfloat") else optuna.distributions.CategoricalDistribution(list(s[1:]))
                     for k, s in space.items()}
            self._study(family, task).add_trial(optuna.trial.create_trial(
                params=params, distributions=dists, value=self.metric.loss_from_score(result.score)))
        except ValueError:  # a default outside the declared range: not worth teaching the study
            pass

    def ask(self, family: ModelFamily, task, base: dict[str, Any]) -> Candidate:
        trial = self._study(family, task).ask()
        config = {**base, **{k: _suggest(trial, k, spec) for k, spec in family.search_space(task).items()}}
        self.count += 1
        name = f"{family.key}_hpo{self.count}"
        self._pending[name] = trial
        return Candidate(name, family, config)

    def tell(self, family: ModelFamily, name: str, result: TrialResult | None) -> None:
        import optuna

        trial = self._pending.pop(name)
        state = optuna.trial.TrialState.COMPLETE if result is not None else optuna.trial.TrialState.FAIL
        value = self.metric.loss_from_score(result.score) if result is not None else None
        self._studies[family.key].tell(trial, value, state=state)
