"""One real server: `python -m {{ cookiecutter.package_name }}.serve` (uvicorn) on 127.0.0.1, as `make serve` runs it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from {{ cookiecutter.package_name }}.contract import load_contract


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(client: httpx.Client, server: subprocess.Popen[bytes], seconds: float) -> bool:
    """Poll /ready until it is 200, the server exits or the time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if client.get("/ready").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def start_server(
    model_dir: Path, log_path: Path, port: int | None = None, **settings: str
) -> tuple[subprocess.Popen[bytes], int]:
    """The service as `make serve` runs it, on `port` (default: a free one), with PORT and
    MODEL_URI as Cloud Run sets them, JSON logs into `log_path`, and `settings` (as
    <PREFIX>NAME=value)."""
    port = port or free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "MODEL_URI": str(model_dir),
        "{{ cookiecutter.__env_prefix }}HOST": "127.0.0.1",
        "{{ cookiecutter.__env_prefix }}LOG_FORMAT": "json",
    }
    for name, value in settings.items():
        env[f"{{ cookiecutter.__env_prefix }}{name.upper()}"] = value
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "{{ cookiecutter.package_name }}.serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return server, port


def stop_server(server: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as Cloud Run stops an instance; the exit code."""
    server.terminate()
    try:
        return server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)
        raise


def test_uvicorn_serves_predictions_and_json_logs(model_dir: Path, tmp_path: Path) -> None:
    """Every line on stderr is JSON, uvicorn's own too."""
    record = load_contract().example_record()
    log_path = tmp_path / "server.log"
    server, port = start_server(model_dir, log_path, prediction_log_uri="log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5.0) as client:
            assert wait_ready(client, server, 60), log_path.read_text()[-3000:]
            response = client.post(
                "/predict", json={"records": [record]}, headers={"x-request-id": "srv-1"}
            )
        assert response.status_code == 200
        assert response.json()["fallback"] is False
        assert response.headers["x-request-id"] == "srv-1"
    finally:
        stop_server(server)
    text = log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line]  # all JSON
    messages = [line["message"] for line in lines]
    assert any("Uvicorn running" in m for m in messages), messages  # uvicorn's own, as JSON
    [access] = [x for x in lines if x["message"] == "request" and x.get("request_id") == "srv-1"]
    assert (access["status"], access["path"]) == (200, "/predict")
    assert any(x["message"] == "prediction" and x["request_id"] == "srv-1" for x in lines)


def test_a_stop_signal_loses_no_served_record(model_dir: Path, tmp_path: Path) -> None:
    """Two workers, a flush interval longer than the test: SIGTERM still writes every
    record answered, once, in each worker's own files."""
    folder = tmp_path / "served"
    log_path = tmp_path / "server.log"
    server, port = start_server(
        model_dir,
        log_path,
        workers="2",
        prediction_log_uri=str(folder),
        prediction_log_flush_seconds="60",
    )
    record = load_contract().example_record()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5.0) as client:
            assert wait_ready(client, server, 60), log_path.read_text()[-3000:]
            ids = []
            for i in range(40):
                answer = client.post("/predict", json={"records": [record, record]})
                assert answer.status_code == 200
                ids.append(answer.json()["request_id"])
                if i % 10 == 9:  # new connections: the kernel spreads them over the workers
                    client.close()
                    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5.0)
        written = [p.read_text() for p in folder.glob("*.jsonl")]
        assert not any(written)  # nothing flushed yet: the stop must write it
    finally:
        assert stop_server(server) == 0
    files = list(folder.glob("*.jsonl"))
    lines = [json.loads(line) for file in files for line in file.read_text().splitlines()]
    assert sorted(e["request_id"] for e in lines) == sorted(ids)
    assert all(len(e["records"]) == 2 for e in lines)


def established(port: int) -> set[str]:
    """The socket inodes of the server's side of every established connection to `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
        # columns: sl, local address:port (hex), remote, state (01 established), ..., inode
    return inodes


def connections_per_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established connections to `port` each process holds."""
    inodes = established(port)
    counts = {}
    for pid in pids:
        links = []
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                links.append(str(fd.readlink()))
            except FileNotFoundError:  # closed meanwhile
                continue
        counts[pid] = sum(link[len("socket:[") : -1] in inodes for link in links)
    return counts


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc (Linux only)")
def test_workers_share_the_port_and_keep_alive_connections_reach_every_worker(
    model_dir: Path, tmp_path: Path
) -> None:
    """Two workers, 16 keep-alive connections opened at once (as a load balancer's): each
    worker holds some of them; a second service started on the same port is refused instead
    of sharing it; a stop signal ends all the workers cleanly."""
    log_path = tmp_path / "server.log"
    server, port = start_server(model_dir, log_path, workers="2")
    connections: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while log_path.read_text().count("Application startup complete") < 2:  # both ready
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            assert server.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.2)
        # All connected before any is answered: they wait in the kernel together.
        connections = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(16)]
        for connection in connections:
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for connection in connections:
            assert connection.recv(4096).startswith(b"HTTP/1.1 200"), "no answer"
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        per_worker = connections_per_process([int(pid) for pid in children], port)
        held = sorted(count for count in per_worker.values() if count)
        assert len(held) == 2, per_worker  # both workers hold connections
        assert sum(held) == 16, per_worker
        intruder_log = tmp_path / "intruder.log"
        intruder, _ = start_server(model_dir, intruder_log, port, workers="2")
        assert intruder.wait(timeout=60) == 3, intruder_log.read_text()[-3000:]
        last = json.loads(intruder_log.read_text().splitlines()[-1])
        assert last["message"] == "cannot listen", last
        assert last["port"] == port, last
        assert "in use" in last["error"], last
    finally:
        for connection in connections:
            connection.close()
        code = stop_server(server)
    assert code == 0, log_path.read_text()[-3000:]
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line]
    finished = [x for x in lines if x["message"].startswith("Finished server process")]
    assert len(finished) == 2, [x["message"] for x in lines]
