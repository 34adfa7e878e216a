"""Benchmark mlpilot through its CLI on the fixed splits of the shared suite, beside the peers.

    .venv/bin/python benchmarks/run.py                      # quick subset, 60 s budget
    .venv/bin/python benchmarks/run.py --datasets adult,letter --budget 30
    .venv/bin/python benchmarks/run.py --all --run-name nightly
    .venv/bin/python benchmarks/run.py --summary bench-results/nightly.jsonl

Per dataset: `mlpilot fit` and `mlpilot predict` as subprocesses (wall time, peak RSS of the
process tree), the bundle size, the scores, LightGBM defaults refitted on the same split
(benchmarks/baseline.py) and a paired bootstrap of the two (benchmarks/noise.py), single-row
latency (benchmarks/latency.py). One JSON record per dataset is appended to
<out>/<run-name>.jsonl; a markdown table follows.
MLPILOT_BENCH_CLI (shell-split) replaces the command `python -m mlpilot`.
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import pandas as pd

from baseline import PREDS_NAME as BASELINE_PREDS
from benchdir import default_bench_dir
from baseline import write_baseline
from measure import dir_size_mb, run_measured
from noise import paired_bootstrap
from peers import add_harness_results, parse_peers
from report import read_records, summary
from scoring import main_metric, score

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
QUICK = ["breast_cancer_wisconsin", "penguins", "diabetes_regression", "credit_approval"]
PREDICT_LIMIT_S = 600
LATENCY_LIMIT_S = 300


class StepFailed(Exception):
    """A dataset's run stopped: status ("error" or "timeout") and a one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench-dir", type=Path, default=None,
                   help="shared bench folder (default: $MLPILOT_BENCH_DIR or ../shared/bench)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--datasets", help="comma-separated dataset names")
    which.add_argument("--all", action="store_true", help="every dataset of datasets/manifest.json")
    p.add_argument("--budget", type=float, default=60,
                   help="fit time limit in seconds (default 60)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--preset", default="balanced", help="mlpilot's --preset (fast, balanced, best)")
    p.add_argument("--out", type=Path, default=REPO / "bench-results", help="results folder")
    p.add_argument("--run-name", default=None, help="results file name (default: timestamped)")
    p.add_argument("--keep-models", action="store_true", help="keep the saved models")
    p.add_argument("--no-baseline", action="store_true",
                   help="do not fit LightGBM defaults for the bootstrap comparison (with "
                        "--summary: use only the baseline predictions already kept)")
    p.add_argument("--peer-results", type=Path, action="append", default=[], metavar="FILE.jsonl",
                   help="figures measured with ../shared/bench/peers/harness.py (its results/NAME.jsonl), "
                        "laid over peers.md's; may repeat")
    p.add_argument("--summary", type=Path, metavar="FILE.jsonl",
                   help="print the summary of an existing results file and exit (fits the "
                        "missing baseline predictions unless --no-baseline)")
    args = p.parse_args(argv)
    args.bench_dir = (args.bench_dir or default_bench_dir()).resolve()
    default_name = f"mlpilot-b{args.budget:g}-s{args.seed}-%Y%m%d-%H%M%S"
    args.run_name = args.run_name or time.strftime(default_name)
    return p, args


def select_datasets(parser, args):
    """Dataset names of this run, in order; unknown names are a usage error."""
    splits = args.bench_dir / "splits"
    if args.all:
        manifest_path = args.bench_dir / "datasets" / "manifest.json"
        if not manifest_path.exists():
            parser.error(f"--all needs {manifest_path}, which does not exist")
        manifest = json.loads(manifest_path.read_text())
        names = [d["name"] for d in manifest["datasets"]]
        missing = [n for n in names if not (splits / n / "split.json").exists()]
        if missing:
            print(f"no split for {', '.join(missing)}: left out", file=sys.stderr)
        return [n for n in names if n not in missing]
    names = [n.strip() for n in args.datasets.split(",") if n.strip()] if args.datasets else QUICK
    unknown = [n for n in names if not (splits / n / "split.json").exists()]
    if unknown:
        known = sorted(d.name for d in splits.iterdir() if (d / "split.json").exists())
        parser.error(f"no split for {', '.join(unknown)} in {splits}; known: {', '.join(known)}")
    return names


def cli_command():
    """The mlpilot command: MLPILOT_BENCH_CLI if set, else this interpreter with -m mlpilot."""
    override = os.environ.get("MLPILOT_BENCH_CLI")
    return shlex.split(override) if override else [sys.executable, "-m", "mlpilot"]


