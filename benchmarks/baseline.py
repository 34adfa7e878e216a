"""LightGBM with default parameters on a fixed split, fitted as the peers' baseline_lgbm adapter.

    .venv/bin/python benchmarks/baseline.py SPLIT_DIR OUT_DIR [--seed 1]

Writes ``OUT_DIR/baseline_preds.parquet`` in the format of mlpilot's predictions: one
probability column per class named ``str(label)`` plus ``prediction``; regression: ``prediction``.
Preparation as in the adapter: columns renamed f0..fN, datetimes to int64, booleans to float,
any other non-numeric column to a pandas Categorical with the training categories (unseen
test values become missing). ``LGBMClassifier`` / ``LGBMRegressor(n_jobs=2,
random_state=seed, verbose=-1)``.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

PREDS_NAME = "baseline_preds.parquet"


def prep(X, cats=None):
    """The adapter's feature preparation; ``cats``: column -> training categories."""
    X = X.copy()
    X.columns = [f"f{i}" for i in range(X.shape[1])]
    for c in X.columns:
        col = X[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            X[c] = col.astype("int64")
        elif pd.api.types.is_bool_dtype(col):
            X[c] = col.astype(float)
        elif not pd.api.types.is_numeric_dtype(col):
            values = col.astype(str).where(col.notna())
            if cats is not None:  # unseen values become missing, as the adapter's Categorical
                values = values.where(values.isin(cats[c]))  # does (without pandas' warning)
            X[c] = pd.Categorical(values, categories=None if cats is None else cats[c])
    return X


def fit_predict(train, test_X, target, task, seed=1):
    """Fit LightGBM defaults on ``train`` and return the predictions DataFrame for ``test_X``."""
    import lightgbm as lgb  # only the runs that fit a baseline need it

    X, y = prep(train.drop(columns=[target])), train[target]
    cats = {c: X[c].cat.categories for c in X.columns
            if isinstance(X[c].dtype, pd.CategoricalDtype)}
    Xt = prep(test_X, cats)
    if task == "regression":
        model = lgb.LGBMRegressor(n_jobs=2, random_state=seed, verbose=-1)
        model.fit(X, y)
        return pd.DataFrame({"prediction": np.asarray(model.predict(Xt), dtype=float)})
    model = lgb.LGBMClassifier(n_jobs=2, random_state=seed, verbose=-1)
    model.fit(X, y)
    proba = model.predict_proba(Xt)
    preds = pd.DataFrame(proba, columns=[str(c) for c in model.classes_])
    preds["prediction"] = [str(c) for c in model.classes_[np.argmax(proba, axis=1)]]
    return preds


def write_baseline(split_dir, out_dir, seed=1):
    """Fit on ``split_dir``'s train.parquet, predict test_X.parquet, write ``out_dir/PREDS_NAME``.

    Returns (path, seconds taken). The file is written whole or not at all.
    """
    split_dir, out_dir = Path(split_dir), Path(out_dir)
    info = json.loads((split_dir / "split.json").read_text())
    start = time.perf_counter()
    preds = fit_predict(pd.read_parquet(split_dir / "train.parquet"),
                        pd.read_parquet(split_dir / "test_X.parquet"),
                        info["target"], info["task"], seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PREDS_NAME
    partial = path.with_name(path.name + ".partial")
    preds.to_parquet(partial, index=False)
    partial.replace(path)
    return path, time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("split_dir", type=Path)
    p.add_argument("out_dir", type=Path)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    path, seconds = write_baseline(args.split_dir, args.out_dir, args.seed)
    print(f"{path} ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
