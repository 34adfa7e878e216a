"""Where the shared benchmark folder is by default: $MLPILOT_BENCH_DIR, else ../shared/bench beside the repo."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def default_bench_dir():
    env = os.environ.get("MLPILOT_BENCH_DIR")
    return Path(env) if env else REPO.parent / "shared" / "bench"
