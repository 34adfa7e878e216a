"""Time the data report on a large synthetic table (default 1,000,000 rows x 50 columns).

    .venv/bin/python benchmarks/report_scale.py
    .venv/bin/python benchmarks/report_scale.py --rows 200000 --columns 20

The table is seeded: 30 numeric columns (some with missing values), 12 categorical (up to
1,000 levels), 4 numbers stored as text with thousands separators, 2 dates stored as text,
an identifier and a binary target. Prints seconds for building the table (not counted),
the checks and profile (`mlpilot.report`), and writing the HTML, plus the peak RSS; appends
the figures to bench-results/report_scale.jsonl.
"""

import argparse
import json
import time

import numpy as np
import pandas as pd
import resource

from benchdir import REPO


def make_table(rows: int, columns: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_num = max(1, int(columns * 0.6))
    n_cat = max(1, int(columns * 0.24))
    n_text_num = max(1, int(columns * 0.08))
    n_date = max(1, columns - n_num - n_cat - n_text_num - 2)
    data = {"row_id": np.arange(rows)}
    for i in range(n_num):
        v = rng.normal(size=rows)
        if i % 5 == 0:
            v[rng.random(rows) < 0.1] = np.nan
        data[f"num_{i}"] = v
    for i in range(n_cat):
        levels = np.array([f"level_{j}" for j in range(10 ** (1 + i % 3))])
        data[f"cat_{i}"] = levels[rng.integers(0, len(levels), rows)]
    for i in range(n_text_num):
        data[f"amount_{i}"] = pd.Series(rng.integers(0, 5_000_000, rows)).map("{:,}".format).to_numpy()
    days = pd.date_range("2015-01-01", periods=3000, freq="D").strftime("%Y-%m-%d").to_numpy()
    for i in range(n_date):
        data[f"date_{i}"] = days[rng.integers(0, len(days), rows)]
    logit = data["num_1"] + (data["cat_0"] == "level_3") - 0.5 * data["num_2"]
    data["target"] = (logit + rng.logistic(size=rows) > 0).astype(int)
    return pd.DataFrame(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--columns", type=int, default=50)
    p.add_argument("--out", default=str(REPO / "build" / "report_scale.html"))
    args = p.parse_args()
    from mlpilot.pipeline import report
    from mlpilot.profile.render import write_report

    t0 = time.perf_counter()
    df = make_table(args.rows, args.columns)
    t1 = time.perf_counter()
    profile = report(df, "target")
    t2 = time.perf_counter()
    write_report(profile, args.out)
    t3 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    record = {"rows": args.rows, "columns": df.shape[1], "table_s": round(t1 - t0, 2), "report_s": round(t2 - t1, 2),
              "html_s": round(t3 - t2, 2), "total_s": round(t3 - t1, 2), "peak_rss_mb": round(peak_mb),
              "findings": [f"{f['code']}:{f['column']}" for f in profile.findings]}
    print(json.dumps(record, indent=1))
    out = REPO / "bench-results" / "report_scale.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as f:
        f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
