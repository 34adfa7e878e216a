"""Learn the configuration portfolio (src/mlpilot/search/portfolio.json) from our own runs.

    .venv/bin/python benchmarks/portfolio.py collect --out RUNS/collect.jsonl [--workers 2] [--minutes 60]
    .venv/bin/python benchmarks/portfolio.py build RUNS/collect.jsonl [--write]

``collect`` runs every family's defaults and configurations sampled from its search space on
the training split of every dataset of the shared suite (benchmarks/portfolio_collect.py);
``build`` turns the records into an ordered portfolio by greedy forward selection, prints a
leave-one-dataset-out check against the hand-written defaults, and with ``--write`` saves
the portfolio (benchmarks/portfolio_build.py). Run ``collect`` niced: it keeps the cores busy.
"""

import argparse
import json
import logging
import multiprocessing
import sys
import time
from datetime import date
from pathlib import Path

from benchdir import default_bench_dir

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUTPUT = REPO / "src" / "mlpilot" / "search" / "portfolio.json"

logger = logging.getLogger("portfolio")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="run the candidate configurations on the suite")
    c.add_argument("--bench-dir", type=Path, default=None,
                   help="shared bench folder (default: $MLPILOT_BENCH_DIR or ../shared/bench)")
    c.add_argument("--out", type=Path, required=True, help="JSONL results file (appended to; resumable)")
    c.add_argument("--datasets", help="comma-separated dataset names (default: every one)")
    c.add_argument("--max-configs", type=int, default=None, help="per dataset, the first N configs only")
    c.add_argument("--max-rows", type=int, default=8000, help="subsample each training set (default 8000)")
    c.add_argument("--deadline", type=float, default=20.0, help="seconds per trial at most (default 20)")
    c.add_argument("--minutes", type=float, default=None, help="start no trial after this many minutes")
    c.add_argument("--workers", type=int, default=1, help="processes, one thread each (default 1)")
    c.add_argument("--seed", type=int, default=0)
    b = sub.add_parser("build", help="build the portfolio from collected records")
    b.add_argument("records", type=Path, nargs="+", help="JSONL files written by collect")
    b.add_argument("--size", type=int, default=24, help="portfolio length (default 24)")
    b.add_argument("--max-time-ratio", type=float, default=None,
                   help="leave out of the portfolio configs slower than this times LightGBM's first default "
                        "(median over datasets; default: none, the presets cap entries themselves)")
    b.add_argument("--seed", type=int, default=0, help="the seed collect ran with (default 0)")
    b.add_argument("--write", action="store_true", help=f"write {OUTPUT.relative_to(REPO)}")
    return p.parse_args(argv)


def _work(args):
    """(dataset dir, family, config) for every trial, ordered configuration first, dataset second."""
    from portfolio_collect import work_order

    from mlpilot.data.task import Task

    names = args.datasets.split(",") if args.datasets else \
        sorted(d.name for d in (args.bench_dir / "splits").iterdir() if (d / "split.json").exists())
    items = []
    for name in names:
        split = args.bench_dir / "splits" / name
        task = Task(json.loads((split / "split.json").read_text())["task"])
        order = work_order(task, _samples(), args.seed)[: args.max_configs]
        items += [(rank, name, family, config) for rank, (family, _, config) in enumerate(order)]
    return [(name, family, config) for _, name, family, config in sorted(items, key=lambda t: (t[0], t[1]))]


def _samples():
    from portfolio_collect import SAMPLES

    return SAMPLES


def _worker(args, index, started):
    """Run every ``workers``-th trial of the work list (skipping those already recorded)."""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s w{index} %(message)s", stream=sys.stdout)
    logging.getLogger("mlpilot").setLevel(logging.ERROR)
    from portfolio_collect import append_record, config_id, done_keys, prepare, run_one

    done = done_keys(args.out)
    todo = [w for i, w in enumerate(_work(args)) if i % args.workers == index
            and (w[0], config_id(w[1], w[2])) not in done]
    cache = {}
    for n, (name, family, config) in enumerate(todo):
        if args.minutes is not None and time.time() - started > 60 * args.minutes:
            logger.info("time is up: %d of %d trials left", len(todo) - n, len(todo))
            return
        if name not in cache:
            cache[name] = prepare(args.bench_dir / "splits" / name, args.max_rows, args.seed)
        rec = run_one(cache[name], family, config, args.deadline, args.seed)
        append_record(args.out, rec)
        logger.info("%d/%d %s %s %s loss=%s fit=%s", n + 1, len(todo), name, family, rec["status"],
                    rec.get("loss"), rec.get("fit_s"))


def collect(args):
    args.bench_dir = (args.bench_dir or default_bench_dir()).resolve()
    if not (args.bench_dir / "splits").is_dir():
        print(f"skipped: no benchmark data at {args.bench_dir} (set --bench-dir or MLPILOT_BENCH_DIR)")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    if args.workers == 1:
        _worker(args, 0, started)
        return 0
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(args, i, started)) for i in range(args.workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    print(f"collect finished in {time.time() - started:.0f} s")
    return 0


def build(args):
    import portfolio_build as pb

    records = [json.loads(line) for path in args.records for line in path.read_text().splitlines() if line.strip()]
    ratio = args.max_time_ratio
    table = pb.LossTable.from_records(records, args.seed)
    print(pb.leave_one_out_report(table, args.size, pb.MAX_TIME_RATIO))
    entries = pb.greedy_portfolio(table, args.size, pb.allowed_ids(table, ratio))
    print(pb.describe(table, entries))
    if args.write:
        doc = pb.portfolio_document(table, entries, ratio, date.today().isoformat(), args.seed)
        OUTPUT.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {OUTPUT.relative_to(REPO)} ({len(entries)} entries)")
    return 0


def main(argv=None):
    sys.path.insert(0, str(HERE))
    args = parse_args(argv)
    return collect(args) if args.command == "collect" else build(args)


if __name__ == "__main__":
    sys.exit(main())
