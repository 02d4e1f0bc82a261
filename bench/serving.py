"""The api template's service: /predict throughput and latency, and its cold start.

`serving`: the generated service's POST /predict (one record per request) beside
- the bare app (bench/bare_app.py): FastAPI making the same prediction, nothing else;
- the FastAPI floor (bench/floor_app.py): the service's own request model parsed, a constant
  answered: what FastAPI itself answers on this machine;
- the peers (bench/peers.py): MLServer, LitServe and BentoML serving the same model, each in
  its own environment, with and without their adaptive batching.
One worker each, 127.0.0.1, loaded from another process at 1 and 16 connections: wrk when it
is installed (`apt install wrk`), else a bounded asyncio client. Rounds alternate, so machine
noise hits all alike. Besides requests/s and latency it reports each server's CPU time per
request over all its processes (from /proc), the steadier number on a shared machine. Every
server's answer is checked against the service's first: the same model, the same probability.

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
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

from bench import peers
from bench.measure import Figure
from tests.suite import REPO, clean_env, free_port, render

CONNECTION_LEVELS = (1, 16)
FLOOR_TARGET = 0.5  # #16: at least half of what FastAPI answers with the same request model
PEER_TARGET = 1.5  # and 1.5 times the best model server a team could pick instead
COLDSTART_TARGET = 1.2  # to the first 200 from /ready, against the bare app's first answer
BARE_TARGET = 0.85  # the service's work around the model costs at most 15 % of a bare app's
RECORDING_TARGET = 0.9  # #22: the prediction log (on by default) keeps 90 % of the rate without
UNRECORDED = "service, prediction log off"
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


def process_tree_cpu_seconds(pid: int) -> float:
    """User and system CPU time so far of a process and every descendant (workers, the
    inference processes of LitServe and BentoML)."""
    ticks = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended meanwhile
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    """One server process on 127.0.0.1: a command, the route it is loaded on, the body it is
    sent, and the probe that answers 200 once it is ready."""

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        cwd: Path,
        *,
        port: int,
        route: str,
        body: bytes,
        probe: tuple[str, str],
    ) -> None:
        self.name, self.port, self.route, self.body, self.probe = name, port, route, body, probe
        self.started = time.perf_counter()
        # Output to /dev/null: the service's JSON access log is written, as in production.
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # stop() ends the whole group: workers too
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
        state = "exited" if self.process.poll() is not None else "did not answer 200"
        raise RuntimeError(f"{self.name} {state} within {seconds} s")

    def cpu_seconds(self) -> float:
        """CPU time of the server and all its processes so far."""
        return process_tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def project_server(
    path: Path, variant: str, *, workers: int = 1, settings: dict[str, str] | None = None
) -> Server:
    """The generated service (`python -m <package>.serve`, what `make serve` runs), with
    `settings` (as <PREFIX>NAME), or the bare app or the floor app in the project's
    environment."""
    port = free_port()
    python = str(path / ".venv" / "bin" / "python")
    model = path / "models" / "sample"
    env = clean_env({"PYTHONPATH": str(REPO)})
    body = request_body(path)
    if variant in ("bare", "floor"):
        env.update({"MODEL_DIR": str(model), "PACKAGE": package(path)})
        command = [python, "-m", "uvicorn", f"bench.{variant}_app:app", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
        probe = ("POST", "/predict")
    else:
        prefix = package(path).upper() + "_"
        env.update({"PORT": str(port), "MODEL_URI": str(model), f"{prefix}WORKERS": str(workers)})
        env.update({f"{prefix}HOST": "127.0.0.1", f"{prefix}LOG_FORMAT": "json"})
        env.update({f"{prefix}{name}": value for name, value in (settings or {}).items()})
        command = [python, "-m", f"{package(path)}.serve"]
        probe = ("GET", "/ready")
    return Server(variant, command, env, path, port=port, route="/predict", body=body, probe=probe)


LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(
    port: int, route: str, body: bytes, seconds: float, connections: int, script_dir: Path
) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 latency (ms) from wrk, one thread, `connections` connections."""
    script = script_dir / "predict.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
    )
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}{route}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {p: float(v) * UNIT[u] for p, v, u in LATENCY.findall(out)}
    return rate, latency["50"], latency["99"]


