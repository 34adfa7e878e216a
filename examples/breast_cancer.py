"""Write the demo data: scikit-learn's bundled breast-cancer table (disease prediction).

    python examples/breast_cancer.py DIR

writes DIR/patients.csv (500 labelled rows, target column `diagnosis`) and
DIR/new_patients.csv (the other 69 rows, without the diagnosis).
"""

import sys
from pathlib import Path

from sklearn.datasets import load_breast_cancer

out = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
out.mkdir(parents=True, exist_ok=True)
frame = load_breast_cancer(as_frame=True).frame
frame["diagnosis"] = frame.pop("target").map({0: "malignant", 1: "benign"})
frame.columns = [c.replace(" ", "_") for c in frame.columns]
frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
frame.iloc[:500].to_csv(out / "patients.csv", index=False)
frame.iloc[500:].drop(columns=["diagnosis"]).to_csv(out / "new_patients.csv", index=False)
print(f"wrote {out / 'patients.csv'} (500 rows) and {out / 'new_patients.csv'} (69 rows)")
