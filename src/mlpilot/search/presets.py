"""Presets as plain data: how many folds, which families, how many portfolio entries, how much ensembling.

``balanced`` (the default) is tuned for a minute on two cores: its portfolio entries are from the
families and speeds (measured against LightGBM's first default) that fit; ``best`` tries every family
(families whose library is missing are skipped) and wants several minutes. A preset with ``then``
goes on, while time is left, with the candidates of that preset it has not tried and that preset's
tuning: ``balanced`` finishes its own list in seconds on small data, and then uses the rest of the
time limit as ``best`` would (not in deterministic mode, whose budget is the preset's own list,
nor where trials run in-process; see :func:`mlpilot.search.candidates.search_plan`).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlpilot.exceptions import ConfigError

__all__ = ["Preset", "PRESETS", "get_preset"]


@dataclass(frozen=True)
class Preset:
    name: str
    n_folds: int
    families: tuple[str, ...]
    portfolio_size: int  # the first this many portfolio entries of these families (search/portfolio.json)
    configs_per_family: int  # default configs of a family the portfolio has no entry for
    ensemble_rounds: int
    max_time_ratio: float | None = None  # skip portfolio entries slower than this x LightGBM's first default
    trial_share: float = 1.0  # the most of the time left that one trial may take
    hpo_trials: int = 0  # then up to this many TPE-tuned configurations of the best family
    stacking: bool = True  # a stacker replaces the greedy weights where it beats them on held-out rows
    defaults_for: tuple[str, ...] = ()  # tasks that take the defaults of default_families, not the portfolio
    default_families: tuple[str, ...] = ()
    # with at least many_classes classes, these families join default_families (a booster grows one tree per
    # class and round: slow there, while a network's cost hardly grows with the classes)
    many_class_families: tuple[str, ...] = ()
    many_classes: int = 10
    then: str | None = None  # with time left: the candidates of this preset not tried yet, then its tuning
    then_families: tuple[str, ...] | None = None  # of those candidates, only these families (None: all)
    then_first: tuple[str, ...] = ()  # of those candidates, these families' first (in the order they come)

    def share_for(self, task) -> float:
        """The most of the time left one trial may take: all of it for the tasks on defaults (as
        before the portfolio), ``trial_share`` otherwise."""
        return 1.0 if str(task) in self.defaults_for else self.trial_share


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("fast", n_folds=3, families=("lightgbm", "linear"), portfolio_size=2, configs_per_family=1,
           ensemble_rounds=10, max_time_ratio=2.0, stacking=False),
    # The portfolio was learned on samples of at most 8,000 rows, 20 s a trial: on multiclass sets with many
    # classes its first entries do not converge in a minute (kropt: log loss 0.86 against 0.34 with the
    # defaults below), so multiclass keeps LightGBM's hand-written defaults and the linear model, with k-NN beside
    # them, and the MLP where there are 10 classes or more: there a booster is slow and the MLP wins
    # (one_hundred_plants_texture: log loss 1.04 -> 0.55; letter: 0.103 -> 0.064, at 60 s); with fewer classes
    # it was no better on the suite, and PyTorch adds 350 MB to a worker (page_blocks: 0.0672 -> 0.0684).
    Preset("balanced", n_folds=5, families=("lightgbm", "catboost", "xgboost", "linear"), portfolio_size=6,
           configs_per_family=3, ensemble_rounds=25, max_time_ratio=16.0, trial_share=0.5,
           defaults_for=("multiclass",), default_families=("lightgbm", "linear", "knn"),
           many_class_families=("mlp",), then="best",
           # not the MLP: PyTorch and its optimiser take 350 MB in a worker, twice a LightGBM fit's peak
           then_families=("lightgbm", "catboost", "xgboost", "linear", "random_forest", "extra_trees", "knn"),
           # k-NN fits in no time and errs unlike the boosters: left last, it ran only where time was left
           # (wine_quality_white: log loss 0.72 with it, 0.83 without)
           then_first=("knn",)),
    Preset("best", n_folds=5, families=("linear", "knn", "lightgbm", "catboost", "xgboost", "extra_trees", "mlp",
                                        "random_forest"), portfolio_size=16, configs_per_family=2,
           ensemble_rounds=50, trial_share=0.4, hpo_trials=30),
)}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ConfigError(f"--preset is {name!r}; allowed: {', '.join(PRESETS)}.")
    return PRESETS[name]
