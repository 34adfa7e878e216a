"""Write a messy clinic table: visits, a diagnosis to predict, and the problems real exports have.

    python examples/clinic_visits.py DIR

writes DIR/visits.csv (625 rows, target column `diagnosis`) and DIR/new_visits.csv (60 more
visits, without it). Planted, for `mlpilot report` and `mlpilot fit` to find: a patient ID,
a lab result that is a copy of the diagnosis (known only afterwards: a leak), 25 visits
entered twice, a constant column, a copied column, dates and numbers stored as text
(thousands separators, units), a column of numbers with stray '?', a near-constant flag,
many postcodes and free-text notes.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

N_DUPLICATES = 25


def clinic_visits(n: int = 600, seed: int = 0, task: str = "binary") -> pd.DataFrame:
    """``n`` visits plus 25 entered twice; the signal is in blood_marker, fitness and risk_group.

    ``task`` "binary": the target is `diagnosis` and `lab_result` a noisy copy of it; "regression":
    the target is `cost` and `cost_billed` a noisy copy of it.
    """
    rng = np.random.default_rng(seed)
    marker, fitness, g = rng.normal(size=n), rng.normal(size=n), rng.integers(0, 4, n)
    signal = 1.5 * marker - fitness + 0.5 * g
    df = pd.DataFrame({
        "patient_id": np.arange(1000, 1000 + n),
        "blood_marker": marker.round(5), "fitness": fitness.round(5), "risk_group": np.array(list("abcd"))[g],
        "site": "clinic-1",
        "marker_copy": marker.round(5),
        "visit_date": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "income": [f"{v:,}" for v in rng.integers(1_000, 900_000, n)],
        "weight": [f"{v:.1f} kg" for v in rng.normal(70, 10, n)],
        "pressure": [("?" if i % 50 == 7 else f"{v:.0f}") for i, v in enumerate(rng.normal(120, 15, n))],
        "rare_flag": np.where(np.arange(n) == 3, "yes", "no"),
        "postcode": [f"P{v:05d}" for v in rng.integers(0, 400, n)],
        "notes": [f"patient reports {rng.choice(['mild', 'strong', 'no'])} pain in the {rng.choice(['arm', 'leg'])}"
                  f" since {i} days" for i in range(n)],
    })
    if task == "regression":
        y = 10 * signal + rng.normal(size=n)
        df["cost"] = y.round(3)
        df["cost_billed"] = (y * 1.02 + rng.normal(scale=0.05, size=n)).round(3)  # a noisy copy of the target
    else:
        y = (signal + rng.logistic(size=n) > 0).astype(int)
        flipped = np.where(rng.random(n) < 0.01, 1 - y, y)
        df["lab_result"] = np.where(flipped == 1, "POS", "NEG")  # a noisy copy of the target
        df["diagnosis"] = np.where(y == 1, "sick", "healthy")
    copies = df.iloc[:N_DUPLICATES].assign(patient_id=lambda d: d["patient_id"] + 10_000)
    return pd.concat([df, copies], ignore_index=True)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
    out.mkdir(parents=True, exist_ok=True)
    clinic_visits().to_csv(out / "visits.csv", index=False)
    new = clinic_visits(n=60, seed=1).iloc[:60].drop(columns=["diagnosis", "lab_result"])
    new.to_csv(out / "new_visits.csv", index=False)
    print(f"wrote {out / 'visits.csv'} (625 rows) and {out / 'new_visits.csv'} (60 rows)")
