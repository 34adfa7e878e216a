"""Single-row in-process latency of a saved mlpilot model; run by run.py as its own process.

    python benchmarks/latency.py MODEL_DIR TEST_X.parquet --task binary [--calls 200]

Loads the model with ``mlpilot.load``, then times ``predict_proba`` (classification) or
``predict`` (regression) on one-row DataFrames cycling over the test rows, like the peers'
harness (200 calls, or fewer once 30 s have passed; no warm-up call). Prints one JSON line:
latency_ms (median), latency_p90_ms, latency_calls, load_s.
"""

import sys
from pathlib import Path

# Run as a script, this folder is sys.path[0]; drop it so that our modules (peers, scoring ...)
# cannot shadow anything mlpilot imports.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import pandas as pd  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("test_x")
    parser.add_argument("--task", required=True, choices=["binary", "multiclass", "regression"])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    return parser.parse_args(argv)


def single_row_latency(predict_one, X, calls, max_seconds):
    """Median and p90 milliseconds of one-row calls, cycling over the rows of X."""
    times, deadline = [], time.perf_counter() + max_seconds
    for i in range(calls):
        row = X.iloc[[i % len(X)]]
        t0 = time.perf_counter()
        predict_one(row)
        times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() > deadline:
            break
    times.sort()
    return {
        "latency_ms": statistics.median(times),
        "latency_p90_ms": times[int(0.9 * (len(times) - 1))],
        "latency_calls": len(times),
    }


def main(argv=None):
    args = parse_args(argv)
    import mlpilot

    X = pd.read_parquet(args.test_x)
    t0 = time.perf_counter()
    predictor = mlpilot.load(args.model_dir)
    load_s = time.perf_counter() - t0
    predict = predictor.predict if args.task == "regression" else predictor.predict_proba
    result = single_row_latency(predict, X, args.calls, args.max_seconds)
    print(json.dumps({**result, "load_s": load_s}), flush=True)


if __name__ == "__main__":
    main()