def subprocess_env():
    """Environment of the runs; the repo's src/ is added when mlpilot is not installed."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if find_spec("mlpilot") is None and (REPO / "src" / "mlpilot").is_dir():
        paths = [str(REPO / "src"), env.get("PYTHONPATH")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def new_record(name, info, args):
    return {
        "run": args.run_name, "dataset": name, "task": info["task"],
        "metric": main_metric(info["task"]), "score": None, "metrics": {},
        "fit_s": None, "predict_s": None, "latency_ms": None, "latency_p90_ms": None,
        "peak_rss_mb": None, "fit_peak_rss_mb": None, "predict_peak_rss_mb": None,
        "model_mb": None, "budget": args.budget, "seed": args.seed,
        "fit_limit_s": 1.5 * args.budget + 60, "n_train": info.get("n_train"),
        "n_test": info.get("n_test"), "status": "ok", "error": None,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def measured_step(cmd, limit_s, log_prefix, work, env):
    return run_measured([str(c) for c in cmd], limit_s, log_prefix, cwd=work, env=env)


def check_step(result, limit_s, what):
    """A time-out or a non-zero exit raises StepFailed."""
    if result.timed_out:
        raise StepFailed("timeout", f"{what} killed after {limit_s:g} s")
    if result.returncode != 0:
        last = result.last_stderr_line() or "(no stderr)"
        raise StepFailed("error", f"{what} exited with {result.returncode}: {last}")


def fit_and_predict(rec, split, info, work, args, env):
    """Fit and predict through the CLI; times and memory are recorded even when a step fails."""
    model, preds, limit = work / "model", work / "preds.parquet", rec["fit_limit_s"]
    fit = measured_step(
        cli_command() + ["fit", split / "train.parquet", "--target", info["target"],
                         "--task", info["task"], "--time-limit", f"{args.budget:g}",
                         "--seed", args.seed, "--preset", args.preset, "--out", model],
        limit, work / "fit", work, env)
    rec.update(fit_s=fit.wall_s, fit_peak_rss_mb=fit.peak_rss_mb, peak_rss_mb=fit.peak_rss_mb,
               model_mb=dir_size_mb(model))
    check_step(fit, limit, "fit")
    if rec["model_mb"] is None:
        raise StepFailed("error", f"fit exited with 0 but wrote no model at {model}")
    pred = measured_step(
        cli_command() + ["predict", model, split / "test_X.parquet", "--out", preds],
        PREDICT_LIMIT_S, work / "predict", work, env)
    rec.update(predict_s=pred.wall_s, predict_peak_rss_mb=pred.peak_rss_mb,
               peak_rss_mb=max(fit.peak_rss_mb, pred.peak_rss_mb))
    check_step(pred, PREDICT_LIMIT_S, "predict")
    if not preds.exists():
        raise StepFailed("error", f"predict exited with 0 but wrote no {preds.name}")


def score_predictions(rec, split, info, work):
    try:
        y = pd.read_parquet(split / "test_y.parquet")[info["target"]]
        preds = pd.read_parquet(work / "preds.parquet")
        metrics = score(info["task"], y, preds, info.get("classes"))
    except Exception as err:  # noqa: BLE001 - any scoring failure is the system's failure
        raise StepFailed("error", f"scoring: {type(err).__name__}: {err}") from err
    rec.update(metrics=metrics, score=metrics[rec["metric"]])


def compare_with_baseline(dataset, split, work, seed, fit_missing=True):
    """Paired bootstrap of mlpilot's kept predictions against LightGBM defaults' on ``split``.

    The baseline's predictions are ``work/baseline_preds.parquet``, fitted when missing and
    ``fit_missing``. Returns noise.paired_bootstrap's dict (plus ``baseline_s`` when fitted
    now), or {"reason": why there is no verdict}.
    """
    if not (split / "split.json").exists():
        return {"reason": f"no split at {split}"}
    if not (work / "preds.parquet").exists():
        return {"reason": f"no predictions kept at {work / 'preds.parquet'}"}
    fitted = {}
    if not (work / BASELINE_PREDS).exists():
        if not fit_missing:
            return {"reason": f"no {BASELINE_PREDS} (--no-baseline)"}
        print(f"fitting LightGBM defaults on {dataset} ...", file=sys.stderr, flush=True)
        try:
            _, seconds = write_baseline(split, work, seed)
        except Exception as err:  # noqa: BLE001 - reported, the summary goes on
            return {"reason": f"baseline failed: {type(err).__name__}: {err}"}
        fitted = {"baseline_s": seconds}
    try:
        info = json.loads((split / "split.json").read_text())
        result = paired_bootstrap(
            info["task"], pd.read_parquet(split / "test_y.parquet")[info["target"]],
            pd.read_parquet(work / "preds.parquet"), pd.read_parquet(work / BASELINE_PREDS),
            info.get("classes"))
    except Exception as err:  # noqa: BLE001
        return {"reason": f"bootstrap failed: {type(err).__name__}: {err}"}
    return {**result, **fitted}


def add_baseline(rec, split, work, seed):
    """Fit the baseline and record the comparison; a failure is noted but does not fail the run."""
    comparison = compare_with_baseline(rec["dataset"], split, work, seed)
    if "reason" in comparison:
        rec["baseline_error"] = comparison["reason"]
        return
    rec.update(baseline_s=comparison.pop("baseline_s", None), baseline_score=comparison["b"],
               vs_baseline=comparison)


def run_dir_of(results, record):
    """The folder of a results file's kept files: <out>/<run-name>/."""
    run = record.get("run")
    candidates = ([results.parent / run] if run else []) + [results.with_suffix("")]
    return next((d for d in candidates if d.is_dir()), candidates[0])