async def _client_load(
    port: int, route: str, body: bytes, seconds: float, connections: int
) -> list[float]:
    head = (
        f"POST {route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
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
                    raise RuntimeError(f"{route} answered {status}")
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return latencies


def asyncio_client(
    port: int, route: str, body: bytes, seconds: float, connections: int
) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 latency (ms) from a bounded asyncio client (no wrk)."""
    started = time.perf_counter()
    latencies = asyncio.run(_client_load(port, route, body, seconds, connections))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, cuts[49] * 1e3, cuts[98] * 1e3


def load_generator() -> str:
    return "wrk" if shutil.which("wrk") else "asyncio client"


def measure(
    server: Server, connections: int, seconds: float, script_dir: Path
) -> tuple[float, float, float, float]:
    """One load run: requests/s, p50 and p99 (ms), and the server's CPU per request (µs)."""
    cpu = server.cpu_seconds()
    if load_generator() == "wrk":
        rate, p50, p99 = wrk(
            server.port, server.route, server.body, seconds, connections, script_dir
        )
    else:
        rate, p50, p99 = asyncio_client(
            server.port, server.route, server.body, seconds, connections
        )
    used = server.cpu_seconds() - cpu
    return rate, p50, p99, used / max(rate * seconds, 1) * 1e6


def positive_probability(name: str, answer: Any) -> float | None:
    """The probability a server answered for the benchmark's record, from its own format
    (None for the floor, which answers a constant)."""
    if name == "floor":
        return None
    if name.startswith("service"):
        return float(answer["predictions"][0]["probability"])
    if name.startswith("mlserver"):
        return float(answer["outputs"][0]["data"][1])  # predict_proba, flattened: [p0, p1]
    if name == "bentoml batching":
        return float(answer[0])
    return float(answer["predictions"][0])


def check_answer(server: Server, expected: float | None) -> float | None:
    """POST the body once; the server's probability, which must equal `expected` (the same
    model gives the same answer, whichever server holds it)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{server.route}",
        data=server.body,
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        got = positive_probability(server.name, json.loads(response.read()))
    if expected is not None and got is not None and abs(got - expected) > 1e-9:
        raise RuntimeError(f"{server.name} answered {got}, the service {expected}")
    return got


def start_servers(path: Path, work: Path) -> tuple[dict[str, Server], dict[str, str]]:
    """The service, bare, floor and every peer, ready and answering alike; and the peers
    that could not be measured, with the reason."""
    servers = {name: project_server(path, name) for name in ("service", "bare", "floor")}
    # Today's service before the prediction log (on by default now, to a folder): side by side.
    servers[UNRECORDED] = project_server(path, "service", settings={"PREDICTION_LOG_URI": ""})
    skipped: dict[str, str] = {}
    python = path / ".venv" / "bin" / "python"
    sklearn_version = subprocess.run(
        [str(python), "-c", "import sklearn; print(sklearn.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    model_file = peers.export_joblib(python, path / "models" / "sample", work / "model.joblib")
    features = json.loads((path / "models/sample/metadata.json").read_text())["features"]
    uv = str(path / ".tools" / "bin" / "uv") if (path / ".tools/bin/uv").exists() else "uv"
    for peer in peers.PEERS:
        try:
            peer_python = peers.install(work, peer, shutil.which(uv) or uv, sklearn_version)
        except (subprocess.CalledProcessError, OSError) as error:
            detail = getattr(error, "stderr", "") or str(error)
            skipped[peer.name] = f"install failed: {str(detail).strip().splitlines()[-1:]}"
            continue
        port = free_port()
        folder = work / "servers" / peer.name.replace(" ", "-")
        command, env = peers.prepare(peer, folder, model_file, port, peer_python, features)
        body = peers.request_body(peer, features)
        servers[peer.name] = Server(
            peer.name,
            command,
            env,
            folder,
            port=port,
            route=peer.route,
            body=body,
            probe=peer.probe,
        )
    expected = None
    for name, server in list(servers.items()):
        try:
            server.wait_ready()
            got = check_answer(server, expected)
            expected = got if expected is None else expected
        except (RuntimeError, OSError, KeyError, IndexError, ValueError) as error:
            server.stop()
            del servers[name]
            if name in ("service", "bare", "floor", UNRECORDED):
                raise
            skipped[name] = f"did not serve: {error}"
    return servers, skipped


# Per server and connections: requests/s, p50, p99, CPU per request; `make bench` puts them
# in its results (key "servers") and the results page's servers table.
SERVER_ROWS: list[dict[str, Any]] = []


def serving_figures(quick: bool) -> list[Figure]:
    """The service, the bare app, the FastAPI floor and the peers, at 1 and 16 connections:
    requests/s, p50, p99, CPU per request; the service's ratios to the floor and best peer."""
    path = project()
    rounds, seconds = (3, 3.0) if quick else (5, 5.0)
    load = load_generator()
    work = WORK / "serving"
    work.mkdir(parents=True, exist_ok=True)
    servers, skipped = start_servers(path, work)
    keys = ("rps", "p50", "p99", "cpu")
    results = {(c, name): {k: [] for k in keys} for c in CONNECTION_LEVELS for name in servers}  # type: dict[tuple[int, str], dict[str, list[float]]]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for connections in CONNECTION_LEVELS:
                for server in servers.values():
                    measure(server, connections, 1.0, Path(tmp))  # warm-up
                for _ in range(rounds):
                    for name, server in list(servers.items()):
                        try:
                            values = measure(server, connections, seconds, Path(tmp))
                        except (RuntimeError, subprocess.SubprocessError) as error:
                            skipped[name] = f"failed under load: {str(error)[-300:]}"
                            server.stop()
                            del servers[name]
                            continue
                        for key, value in zip(keys, values, strict=True):
                            results[(connections, name)][key].append(value)
    finally:
        for server in servers.values():
            server.stop()
    SERVER_ROWS.clear()
    for (connections, name), got in results.items():
        if got["rps"]:
            SERVER_ROWS.append(
                {"server": name, "connections": connections}
                | {k: statistics.median(v) for k, v in got.items()}
            )
    for name, reason in skipped.items():
        SERVER_ROWS.append({"server": name, "connections": None, "skipped": reason})
    return summary_figures(results, load)


def summary_figures(
    results: dict[tuple[int, str], dict[str, list[float]]], load: str
) -> list[Figure]:
    """The service against the floor, the best peer and the bare app (16 connections), and
    its latency at 1 connection."""
    busy, idle = CONNECTION_LEVELS[-1], CONNECTION_LEVELS[0]
    service = results[(busy, "service")]
    figures = []
    note = f"{busy} connections, one worker each; load: {load}"

    def rps_ratio(name: str, target: float, label: str) -> None:
        other = results.get((busy, name), {}).get("rps")
        if not other or not service["rps"]:
            return
        ratio = statistics.median(service["rps"]) / statistics.median(other)
        figures.append(
            Figure(
                f"serving {busy} conn: service vs {label} requests/s",
                "req/s",
                service["rps"],
                other,
                note=note,
                target=f">= {target:.2f} x {label}",
                met=ratio >= target,
            )
        )

    rps_ratio("floor", FLOOR_TARGET, "FastAPI floor")
    peer_rates = {
        name: statistics.median(values["rps"])
        for (c, name), values in results.items()
        if c == busy and name not in ("service", "bare", "floor", UNRECORDED) and values["rps"]
    }
    if peer_rates:
        best = max(peer_rates, key=peer_rates.__getitem__)
        rps_ratio(best, PEER_TARGET, f"best peer ({best})")
    rps_ratio("bare", BARE_TARGET, "bare app")
    rps_ratio(UNRECORDED, RECORDING_TARGET, "the service, prediction log off")
    bare_cpu = results.get((busy, "bare"), {}).get("cpu", [])
    figures.append(
        Figure(
            f"serving {busy} conn: server CPU per request",
            "us",
            service["cpu"],
            bare_cpu,
            note="baseline: the bare app",
        )
    )
    for key in ("p50", "p99"):
        figures.append(
            Figure(
                f"serving {idle} conn: {key} latency",
                "ms",
                results[(idle, "service")][key],
                results.get((idle, "bare"), {}).get(key, []),
                note="baseline: the bare app, 1 connection",
            )
        )
    return figures


def coldstart_figures(quick: bool) -> list[Figure]:
    """Process start to first 200 (/ready; bare: /predict), and `<package>.ops` import time."""
    path = project()
    runs = 3 if quick else 7
    starts: dict[str, list[float]] = {"service": [], "bare": []}
    for _ in range(runs):
        for name in starts:
            server = project_server(path, name)
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
            target=f"<= {COLDSTART_TARGET:.1f} x bare",
            met=statistics.median(starts["service"])
            <= COLDSTART_TARGET * statistics.median(starts["bare"]),
        ),
        Figure(
            f"coldstart: import {package(path)}.ops (every module)",
            "s",
            imports,
            note="bytecode compiled, a fresh interpreter each run",
        ),
    ]
