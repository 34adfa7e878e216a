"""Run a command as a subprocess and measure it: wall time, peak RSS of its process tree."""

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

POLL_S = 0.2
MB = 2**20


@dataclass
class Measured:
    returncode: int
    wall_s: float
    peak_rss_mb: float
    timed_out: bool
    stderr_path: Path

    def last_stderr_line(self):
        """The last non-empty stderr line, for the error field of a record."""
        try:
            lines = self.stderr_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1].strip()[:500] if lines else ""


def process_tree(pid, seen):
    """The process and its children (recursively); every process met is kept in ``seen``."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return []
    for proc in procs:
        seen.setdefault(proc.pid, proc)
    return procs


def tree_rss(procs):
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:  # exited between listing and reading
            pass
    return total


def kill_leftovers(proc, seen):
    """Kill every process of the run's tree that still runs, and its process group.

    The group is signalled only while ``proc`` is not yet reaped, so its id is still ours.
    """
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for child in seen.values():
        try:
            if child.is_running():  # psutil compares create times: a reused pid is left alone
                child.kill()
        except psutil.Error:
            pass


def run_measured(cmd, limit_s, log_prefix, cwd=None, env=None):
    """Run ``cmd``; kill it (and its children) after ``limit_s`` seconds.

    stdout/stderr go to ``<log_prefix>.stdout.log`` / ``.stderr.log``. Wall time runs from
    process start to exit; RSS is summed over the tree every 0.2 s.
    """
    log_prefix = Path(log_prefix)
    out_path = log_prefix.with_name(log_prefix.name + ".stdout.log")
    err_path = log_prefix.with_name(log_prefix.name + ".stderr.log")
    peak, seen, timed_out = 0, {}, False
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            cwd=cwd, env=env, start_new_session=True,
        )
        while True:
            peak = max(peak, tree_rss(process_tree(proc.pid, seen)))
            try:
                proc.wait(timeout=POLL_S)
                break
            except subprocess.TimeoutExpired:
                if time.perf_counter() - t0 > limit_s:
                    timed_out = True
                    break
        wall = time.perf_counter() - t0
        kill_leftovers(proc, seen)
        returncode = proc.wait()
    return Measured(returncode, wall, peak / MB, timed_out, err_path)


def dir_size_mb(path):
    """Total size of the files under ``path`` in MB; None when it does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / MB
