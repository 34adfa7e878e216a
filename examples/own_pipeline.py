"""Train a scikit-learn pipeline of your own on the demo data and save it with skops, to import it.

    python examples/own_pipeline.py DIR

reads DIR/patients.csv (from examples/breast_cancer.py) and writes DIR/own_model.skops: a
StandardScaler + LogisticRegression pipeline, the kind of prototype a data scientist hands over.
"""

import sys
from pathlib import Path

import pandas as pd
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

out = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
patients = pd.read_csv(out / "patients.csv")
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
model.fit(patients.drop(columns="diagnosis"), patients["diagnosis"])
sio.dump(model, out / "own_model.skops")
print(f"wrote {out / 'own_model.skops'}")
