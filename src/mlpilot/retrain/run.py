"""Retrain a registered model, and promote the result only when it is better beyond noise.

The new model trains on the data the champion knew (kept by the registry) plus the rows labelled
since, except the newest ``recent_share`` of those, on which champion and challenger are then
compared (time order: the challenger is judged on data that came after what it learnt from). It
is registered as the challenger; it becomes the champion only if a paired bootstrap over those
rows puts its advantage above ``margin`` with 95 % confidence. Every outcome, failures included,
is recorded with its evidence. Nothing touches the champion before that last step, which is one
transaction: a failure or a crash leaves it serving.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlpilot.bundle.predictor import Predictor, load
from mlpilot.evaluate.metrics import get_metric
from mlpilot.exceptions import DataError, MlpilotError, SchemaError
from mlpilot.monitoring.performance import join_feedback
from mlpilot.registry.history import load_training_data, record_decision, save_training_data
from mlpilot.registry.store import ModelVersion, Registry
from mlpilot.retrain.policy import RetrainPolicy
from mlpilot.serving.predlog import FEATURE_PREFIX, FEEDBACK, PREDICTIONS, LogStore, loggable_inputs

logger = logging.getLogger(__name__)

__all__ = ["Outcome", "retrain", "labelled_rows", "compare"]

BOOTSTRAP = 500
MIN_RECENT = 20


@dataclass
class Outcome:
    action: str  # promote, keep, skip, failed
    reason: str
    version: int | None = None
    champion: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def labelled_rows(store: LogStore, name: str, predictor: Predictor, since: float | None) -> pd.DataFrame:
    """The logged requests (since ``since``) whose label came back: the feature columns and the target,
    oldest first."""
    joined = join_feedback(store.read(name, PREDICTIONS, since), store.read(name, FEEDBACK, since))
    if joined.empty:
        return pd.DataFrame(columns=[c.name for c in predictor.schema.features] + [predictor.target])
    joined = joined.sort_values("ts", kind="stable")
    out = pd.DataFrame({c[len(FEATURE_PREFIX):]: joined[c].to_numpy() for c in joined.columns
                        if c.startswith(FEATURE_PREFIX)})
    labels = joined["label"].astype(str)
    if predictor.task.is_classification:
        known = {str(c): c for c in predictor.classes}
        out[predictor.target] = [known.get(v, v) for v in labels]
    else:
        out[predictor.target] = pd.to_numeric(labels, errors="coerce").to_numpy()
    return out


def _scores(model: Predictor, X: pd.DataFrame, y: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(y encoded for ``model``, its raw predictions); classification rows with a label the model does not
    know are left out by the caller."""
    if model.task.is_classification:
        index = {str(c): i for i, c in enumerate(model.classes)}
        return y.astype(str).map(index).to_numpy(dtype=int), model.predict_proba(X).to_numpy()
    return y.to_numpy(dtype=float), model.predict(X)


def compare(champion: Predictor, challenger: Predictor, recent: pd.DataFrame, seed: int = 0) -> dict[str, Any]:
    """Both models' metric on ``recent`` (the champion's metric), and the challenger's advantage with its
    90 % paired-bootstrap interval (positive: the challenger is better)."""
    target = champion.target
    rows = recent[recent[target].notna()]
    if champion.task.is_classification:
        known = set(map(str, champion.classes)) & set(map(str, challenger.classes))
        rows = rows[rows[target].astype(str).isin(known)]
    if len(rows) < MIN_RECENT:
        raise DataError(f"Only {len(rows)} recent labelled rows to compare the models on; at least {MIN_RECENT} "
                        "are needed.")
    X, y = rows.drop(columns=[target]), rows[target]
    metric = get_metric(champion.metric, champion.task)
    y_a, p_a = _scores(champion, X, y)
    y_b, p_b = _scores(challenger, X, y)
    a_classes = [str(c) for c in champion.classes or []]
    b_classes = [str(c) for c in challenger.classes or []]
    if a_classes != b_classes:  # the challenger's probabilities in the champion's class order
        aligned = np.zeros((len(y_a), len(a_classes)))
        for j, c in enumerate(a_classes):
            if c in b_classes:
                aligned[:, j] = p_b[:, b_classes.index(c)]
        p_b, y_b = aligned / np.clip(aligned.sum(axis=1, keepdims=True), 1e-12, None), y_a
    sign = 1.0 if metric.greater_is_better else -1.0
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, len(y_a), len(y_a))
        try:
            diffs.append(sign * (metric(y_b[idx], p_b[idx]) - metric(y_a[idx], p_a[idx])))
        except ValueError:  # a resample with one class only
            continue
    return {"rows": int(len(rows)), "metric": metric.name, "champion": float(metric(y_a, p_a)),
            "challenger": float(metric(y_b, p_b)), "advantage": float(np.mean(diffs)),
            "advantage_interval": [float(np.percentile(diffs, 5)), float(np.percentile(diffs, 95))]}


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _training_table(registry: Registry, champion: ModelVersion, predictor: Predictor, store: LogStore,
                    new_data: pd.DataFrame | None, features_only: bool) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """(the data the champion knew, the labelled rows since, oldest first), in the champion's columns (its
    features only, with ``features_only``) and the target."""
    target = predictor.target
    columns = [c.name for c in (predictor.schema.features if features_only else predictor.schema.columns)] + [target]
    new = labelled_rows(store, champion.name, predictor, _epoch(champion.created_at))
    if new_data is not None:
        missing = [c for c in columns if c not in new_data.columns and (c == target or features_only
                                                                         or predictor.schema.column(c).is_feature)]
        if missing:
            raise SchemaError(f"--data has no column '{missing[0]}'" + (" (the target); retraining needs labelled "
                              "rows." if missing[0] == target else f", which model '{champion.ref}' uses."))
        new = pd.concat([new, new_data[[c for c in columns if c in new_data.columns]]], ignore_index=True, sort=False)
    known = load_training_data(registry, champion.name, champion.version)
    if known is not None:
        known = _typed(known[[c for c in columns if c in known.columns]], predictor)
    return known, _typed(new.reset_index(drop=True), predictor)


