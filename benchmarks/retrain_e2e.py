"""Self-learning end to end on a dataset ordered in time (default: the suite's electricity).

    .venv/bin/python benchmarks/retrain_e2e.py
    .venv/bin/python benchmarks/retrain_e2e.py --initial 4000 --batches 20 --batch-rows 1000 --time-limit 20

With no human step: `mlpilot fit --name` on the first rows; `mlpilot serve --auto-retrain` on
loopback; then the later rows, batch after batch in time order: predictions are asked for, and
the true labels are sent back as feedback. The service watches drift and live accuracy and
retrains by its policy; a new version is promoted only if it beats the champion. Per batch the
script records the served version's accuracy and that of the first model (never retrained),
and at the end prints both, the decisions taken, and whether drift was flagged. Writes
bench-results/retrain_e2e.json.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd

from benchdir import REPO, default_bench_dir

POLICY = """mode = "search"
time_limit = {time_limit}
min_labels = 500
after_labels = 3000
performance_drop = 0.02
recent_share = 0.3
check_seconds = 2
"""


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench-dir", type=Path, default=None)
    p.add_argument("--dataset", default="electricity")
    p.add_argument("--target", default="class")
    p.add_argument("--initial", type=int, default=4000, help="rows the first model is trained on")
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--batch-rows", type=int, default=1000)
    p.add_argument("--time-limit", type=float, default=20.0, help="seconds for each fit")
    p.add_argument("--wait", type=float, default=3.0, help="seconds between batches")
    p.add_argument("--out", type=Path, default=REPO / "bench-results" / "retrain_e2e.json")
    return p.parse_args(argv)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as answer:
        return json.loads(answer.read())


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.loads(answer.read())


def _cli(env: dict, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, "-m", "mlpilot", *args], env=env, cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"mlpilot {' '.join(args)} failed:\n{run.stderr}")
    return run


def _wait_ready(base: str, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(120):
        if proc.poll() is not None:
            raise SystemExit("mlpilot serve stopped: " + log.read_text(errors="replace"))
        try:
            _get(f"{base}/v2/health/ready")
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("mlpilot serve did not become ready in 60 s")


def run(args) -> dict:
    import mlpilot

    bench = (args.bench_dir or default_bench_dir()).resolve()
    data = pd.read_parquet(bench / "datasets" / f"{args.dataset}.parquet")
    first, later = data.iloc[:args.initial], data.iloc[args.initial:]
    later = later.iloc[:args.batches * args.batch_rows]
    work = Path(tempfile.mkdtemp(prefix="mlpilot-e2e-"))
    env = dict(os.environ, MLPILOT_HOME=str(work / "home"), MLPILOT_POLL_SECONDS="1")
    env.pop("MLPILOT_DB_URL", None)
    first.to_parquet(work / "first.parquet")
    (work / "policy.toml").write_text(POLICY.format(time_limit=args.time_limit))
    _cli(env, "fit", "first.parquet", "--target", args.target, "--time-limit", str(args.time_limit), "--name",
         "e2e", "--quiet", cwd=work)
    from mlpilot.registry import Registry

    registry = Registry(work / "home")
    never = mlpilot.load(registry.resolve("e2e:1").path)  # the first model, as if never retrained
    port = _free_port()
    log = work / "serve.log"  # a file, not a pipe: nobody reads a pipe while the batches run, and a full one blocks
    with log.open("w") as sink:
        server = subprocess.Popen([sys.executable, "-m", "mlpilot", "serve", "e2e", "--port", str(port),
                                   "--auto-retrain", "--policy", "policy.toml", "--log-level", "warning"], env=env,
                                  cwd=work, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    batches, drift_seen = [], []
    try:
        _wait_ready(base, server, log)
        for b in range(args.batches):
            batch = later.iloc[b * args.batch_rows:(b + 1) * args.batch_rows]
            X = batch.drop(columns=[args.target])
            rows = X.astype(object).where(X.notna(), None).to_dict(orient="records")
            answer = _post(f"{base}/v1/models/e2e/predict", {"rows": rows})
            truth = batch[args.target].astype(str).to_numpy()
            served_acc = float((pd.Series(answer["predictions"]).astype(str).to_numpy() == truth).mean())
            never_acc = float((pd.Series(never.predict(X)).astype(str).to_numpy() == truth).mean())
            labels = [{"request_id": answer["request_id"], "row": i, "label": str(y)} for i, y in enumerate(truth)]
            _post(f"{base}/v1/models/e2e/feedback", {"labels": labels})
            state = _get(f"{base}/v1/models/e2e/monitor")
            drift_seen.append(state["drifted"])
            batches.append({"batch": b, "version": answer["version"], "served_accuracy": served_acc,
                            "never_retrained_accuracy": never_acc, "drifted": state["drifted"]})
            print(f"batch {b:2d}: version {answer['version']}, accuracy {served_acc:.4f} (never retrained "
                  f"{never_acc:.4f}), drifted: {', '.join(state['drifted']) or '-'}", flush=True)
            time.sleep(args.wait)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    show = _cli(env, "models", "show", "e2e", cwd=work).stdout
    from mlpilot.registry.history import list_decisions

    decisions = list_decisions(registry, "e2e")
    registry.close()
    result = {"dataset": args.dataset, "initial_rows": args.initial, "batches": batches,
              "served_accuracy": sum(b["served_accuracy"] for b in batches) / len(batches),
              "never_retrained_accuracy": sum(b["never_retrained_accuracy"] for b in batches) / len(batches),
              "promotions": sum(d["action"] == "promote" for d in decisions),
              "drift_flagged": any(drift_seen), "decisions": decisions[::-1], "models_show": show,
              "server_log_tail": log.read_text(errors="replace")[-4000:]}
    if os.environ.get("MLPILOT_E2E_KEEP"):
        result["work"] = str(work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main(argv=None):
    args = parse_args(argv)
    result = run(args)
    print(result["models_show"])
    print(f"mean accuracy over {len(result['batches'])} batches: served {result['served_accuracy']:.4f}, never "
          f"retrained {result['never_retrained_accuracy']:.4f}; promotions: {result['promotions']}; drift flagged: "
          f"{result['drift_flagged']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
