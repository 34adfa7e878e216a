"""Every command of the README's tour runs as written, in a fresh directory."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


@pytest.mark.slow
def test_readme_tour_runs_as_written(tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               MLPILOT_HOME=str(tmp_path / "home"))  # the registry commands: not the user's own registry
    env.pop("MLPILOT_DB_URL", None)
    commands = [line[2:] for block in _blocks("console") for line in block.splitlines() if line.startswith("$ ")]
    assert len(commands) >= 6
    background = []
    try:
        for cmd in commands:
            if cmd.endswith(" &"):  # a server: started here, stopped when the tour is over
                background.append(subprocess.Popen(cmd[:-2], shell=True, cwd=tmp_path, env=env,
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                                   start_new_session=True))
                continue
            run = subprocess.run(cmd, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
            assert run.returncode == 0, f"{cmd}\n{run.stdout}\n{run.stderr}"
            if "/predict" in cmd and "-F file=" in cmd:
                assert '"predictions"' in run.stdout and '"version":2' not in run.stdout, run.stdout
    finally:
        for proc in background:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    assert (tmp_path / "predictions.csv").read_text().splitlines()[0] == "benign,malignant,prediction"
    for code in _blocks("python"):
        run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, f"{code}\n{run.stdout}\n{run.stderr}"