def _typed(df: pd.DataFrame, predictor: Predictor) -> pd.DataFrame:
    """``df`` with its columns typed as the log types them (numbers as floats, the rest as text), so that the
    data the champion knew and the logged rows stack into one table."""
    typed = loggable_inputs(df, predictor.schema).rename(columns=lambda c: c[len(FEATURE_PREFIX):])
    typed.index = df.index
    return typed.assign(**{predictor.target: df[predictor.target]})


def retrain(name: str, registry: Registry, store: LogStore, policy: RetrainPolicy, new_data: pd.DataFrame | None = None,
            reason: str = "asked for", seed: int = 0) -> Outcome:
    """Retrain ``name`` by ``policy`` (see the module's text); the outcome is also recorded in the registry."""
    champion = registry.resolve(f"{name}@champion")
    try:
        outcome = _retrain(champion, registry, store, policy, new_data, reason, seed)
    except Exception as err:  # noqa: BLE001 - any failure is recorded; the champion was not touched
        # an expected failure (too little time, bad data) is told in one line; anything else with its traceback
        logger.error("Retraining %s failed: %s", name, err, exc_info=not isinstance(err, MlpilotError))
        outcome = Outcome("failed", f"{reason}; failed: {type(err).__name__}: {err}", None, champion.version)
        record_decision(registry, name, outcome.action, outcome.reason, outcome.evidence, None, champion.version)
        raise
    record_decision(registry, name, outcome.action, outcome.reason, outcome.evidence, outcome.version,
                    champion.version)
    return outcome


def _retrain(champion: ModelVersion, registry: Registry, store: LogStore, policy: RetrainPolicy,
             new_data: pd.DataFrame | None, reason: str, seed: int) -> Outcome:
    from mlpilot.pipeline import fit

    predictor = load(champion.path)
    refit = policy.mode == "refit" and bool(predictor.members)
    known, new = _training_table(registry, champion, predictor, store, new_data, features_only=refit)
    if len(new) < policy.min_labels:
        return Outcome("skip", f"{reason}; only {len(new)} new labelled rows (policy: at least {policy.min_labels})",
                       None, champion.version, {"new_rows": len(new)})
    n_recent = max(MIN_RECENT, int(round(policy.recent_share * len(new))))
    older, recent = new.iloc[:-n_recent], new.iloc[-n_recent:]
    train = older if known is None else pd.concat([known, older], ignore_index=True, sort=False)
    members = [{"name": m.name, "family": m.family, "config": m.config} for m in predictor.members]
    (registry.home / "staging").mkdir(parents=True, exist_ok=True)  # same disk as the artifacts: a move
    staging = Path(tempfile.mkdtemp(dir=registry.home / "staging"))
    try:
        challenger = fit(train, predictor.target, time_limit=policy.time_limit, task=str(predictor.task),
                         metric=predictor.metric, seed=seed, out=staging / "bundle", configs=members if refit else None,
                         keep=[c.name for c in predictor.schema.features] if refit else ())
        evidence = compare(predictor, challenger, recent, seed)
        evidence |= {"mode": policy.mode, "trained_rows": int(len(train)), "new_rows": int(len(new)),
                     "known_rows": 0 if known is None else int(len(known)), "margin": policy.margin}
        found = registry.register(staging / "bundle", champion.name, source="retrain", description=reason,
                                  parent_version=champion.version, move=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    try:
        save_training_data(registry, champion.name, found.version,
                           pd.concat([train, recent], ignore_index=True, sort=False))
    except BaseException:  # a version that cannot be retrained later is not kept
        registry.delete(champion.name, found.version, force=True)
        raise
    registry.promote(champion.name, found.version, "challenger")
    low = evidence["advantage_interval"][0]
    if low > policy.margin:
        registry.promote(champion.name, found.version, "champion")
        return Outcome("promote", f"{reason}; version {found.version} beats version {champion.version} on the "
                       f"{evidence['rows']} newest labelled rows ({evidence['metric']} {evidence['challenger']:.4f} "
                       f"against {evidence['champion']:.4f}; advantage at least {low:.4f} with 95 % confidence)",
                       found.version, champion.version, evidence)
    return Outcome("keep", f"{reason}; version {found.version} is not better than version {champion.version} beyond "
                   f"noise on the {evidence['rows']} newest labelled rows ({evidence['metric']} "
                   f"{evidence['challenger']:.4f} against {evidence['champion']:.4f}); it stays the challenger",
                   found.version, champion.version, evidence)
