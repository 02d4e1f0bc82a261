"""The api template's service: /predict throughput and latency, and its cold start.

`serving`: the generated service's POST /predict against a bare FastAPI app that loads the
same model (bench/bare_app.py), both under uvicorn with the same settings (127.0.0.1, one
worker, no uvicorn access log), loaded one at a time from another process: wrk when it is
installed, else a bounded asyncio client. Rounds alternate, so machine noise hits both alike.
Besides requests/s and latency it reports each server's own CPU time per request (from /proc),
the steadier number on a shared machine. Target: at least 85 % of the bare app's requests/s.

`coldstart`: process start to the first 200 from /ready (the bare app: its first 200 from
/predict), and the import time of `<package>.ops`, bytecode compiled (as `make install` and
the image do).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path

from bench.measure import Figure
from tests.suite import REPO, clean_env, free_port, render

TARGET_RATIO = 0.85
CONNECTIONS = 16
# Outside this repository: `make install` installs the project's git hook into the git
# repository it finds, which must be the project's own.
WORK = Path(tempfile.gettempdir()) / "mlops-templates-bench"


@cache
def project() -> Path:
    """The api template rendered with its defaults into WORK/api (replacing the last run's),
    in a git repository of its own, installed, with the sample model."""
    out = WORK / "api"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    path = render("api", out)
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    for target in ("install", "sample-model"):
        done = subprocess.run(
            ["make", target], cwd=path, env=clean_env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"make {target} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return path


def package(path: Path) -> str:
    return next((path / "src").iterdir()).name


def request_body(path: Path) -> bytes:
    """One record of the sample model's features, as a client sends it."""
    features = json.loads((path / "models/sample/metadata.json").read_text())["features"]
    return json.dumps({"records": [dict.fromkeys(features, 1.0)]}).encode()


class Server:
    """The service (`python -m <package>.serve`, what `make serve` runs) or the bare app."""

    def __init__(self, path: Path, variant: str) -> None:
        self.variant = variant
        self.port = free_port()
        python = str(path / ".venv" / "bin" / "python")
        model = path / "models" / "sample"
        env = clean_env({"PYTHONPATH": str(REPO)})
        if variant == "bare":
            env["MODEL_DIR"] = str(model)
            command = [python, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1"]
            command += ["--port", str(self.port), "--no-access-log", "--log-level", "warning"]
            self.probe = ("POST", "/predict")
        else:
            prefix = package(path).upper() + "_"
            env.update({"PORT": str(self.port), "MODEL_URI": str(model)})
            env.update({f"{prefix}HOST": "127.0.0.1", f"{prefix}LOG_FORMAT": "json"})
            command = [python, "-m", f"{package(path)}.serve"]
            self.probe = ("GET", "/ready")
        self.body = request_body(path)
        self.started = time.perf_counter()
        # The service's JSON access log is written (to /dev/null), as in production.
        self.process = subprocess.Popen(
            command, cwd=path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def wait_ready(self, seconds: float = 120) -> float:
        """Seconds from process start to the first 200 of the probe; fails after `seconds`."""
        method, route = self.probe
        url = f"http://127.0.0.1:{self.port}{route}"
        body = self.body if method == "POST" else None
        headers = {"content-type": "application/json"}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            request = urllib.request.Request(url, data=body, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, OSError):
                time.sleep(0.01)
        raise RuntimeError(f"{self.variant} did not answer 200 within {seconds} s")

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(port: int, body: bytes, seconds: float, script_dir: Path) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 latency (ms) from wrk, one thread, CONNECTIONS connections."""
    script = script_dir / "predict.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
    )
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}/predict"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {p: float(v) * UNIT[u] for p, v, u in LATENCY.findall(out)}
    return rate, latency["50"], latency["99"]


async def _client_load(port: int, body: bytes, seconds: float) -> tuple[int, list[float]]:
    head = (
        "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    request = head + body
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    latencies: list[float] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while loop.time() < deadline:
                started = time.perf_counter()
                writer.write(request)
                headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                status = int(headers.split(b" ", 2)[1])
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", headers).group(1))  # type: ignore[union-attr]
                await asyncio.wait_for(reader.readexactly(length), 10)
                if status != 200:
                    raise RuntimeError(f"/predict answered {status}")
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    started = loop.time()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return round(loop.time() - started), latencies


def asyncio_client(port: int, body: bytes, seconds: float) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 latency (ms) from a bounded asyncio client (no wrk)."""
    started = time.perf_counter()
    _, latencies = asyncio.run(_client_load(port, body, seconds))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, cuts[49] * 1e3, cuts[98] * 1e3


def serving_figures(quick: bool) -> list[Figure]:
    """Generated /predict against the bare app: requests/s, p50, p99, CPU per request."""
    path = project()
    rounds, seconds = (3, 3.0) if quick else (5, 5.0)
    load = "wrk" if shutil.which("wrk") else "asyncio client"
    names = ("service", "bare")
    results: dict[str, dict[str, list[float]]] = {
        n: {"rps": [], "p50": [], "p99": [], "cpu": []} for n in names
    }
    servers = {name: Server(path, name) for name in names}
    try:
        with tempfile.TemporaryDirectory() as tmp:

            def measure(server: Server, duration: float) -> tuple[float, float, float, float]:
                cpu = server.cpu_seconds()
                if load == "wrk":
                    rps, p50, p99 = wrk(server.port, server.body, duration, Path(tmp))
                else:
                    rps, p50, p99 = asyncio_client(server.port, server.body, duration)
                used = server.cpu_seconds() - cpu
                return rps, p50, p99, used / max(rps * duration, 1) * 1e6

            for server in servers.values():
                server.wait_ready()
                measure(server, 1.0)  # warm-up
            for _ in range(rounds):
                for name, server in servers.items():
                    rps, p50, p99, cpu = measure(server, seconds)
                    for key, value in zip(
                        ("rps", "p50", "p99", "cpu"), (rps, p50, p99, cpu), strict=True
                    ):
                        results[name][key].append(value)
    finally:
        for server in servers.values():
            server.stop()
    service, bare = results["service"], results["bare"]
    ratio = statistics.median(service["rps"]) / statistics.median(bare["rps"])
    note = f"baseline: a bare FastAPI app, same model and uvicorn settings; load: {load}, {CONNECTIONS} connections"
    return [
        Figure(
            "serving /predict throughput",
            "req/s",
            service["rps"],
            bare["rps"],
            note=note,
            target=f">= {TARGET_RATIO:.2f} x bare",
            met=ratio >= TARGET_RATIO,
        ),
        Figure("serving /predict p50 latency", "ms", service["p50"], bare["p50"], note=note),
        Figure("serving /predict p99 latency", "ms", service["p99"], bare["p99"], note=note),
        Figure("serving server CPU per request", "us", service["cpu"], bare["cpu"], note=note),
    ]


def coldstart_figures(quick: bool) -> list[Figure]:
    """Process start to first 200 (/ready; bare: /predict), and `<package>.ops` import time."""
    path = project()
    runs = 3 if quick else 7
    starts: dict[str, list[float]] = {"service": [], "bare": []}
    for _ in range(runs):
        for name in starts:
            server = Server(path, name)
            try:
                starts[name].append(server.wait_ready())
            finally:
                server.stop()
    python = str(path / ".venv" / "bin" / "python")
    subprocess.run([python, "-m", "compileall", "-q", "src"], cwd=path, check=True)  # as the image
    code = (
        "import importlib, pkgutil, time\n"
        "started = time.perf_counter()\n"
        f"import {package(path)}.ops as ops\n"
        "for module in pkgutil.iter_modules(ops.__path__):\n"
        "    importlib.import_module(f'{ops.__name__}.{module.name}')\n"
        "print(time.perf_counter() - started)"
    )
    imports = [
        float(
            subprocess.run(
                [python, "-c", code],
                cwd=path,
                env=clean_env(),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    return [
        Figure(
            "coldstart: process start to first 200 /ready",
            "s",
            starts["service"],
            starts["bare"],
            note="baseline: the bare app's first 200 from /predict (same model)",
        ),
        Figure(
            f"coldstart: import {package(path)}.ops (every module)",
            "s",
            imports,
            note="bytecode compiled, a fresh interpreter each run",
        ),
    ]
