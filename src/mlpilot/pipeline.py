"""``fit``: the stages in order (data, schema, prep, search, ensemble, bundle). No logic of its own
beyond passing each stage's output to the next."""

from __future__ import annotations

import difflib
import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.bundle.predictor import Member, Predictor
from mlpilot.data.io import read_table
from mlpilot.data.schema import infer_schema
from mlpilot.data.task import Task, check_target, infer_task
from mlpilot.data.schema import Schema
from mlpilot.data.validate import check_frame, check_unique_columns
from mlpilot.ensemble.calibration import apply_temperature, fit_temperature
from mlpilot.ensemble.greedy import greedy_selection
from mlpilot.ensemble.stacking import LinearStacker, choose_stacker
from mlpilot.evaluate.contributions import column_groups
from mlpilot.evaluate.explain import background_rows, global_explanations
from mlpilot.evaluate.importance import Importance, held_out_importance
from mlpilot.evaluate.latency import median_ms
from mlpilot.evaluate.leaderboard import leaderboard_rows
from mlpilot.evaluate.metrics import Metric, get_metric, selection_metric
from mlpilot.exceptions import ConfigError, DataError, SchemaError
from mlpilot.models.base import FitContext
from mlpilot.prep.cleaning import apply_findings, check_choices
from mlpilot.prep.preprocessor import TablePreprocessor
from mlpilot.profile.checks import Finding
from mlpilot.profile.examine import TableCheck, build_profile, check_table
from mlpilot.profile.summary import Profile
from mlpilot.profile.reference import fingerprint, prediction_reference, reference_profile
from mlpilot.search.budget import Budget
from mlpilot.search.candidates import candidates_for, search_plan
from mlpilot.search.cv import make_folds
from mlpilot.search.presets import get_preset
from mlpilot.search.executor import Pool, open_pool
from mlpilot.search.presets import Preset
from mlpilot.search.refit import refit_full
from mlpilot.search.scheduler import Event, SearchSpace, Skipped, run_search
from mlpilot.search.trial import Candidate
from mlpilot.search.worker import load_model

logger = logging.getLogger(__name__)

__all__ = ["fit", "report", "examine", "load_training_table", "encode_target"]

REFIT_SHARE = 0.2  # of the time left after preparing the data, kept for refitting on all rows
# Of the time limit: how long a trial may overrun its deadline before it is stopped. A trial past
# its deadline still predicts its last fold and sends its models back (seconds on large data); its
# overrun comes out of the refit's share, not out of the limit.
TRIAL_GRACE_SHARE = 0.1
REFIT_GRACE_SHARE = 0.02  # a refit's overrun comes out of the time kept for saving
STACKING_SHARE = 0.05  # of the time limit, for checking whether a stacker beats the greedy weights
IMPORTANCE_SHARE = 0.05  # of the time limit, kept for the permutation importance on held-out rows
PD_SHARE = 0.3  # of that, for the partial dependence curves


def _save_budget(budget: Budget) -> Budget:
    """The fit's budget less the time kept at the end for saving the model."""
    return budget.reserve(min(0.3 * budget.limit, 1.0 + 0.06 * budget.limit))


def _table(data: pd.DataFrame | str | os.PathLike, source: str) -> pd.DataFrame:
    """A copy of ``data`` (or the table read from it) with string column names, each used once."""
    df = data.copy() if isinstance(data, pd.DataFrame) else read_table(data)
    df.columns = [str(c) for c in df.columns]
    check_unique_columns(df, source)
    return df


