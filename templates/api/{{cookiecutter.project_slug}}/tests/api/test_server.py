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


def test_uvicorn_serves_predictions_and_json_logs(model_dir: Path, tmp_path: Path) -> None:
    """PORT and MODEL_URI as Cloud Run sets them; every line on stderr is JSON."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "MODEL_URI": str(model_dir),
        "{{ cookiecutter.__env_prefix }}HOST": "127.0.0.1",
        "{{ cookiecutter.__env_prefix }}LOG_FORMAT": "json",
        "{{ cookiecutter.__env_prefix }}PREDICTION_LOG_SAMPLE_RATE": "1",
    }
    record = load_contract().example_record()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "{{ cookiecutter.package_name }}.serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
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
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
    text = log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line]  # all JSON
    messages = [line["message"] for line in lines]
    assert any("Uvicorn running" in m for m in messages), messages  # uvicorn's own, as JSON
    [access] = [x for x in lines if x["message"] == "request" and x.get("request_id") == "srv-1"]
    assert (access["status"], access["path"]) == (200, "/predict")
    assert any(x["message"] == "prediction" and x["request_id"] == "srv-1" for x in lines)
