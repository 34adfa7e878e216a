"""Load-test `mlpilot serve` on loopback with wrk: single-row p50/p99 latency and throughput at
1, 8 and 64 concurrent clients.

    .venv/bin/python benchmarks/serve_load.py                      # one LightGBM model, 1 server process
    .venv/bin/python benchmarks/serve_load.py --workers 2 --ensemble --families lightgbm,linear,catboost
    .venv/bin/python benchmarks/serve_load.py --route explain --ensemble --clients 1,8   # explanations

It trains on scikit-learn's breast-cancer table (30 numeric columns) with the given families,
keeps the ensemble's heaviest member alone (unless --ensemble), registers it in a throwaway
MLPILOT_HOME, starts the real server (uvicorn), and runs
`wrk` (Debian package `wrk`; `make bench-serve` installs it) against
`POST /v1/models/NAME/predict` (or `/explain` with --route explain) with one row per request. The server
and wrk share the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pandas as pd
from sklearn.datasets import load_breast_cancer

LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{body}]]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train(home: Path, families: str, time_limit: float, single: bool) -> dict:
    import mlpilot
    from mlpilot.evaluate.latency import median_ms
    from mlpilot.registry import Registry

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    df = X.assign(diagnosis=y.map({0: "malignant", 1: "benign"}))
    bundle = home / "bundle"
    model = mlpilot.fit(df, "diagnosis", time_limit=time_limit, seed=0, families=tuple(families.split(",")))
    if single:  # the ensemble's heaviest member alone, as a single-model deployment would be
        top = max(model.members, key=lambda m: m.weight)
        top.weight, model.members, model.stacker, model.temperature = 1.0, [top], None, None
        model.info["latency_ms"] = median_ms(lambda: model.predict_proba(X.iloc[:1]))
    model.save(bundle)
    Registry(home).register(bundle, "bench")
    members = [f"{m.name} ({m.weight:.2f})" for m in model.members]
    return {"row": X.iloc[:1].to_dict(orient="records")[0], "members": members,
            "in_process_ms": model.info["latency_ms"]}


def _wrk(url: str, script: Path, clients: int, seconds: int) -> dict:
    out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}

    def pct(p: str) -> float:
        m = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s)\s*$", out, flags=re.M)
        return float(m.group(1)) * unit[m.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"clients": clients, "p50_ms": pct("50"), "p99_ms": pct("99"), "rps": rps,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(1) if errors else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1, help="server processes (mlpilot serve --workers)")
    parser.add_argument("--families", default="lightgbm", help="model families to train (default: LightGBM alone)")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--ensemble", action="store_true",
                        help="serve the whole ensemble fit chose (default: its heaviest member alone)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds of load per concurrency level")
    parser.add_argument("--clients", default="1,8,64")
    parser.add_argument("--route", choices=("predict", "explain"), default="predict",
                        help="the route to load: predict, or explain (each column's contribution)")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (make bench-serve does)")
    home = Path(tempfile.mkdtemp(prefix="mlpilot-load-"))
    env = dict(os.environ, MLPILOT_HOME=str(home))
    env.pop("MLPILOT_DB_URL", None)
    os.environ.update(MLPILOT_HOME=str(home))
    os.environ.pop("MLPILOT_DB_URL", None)
    trained = _train(home, args.families, args.time_limit, not args.ensemble)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "mlpilot", "serve", "bench", "--port", str(port),
                               "--workers", str(args.workers), "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}/v1/models/bench/{args.route}"
    try:
        body = json.dumps({"rows": [trained["row"]]})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.post(url, content=body, headers={"content-type": "application/json"}).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        script = home / "post.lua"
        script.write_text(LUA.format(body=body))
        _wrk(url, script, 8, 2)  # warm-up
        results = [_wrk(url, script, int(c), args.seconds) for c in args.clients.split(",")]
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    print(f"model: {', '.join(trained['members'])}; in-process single-row predict "
          f"{trained['in_process_ms']:.2f} ms; server processes: {args.workers}; {os.cpu_count()} CPUs; "
          f"route: {args.route}")
    print("| clients | p50 ms | p99 ms | requests/s | non-2xx |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['clients']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['rps']:.0f} | {r['non_2xx']} |")
    if args.out:
        args.out.write_text(json.dumps({"args": vars(args) | {"out": str(args.out)}, "trained": trained,
                                        "results": results}, indent=1, default=str))


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    main()
