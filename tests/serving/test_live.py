"""The real server (`mlpilot serve`, uvicorn) on loopback: schemathesis against its OpenAPI document,
malformed requests over a socket, kill -9 under load and in the middle of a promotion."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from mlpilot.registry import Registry

TOKEN = "live-token"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, home: Path):
        self.home, self.port, self.proc = home, _free_port(), None
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, MLPILOT_HOME=str(home), MLPILOT_ADMIN_TOKEN=TOKEN, MLPILOT_POLL_SECONDS="0.2",
                        MLPILOT_MAX_ROWS="1000", MLPILOT_MAX_BODY_BYTES="200000")
        self.env.pop("MLPILOT_DB_URL", None)

    def start(self) -> "Server":
        self.proc = subprocess.Popen([sys.executable, "-m", "mlpilot", "serve", "churn", "--port", str(self.port),
                                      "--log-level", "warning"], env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.stdout.read()}")
            try:
                if httpx.get(f"{self.url}/v2/health/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("server not ready within 60 s")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc is not None:
            self.proc.stdout.close()


@pytest.fixture
def server(tmp_path, binary_bundle):
    bundle, _ = binary_bundle
    reg = Registry(tmp_path / "home")
    reg.register(bundle, "churn")
    reg.register(bundle, "churn")
    reg.close()
    srv = Server(tmp_path / "home").start()
    yield srv
    srv.stop()


@pytest.fixture
def rows(binary_bundle):
    import pandas as pd

    _, train = binary_bundle
    df = pd.read_csv(train).drop(columns="y").head(3)
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def test_schemathesis_finds_no_server_error(server):
    run = subprocess.run([str(Path(sys.executable).parent / "schemathesis"), "run", f"{server.url}/openapi.json",
                          "--checks", "not_a_server_error", "--max-examples", "40", "--seed", "1",
                          "--header", f"Authorization: Bearer {TOKEN}", "--no-color"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


MALFORMED = [
    b"POST /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{\"row",
    b"POST /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9999999\r\n\r\n{}",
    b"POST /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in [b'{"rows": [' + b'{"num": 1},' * 30000 + b'{}]}']) + b"0\r\n\r\n",
    b"POST /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]",
    b"POST /v1/models/churn/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"rows\": 5}",
    b"POST /v2/models/churn/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"inputs\": []}",
    b"POST /v1/models/%00/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"GET /v2/models/churn/versions/-1/ready HTTP/1.1\r\nHost: x\r\n\r\n",
]


def _status(raw: bytes, port: int) -> int | None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    line = data.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else None


def test_malformed_requests_get_4xx_and_the_server_stays_up(server, rows):
    for raw in MALFORMED:
        status = _status(raw, server.port)
        assert status is None or 400 <= status < 500, (raw[:90], status)  # None: the connection was refused
    r = httpx.post(f"{server.url}/v1/models/churn/predict", json={"rows": rows}, timeout=10)
    assert r.status_code == 200


def _hammer(url: str, rows, stop: threading.Event, seen: list) -> None:
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            try:
                r = client.post(f"{url}/v1/models/churn/predict", json={"rows": rows})
                seen.append(r.status_code)
            except httpx.HTTPError:
                seen.append(None)
                time.sleep(0.02)


def test_kill_9_under_load_then_restart_serves_the_same_version(server, rows):
    promoted = httpx.post(f"{server.url}/v1/admin/models/churn/promote", json={"version": 2},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert promoted.json()["serving"] == 2
    stop, seen = threading.Event(), []
    load = [threading.Thread(target=_hammer, args=(server.url, rows, stop, seen)) for _ in range(4)]
    for t in load:
        t.start()
    time.sleep(1.0)
    server.kill()
    server.start()
    time.sleep(0.5)
    stop.set()
    for t in load:
        t.join()
    assert 200 in seen and all(s in (200, None) for s in seen), sorted(set(map(str, seen)))
    r = httpx.post(f"{server.url}/v1/models/churn/predict", json={"rows": rows}, timeout=10)
    assert r.json()["version"] == 2


PROMOTER = """
import sys
from pathlib import Path
from mlpilot.registry import Registry
reg = Registry(Path(sys.argv[1]))
print("ready", flush=True)
while True:
    for v in (1, 2):
        reg.promote("churn", v)
        reg.rollback("churn")
"""


def test_kill_9_in_the_middle_of_promote_leaves_the_registry_consistent(server, tmp_path):
    script = tmp_path / "promoter.py"
    script.write_text(PROMOTER)
    for i in range(5):
        proc = subprocess.Popen([sys.executable, str(script), str(server.home)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3 + 0.17 * i)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        reg = Registry(server.home)
        champion = reg.aliases("churn")["champion"]
        assert champion in (1, 2) and reg.get("churn", champion).path.is_dir()
        assert reg.resolve("churn").version == champion
        reg.promote("churn", 1)  # still writable: no lock left behind
        reg.close()
    served = httpx.get(f"{server.url}/v2/models/churn", timeout=10).json()["parameters"]["version"]
    deadline = time.monotonic() + 10
    while served != "1" and time.monotonic() < deadline:
        time.sleep(0.1)
        served = httpx.get(f"{server.url}/v2/models/churn", timeout=10).json()["parameters"]["version"]
    assert served == "1"