def comparisons(records, results, bench_dir, fit_missing=True):
    """dataset -> bootstrap comparison against LightGBM defaults, from the kept predictions."""
    out = {}
    for r in records:
        if r.get("status") != "ok":
            continue
        found = compare_with_baseline(r["dataset"], bench_dir / "splits" / r["dataset"],
                                      run_dir_of(results, r) / r["dataset"], r.get("seed", 1),
                                      fit_missing)
        if "reason" in found and r.get("baseline_error") and not fit_missing:
            found = {"reason": r["baseline_error"]}  # the run's own failure says more
        out[r["dataset"]] = found
    return out


def measure_latency(rec, split, info, work, env):
    """Single-row latency in a fresh process; a failure is noted but does not fail the run."""
    cmd = [sys.executable, str(HERE / "latency.py"), str(work / "model"),
           str(split / "test_X.parquet"), "--task", info["task"]]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=work,
                              timeout=LATENCY_LIMIT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        rec["latency_error"] = f"latency run killed after {LATENCY_LIMIT_S} s"
        return
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        rec["latency_error"] = f"latency exited with {done.returncode}: {tail[:500]}"
        return
    result = json.loads(lines[-1])
    rec.update(latency_ms=result["latency_ms"], latency_p90_ms=result["latency_p90_ms"],
               latency_calls=result["latency_calls"], load_s=result["load_s"])


def run_dataset(name, args, env):
    split = args.bench_dir / "splits" / name
    info = json.loads((split / "split.json").read_text())
    rec = new_record(name, info, args)
    work = args.out / args.run_name / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        fit_and_predict(rec, split, info, work, args, env)
        score_predictions(rec, split, info, work)
        if not args.no_baseline:
            add_baseline(rec, split, work, args.seed)
        measure_latency(rec, split, info, work, env)
    except StepFailed as err:
        rec.update(status=err.status, error=str(err))
    finally:
        if not args.keep_models:
            shutil.rmtree(work / "model", ignore_errors=True)
    return rec


def progress_line(i, n, rec):
    def num(key, pattern):
        return "—" if rec.get(key) is None else pattern.format(rec[key])

    return (f"[{i}/{n}] {rec['dataset']:<28} {rec['task']:<10} {rec['status']:<7} "
            f"{rec['metric']}={num('score', '{:.4f}')} fit={num('fit_s', '{:.1f}')}s "
            f"predict={num('predict_s', '{:.2f}')}s latency={num('latency_ms', '{:.2f}')}ms "
            f"rss={num('peak_rss_mb', '{:.0f}')}MB model={num('model_mb', '{:.2f}')}MB"
            + (f" vs-lgbm={rec['vs_baseline']['verdict']}" if rec.get("vs_baseline") else "")
            + "".join(f"  {rec[k]}" for k in ("error", "baseline_error", "latency_error")
                      if rec.get(k)))


def run(parser, args):
    names = select_datasets(parser, args)
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / f"{args.run_name}.jsonl"
    env = subprocess_env()
    print(f"mlpilot benchmark: {len(names)} datasets, budget {args.budget:g} s, "
          f"seed {args.seed} -> {results}", flush=True)
    for i, name in enumerate(names, 1):
        rec = run_dataset(name, args, env)
        with open(results, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        print(progress_line(i, len(names), rec), flush=True)
    records = [r for r in read_records(results) if r["dataset"] in names]
    found = comparisons(records, results, args.bench_dir, fit_missing=False)
    print()
    print(summary(records, peer_table(args), found))


def peer_table(args):
    """peers.md's figures, with the harness results of --peer-results laid over them."""
    table = parse_peers(args.bench_dir / "peers.md")
    for path in args.peer_results:
        add_harness_results(table, read_records(path))
    return table


def main(argv=None):
    parser, args = parse_args(argv)
    if args.summary:
        if not args.summary.exists():
            parser.error(f"no results file at {args.summary}")
        records = read_records(args.summary)
        found = comparisons(records, args.summary.resolve(), args.bench_dir,
                            fit_missing=not args.no_baseline)
        print(summary(records, peer_table(args), found))
        return 0
    if not (args.bench_dir / "splits").is_dir():
        print(f"skipped: no benchmark data at {args.bench_dir} "
              "(set --bench-dir or MLPILOT_BENCH_DIR)")
        return 0
    run(parser, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
