"""Run mlpilot's data checks on the training split of every suite dataset and list what they find.

    .venv/bin/python benchmarks/data_checks.py                       # every dataset
    .venv/bin/python benchmarks/data_checks.py --datasets titanic,bike_sharing_hourly
    .venv/bin/python benchmarks/data_checks.py --codes identifier,leakage   # only these findings

Prints one line per finding (dataset, finding, column, reason, action) and the seconds the
checks took; nothing is trained. Writes bench-results/data_checks.json with every finding.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from benchdir import REPO, default_bench_dir


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench-dir", type=Path, default=None,
                   help="shared bench folder (default: $MLPILOT_BENCH_DIR or ../shared/bench)")
    p.add_argument("--datasets", help="comma-separated dataset names (default: all)")
    p.add_argument("--codes", help="comma-separated finding codes to show (default: all)")
    p.add_argument("--out", type=Path, default=REPO / "bench-results" / "data_checks.json")
    return p.parse_args(argv)


def main(argv=None):
    from mlpilot.pipeline import report

    args = parse_args(argv)
    bench = (args.bench_dir or default_bench_dir()).resolve()
    if not (bench / "splits").is_dir():
        sys.exit(f"no suite at {bench}/splits: set --bench-dir or MLPILOT_BENCH_DIR")
    names = args.datasets.split(",") if args.datasets else sorted(
        d.name for d in (bench / "splits").iterdir() if (d / "split.json").exists())
    codes = set(args.codes.split(",")) if args.codes else None
    results = {}
    for name in names:
        split = bench / "splits" / name
        meta = json.loads((split / "split.json").read_text())
        df = pd.read_parquet(split / "train.parquet")
        started = time.perf_counter()
        profile = report(df, meta["target"], task=meta["task"])
        seconds = time.perf_counter() - started
        results[name] = {"seconds": round(seconds, 2), "findings": profile.findings}
        shown = [f for f in profile.findings if codes is None or f["code"] in codes]
        print(f"{name}: {len(df):,} rows, {df.shape[1]} columns, {len(profile.findings)} findings, {seconds:.1f} s")
        for f in shown:
            print(f"  {f['title']} {f['column'] or '(table)'}: {f['reason']}; {f['action']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