def load_training_table(data: pd.DataFrame | str | os.PathLike, target: str) -> pd.DataFrame:
    """The training table with string column names, checked to hold ``target``."""
    df = _table(data, "the training data")
    if target not in df.columns:
        close = difflib.get_close_matches(target, df.columns, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else f" Columns: {', '.join(df.columns[:12])}."
        raise SchemaError(f"Target column '{target}' is not in the training data.{hint}")
    if df.shape[1] < 2:
        raise DataError("The training data has no column besides the target; add feature columns.")
    return df


def encode_target(y: pd.Series, task: Task) -> tuple[np.ndarray, list[Any] | None]:
    """y as floats (regression) or class indices, plus the class labels as plain Python values."""
    if task is Task.REGRESSION:
        return pd.to_numeric(y, errors="raise").to_numpy(dtype=float), None
    values = y.map(lambda v: int(v) if isinstance(v, float) and v.is_integer() else v)
    try:
        classes = sorted(values.unique().tolist())
    except TypeError:  # mixed types: order by text
        classes = sorted(values.unique().tolist(), key=str)
    classes = [c.item() if hasattr(c, "item") else c for c in classes]
    index = {c: i for i, c in enumerate(classes)}
    return values.map(index).to_numpy(dtype=int), classes


def _check_latency_limit(max_latency_ms: float | None) -> None:
    if max_latency_ms is not None and not (isinstance(max_latency_ms, int | float) and np.isfinite(max_latency_ms)
                                           and max_latency_ms > 0):
        raise ConfigError(f"--max-latency-ms is {max_latency_ms!r}; allowed: a positive number of milliseconds.")


def _check_time_limit(time_limit: float) -> None:
    if not (isinstance(time_limit, int | float) and np.isfinite(time_limit) and time_limit > 0):
        raise ConfigError(f"--time-limit is {time_limit!r}; allowed: a positive number of seconds.")


def fit(data: pd.DataFrame | str | os.PathLike, target: str, *, time_limit: float = 60.0,
        task: str = "auto", metric: str = "auto", preset: str = "balanced", seed: int = 0,
        out: str | os.PathLike | None = None, on_event: Event | None = None,
        time_spent: float = 0.0, keep: Sequence[str] = (), deterministic: bool = False,
        max_latency_ms: float | None = None, families: Sequence[str] | None = None,
        drop: Sequence[str] = (), configs: Sequence[dict[str, Any]] | None = None) -> Predictor:
    """Train the best model for predicting ``target`` from the other columns of ``data``.

    ``time_limit`` (seconds) covers the whole fit, saving included; ``time_spent`` is time
    already used before this call (the CLI passes its start-up time). With ``out`` the
    model is saved there as a bundle. The data checks drop identifiers, constant, copied and
    leaking columns (each with its reason in ``predictor.info["cleaning"]``); columns in ``keep``
    are used anyway, and columns in ``drop`` are not used. ``deterministic`` replaces the clock by a
    budget of trials: every candidate of the preset runs to completion and nothing depends on timing,
    so the same data and seed give the same model; ``time_limit`` is then ignored. ``max_latency_ms`` keeps only
    ensembles whose single-row prediction takes at most that many milliseconds (checked and
    prepared row included). ``families`` keeps only the preset's candidates of these model
    families (e.g. ``("lightgbm",)`` for a single booster). ``configs`` (dicts with ``name``,
    ``family`` and ``config``, as a bundle's manifest lists its members) replaces the search by
    these configurations alone: a cheap refit of a known ensemble on new data.
    """
    _check_time_limit(time_limit)
    _check_latency_limit(max_latency_ms)
    budget = Budget.starting_now(math.inf if deterministic else float(time_limit), time_spent)
    chosen = get_preset(preset)
    df = load_training_table(data, target)
    check_choices(list(df.columns), target, keep, drop)
    y_raw = check_target(df[target])
    if len(y_raw) < len(df):
        logger.warning("Dropped %d rows whose target '%s' is missing.", len(df) - len(y_raw), target)
        df = df.loc[y_raw.index].reset_index(drop=True)
    the_task = infer_task(y_raw, task)
    the_metric = get_metric(metric, the_task)
    y, classes = encode_target(y_raw.reset_index(drop=True), the_task)
    keep_family = _family_filter(families)
    n_classes = len(classes or [])
    first = [c for c in (candidates_for(chosen, the_task, n_classes) if configs is None else _given(configs))
             if keep_family(c)]
    pool, n_jobs = open_pool(len(df), time_limit, deterministic, _warm_modules(first), side_by_side=chosen.hpo_trials > 0)
    if configs is None:
        candidates, hpo_trials = search_plan(chosen, the_task, pool.stops_jobs and not deterministic, n_classes)
        candidates = [c for c in candidates if keep_family(c)]
    else:  # a refit of known configurations: nothing else is tried
        candidates, hpo_trials = first, 0
    if not candidates:
        pool.close()
        raise ConfigError(f"--families {','.join(families or ())} leaves no candidate of preset '{chosen.name}' for a "
                          f"{the_task} task; that preset tries: {', '.join(sorted({c.family.key for c in first}))}"
                          " (preset best tries every family).")
    with pool:
        schema, findings, check = examine(df, target, the_task, y, keep, drop, seed)
        X = df.drop(columns=[target])
        pre = TablePreprocessor(schema).fit(X)
        ctx = FitContext(the_task, n_classes, pre.categorical_, seed, n_jobs)
        model_ms = None if max_latency_ms is None else max_latency_ms - _prep_ms(schema, pre, X)
        M, names = pre.transform(X), [c.name for c in schema.features]
        groups = dict(zip(names, column_groups(pre.source_columns_, names)))
        found = _search(candidates, hpo_trials, M, y, ctx, the_metric, chosen, budget, pool, on_event,
                        model_ms, check.copies, groups)
    reference = reference_profile(X, schema, _target_values(y, classes), classes is not None)
    reference["predictions"] = prediction_reference(found.oof, classes)
    info = {"seed": seed, "preset": chosen.name, "time_limit": time_limit, "deterministic": deterministic,
            "n_rows": int(len(df)), "ensemble": "weighted" if found.stacker is None else "stacked",
            "skipped": [{"model": s.name, "reason": s.reason} for s in found.skipped],
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "data_fingerprint": fingerprint(df),
            "reference_profile": reference,
            "cleaning": [f.to_dict() for f in findings],
            "fit_seconds": round(budget.elapsed(), 3), "versions": _versions()}
    predictor = Predictor(schema, the_task, the_metric.name, classes, pre, found.members, found.board, info,
                          stacker=found.stacker, temperature=found.temperature,
                          data_report=build_profile(df, schema, check, findings, str(the_task), seed=seed).to_dict(),
                          background=background_rows(M, seed))
    predictor.info["explanations"] = _global_explanations(predictor, found.importance, M, groups, budget)
    predictor.info["max_latency_ms"] = max_latency_ms
    predictor.info["latency_ms"] = round(_check_latency(predictor, X.iloc[:1], max_latency_ms), 4)
    if out is not None:
        predictor.save(out)
    logger.info("Fit finished in %.1f s of %.0f s.", budget.elapsed(), time_limit)
    return predictor


def examine(df: pd.DataFrame, target: str | None, task: Task | None, y: np.ndarray | None, keep: Sequence[str] = (),
            drop: Sequence[str] = (), seed: int = 0) -> tuple[Schema, list[Finding], TableCheck]:
    """The Schema as cleaned (columns the checks or ``drop`` remove are marked dropped, with the reason), the
    findings with the actions carried out, and the checks' figures. Raises DataError when no feature is left."""
    schema = infer_schema(df, target, keep)
    check = check_table(df, schema, y, task is not None and task.is_classification, seed)
    schema, findings = apply_findings(schema, check.findings, keep, drop)
    for f in findings:
        logger.info("%s", f.line())
    logger.info("Data checks took %.2f s.", check.seconds)
    if target is not None and not schema.features:
        raise DataError("No column is usable as a feature: "
                        + "; ".join(f"'{c.name}' ({c.dropped})" for c in schema.columns[:5])
                        + ". Use --keep COL to use a column anyway.")
    return schema, findings, check


def report(data: pd.DataFrame | str | os.PathLike, target: str | None = None, *, test: pd.DataFrame | None = None,
           task: str = "auto", keep: Sequence[str] = (), drop: Sequence[str] = (), seed: int = 0) -> Profile:
    """The data report of ``data``: what fit would see, drop and repair, with the figures and plots' data.

    With ``target``: the target's distribution, each column's association with it, and the leakage
    checks. With ``test``: how many test rows also appear in ``data``.
    """
    if target is None:
        df = _table(data, "the data")
        check_choices(list(df.columns), None, keep, drop)
        schema, findings, check = examine(df, None, None, None, keep, drop, seed)
        return build_profile(df, schema, check, findings, None, test, seed)
    df = load_training_table(data, target)
    check_choices(list(df.columns), target, keep, drop)
    y_raw = check_target(df[target])
    df = df.loc[y_raw.index].reset_index(drop=True)
    the_task = infer_task(y_raw, task)
    y, _ = encode_target(y_raw.reset_index(drop=True), the_task)
    schema, findings, check = examine(df, target, the_task, y, keep, drop, seed)
    return build_profile(df, schema, check, findings, str(the_task), test, seed)


def _target_values(y: np.ndarray, classes: list[Any] | None) -> pd.Series:
    """The target as the model answers it: class labels (not indices), or numbers."""
    return pd.Series(y) if classes is None else pd.Series(np.asarray(classes, dtype=object)[y])


def _family_filter(families: Sequence[str] | None):
    """A test of candidates: of one of ``families`` (None: any), each checked to be a known family."""
    if families is None:
        return lambda cand: True
    from mlpilot.models import FAMILIES

    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise ConfigError(f"--families has {unknown[0] if unknown else 'nothing'!r}; allowed: a comma-separated "
                          f"list of {', '.join(FAMILIES)}.")
    return lambda cand: cand.family.key in families


def _given(configs: Sequence[dict[str, Any]]) -> list[Candidate]:
    """Candidates for known configurations (a bundle's members: name, family, config)."""
    from mlpilot.models import FAMILIES

    out = []
    for item in configs:
        family = FAMILIES.get(item.get("family"))
        if family is None:
            raise ConfigError(f"configs names model family {item.get('family')!r}; allowed: {', '.join(FAMILIES)}.")
        out.append(Candidate(str(item["name"]), family, dict(item["config"])))
    return out


def _warm_modules(candidates: Sequence[Candidate]) -> tuple[str, ...]:
    """The libraries of the first two candidates, for the workers to import while the data is prepared."""
    return tuple(dict.fromkeys(m for c in candidates[:2] for m in c.family.requires))


@dataclass
class SearchOutcome:
    """The members of the ensemble, the leaderboard rows, what was skipped, the stacker if one beats the
    members' weights, the temperature of the weighted blend's probabilities (None: used as they are), and
    the ensemble's out-of-fold predictions (what the model answers on rows it did not train on), and the permutation
    importance of the columns on held-out rows (None: no time for it)."""

    members: list[Member]
    board: list[dict]
    skipped: list[Skipped]
    stacker: LinearStacker | None
    temperature: float | None
    oof: np.ndarray
    importance: Importance | None = None


def _search(candidates: Sequence[Candidate], hpo_trials: int, M: np.ndarray, y: np.ndarray, ctx: FitContext, metric: Metric,
            preset: Preset, budget: Budget, pool: Pool, on_event: Event | None, model_ms: float | None,
            copies: np.ndarray | None = None, columns: dict[str, np.ndarray] | None = None) -> SearchOutcome:
    """Search, ensemble, refit, and the permutation importance of ``columns`` (name -> positions of the prepared
    features made from it) on held-out rows. ``model_ms`` caps the members' summed single-row latency; ``copies``
    (per row, its first copy's position) keeps the copies of a row entered twice in one fold."""
    limit = budget.limit
    save_budget = _save_budget(budget)
    explain_budget = save_budget.reserve(IMPORTANCE_SHARE * limit)
    search_budget = explain_budget.reserve(REFIT_SHARE * explain_budget.remaining())
    grace = max(1.0, TRIAL_GRACE_SHARE * limit) if not budget.unlimited else 0.0
    folds = make_folds(y, ctx.task, preset.n_folds, ctx.seed, copies)
    space = SearchSpace(M, y, folds, ctx, metric, search_budget, preset.share_for(ctx.task), grace,
                        save_budget.hard_deadline, limit)
    skipped: list[Skipped] = []
    results = run_search(candidates, space, on_event, hpo_trials, pool, skipped)
    oofs, chooser = [r.oof for r in results], selection_metric(metric, ctx.task)
    weights = greedy_selection(oofs, y, chooser, preset.ensemble_rounds, [r.latency_ms for r in results], model_ms)
    if on_event:
        on_event("trial_start", {"name": "refit on all rows", "family": "refit"})
    stacker = None
    if preset.stacking:  # before the refit, which may take the rest of the time; on the out-of-fold rows
        stacker = choose_stacker([results[i].oof for i in weights], y, ctx.task, ctx.n_classes, chooser,
                                 lambda ps, ys: greedy_selection(ps, ys, chooser, preset.ensemble_rounds), ctx.seed,
                                 None if budget.unlimited else time.monotonic() + STACKING_SHARE * limit)
    logger.info("Ensemble chosen at %.1f s; refitting %d members.", budget.elapsed(), len(weights))
    bags = [list(r.models) for r in results]  # the fold models, which the refit replaces
    refit_full(results, sorted(weights, key=weights.get, reverse=True), ctx, explain_budget, pool,
               max(0.5, REFIT_GRACE_SHARE * limit) if not budget.unlimited else 0.0)
    logger.info("Refit done at %.1f s.", budget.elapsed())
    if model_ms is not None and sum(results[i].serving_ms() for i in weights) > model_ms:
        # members that kept their fold models (no time to refit) predict k times: choose again at that cost
        weights = greedy_selection(oofs, y, chooser, preset.ensemble_rounds, [r.serving_ms() for r in results],
                                   model_ms)
        stacker = None  # it was fitted for the members chosen before
    blend = sum(w * results[i].oof for i, w in weights.items())
    temperature = None
    if ctx.task.is_classification and stacker is None:  # a stacker is fitted on these rows: it is calibrated
        temperature = fit_temperature(blend, y)
        blend = blend if temperature is None else apply_temperature(blend, temperature)
    pool.stop_workers()  # the search is over: their memory goes back before the fold models are read
    end = None if budget.unlimited else min(time.monotonic() + (1 - PD_SHARE) * IMPORTANCE_SHARE * limit,
                                            save_budget.deadline - PD_SHARE * IMPORTANCE_SHARE * limit)
    members, importance = _members_and_importance(results, weights, bags, stacker, temperature, folds, M, y, metric,
                                                  columns or {}, end, ctx.seed)
    return SearchOutcome(members, leaderboard_rows(results, weights, metric(y, blend), metric), skipped, stacker,
                         temperature, blend, importance)


def _members_and_importance(results: list, weights: dict[int, float], bags: list[list], stacker: LinearStacker | None,
                            temperature: float | None, folds: list, M: np.ndarray, y: np.ndarray, metric: Metric,
                            columns: dict[str, np.ndarray], deadline: float | None, seed: int
                            ) -> tuple[list[Member], Importance | None]:
    """The ensemble's members, and the permutation importance of ``columns`` by their fold models (``bags``) on
    held-out rows, done by ``deadline`` (the partial dependence takes the rest of the share). The fold models
    are let go before the members are read, so that the peak memory is the larger of the two, not their sum."""
    loaded: dict[int, Any] = {}  # a fold model kept as a member is read once

    def load(m):
        if id(m) not in loaded:
            loaded[id(m)] = load_model(m)
        return loaded[id(m)]

    importance = None
    if columns:
        importance = held_out_importance([[load(m) for m in bags[i]] for i in weights], list(weights.values()),
                                         stacker, temperature, folds, M, y, metric, list(columns),
                                         list(columns.values()), deadline, seed)
    kept = {id(m) for i in weights for m in results[i].models}
    for key in [k for k in loaded if k not in kept]:
        del loaded[key]
    members = [Member(results[i].name, results[i].family, results[i].config, w, [load(m) for m in results[i].models])
               for i, w in weights.items()]
    return members, importance


def _global_explanations(predictor: Predictor, importance: Importance | None, M: np.ndarray,
                         groups: dict[str, np.ndarray], budget: Budget) -> dict[str, Any]:
    """The bundle's global explanations: importance, partial dependence (where a second is left), dropped columns."""
    from mlpilot.prep.steps import BooleanStep, CategoricalStep

    levels = {step.column: step.levels if isinstance(step, CategoricalStep) else ["false", "true"]
              for step in predictor.preprocessor.steps_ if isinstance(step, CategoricalStep | BooleanStep)}
    if predictor.task is Task.REGRESSION:
        outputs, answer = [str(predictor.target)], predictor.answer_matrix
    else:  # binary: the positive class's probability; multiclass: the first ten classes'
        shown = slice(1, 2) if predictor.task is Task.BINARY else slice(0, 10)
        outputs = [str(c) for c in predictor.classes[shown]]
        answer = lambda Z: predictor.answer_matrix(Z)[:, shown]  # noqa: E731
    return global_explanations(importance, answer, M, groups, levels, outputs, predictor.schema.dropped,
                               int(predictor.info["seed"]), None if budget.unlimited else _save_budget(budget).deadline)


def _prep_ms(schema: Schema, pre: TablePreprocessor, X: pd.DataFrame) -> float:
    """Single-row latency of checking and preparing a row, the part of serving no model choice changes."""
    row = X.iloc[:1]
    return median_ms(lambda: (check_frame(row, schema, "a row"), pre.transform(row)))


def _check_latency(predictor: Predictor, row: pd.DataFrame, max_latency_ms: float | None) -> float:
    """The saved model's single-row latency here and now; a warning when it misses ``max_latency_ms``."""
    call = predictor.predict_proba if predictor.task.is_classification else predictor.predict
    ms = median_ms(lambda: call(row), repeats=7)
    if max_latency_ms is not None and ms > max_latency_ms:
        logger.warning("The model predicts one row in %.2f ms, more than --max-latency-ms %.2f: no model trained "
                       "is fast enough here, or its members measured faster while training. Allow more latency, "
                       "or use fewer columns.", ms, max_latency_ms)
    return ms


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("mlpilot", "numpy", "pandas", "scikit-learn", "lightgbm", "xgboost", "catboost", "skops"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "unknown"
    out["python"] = ".".join(map(str, __import__("sys").version_info[:3]))
    return out


