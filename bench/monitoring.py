"""Monitoring: the drift check's speed and memory, the prediction log's cost to the service,
and what a drift library would add.

`monitoring` group:
- the drift check (`make monitor`'s step, `monitor_served`) over 100,000 and 1,000,000 served
  records in the api's prediction-log format (one record a request, as most clients send),
  each in a fresh interpreter: records per second, and its peak memory (the larger within 1.5x
  of the smaller: the records are read in chunks);
- the api's requests per second with the prediction log on (a folder, every request) against
  off, one worker, 16 connections, rounds alternating (at least 90 % of off);
- what Evidently adds to an environment that has numpy, scipy, pandas and scikit-learn (the
  pipeline's, whose drift check needs numpy only), and its import time against numpy's and
  scipy.stats'; skipped with the reason when PyPI cannot be reached.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import textwrap
from functools import cache
from pathlib import Path

from bench.measure import Figure
from bench.serving import WORK, load_generator, measure, project_server
from bench.serving import project as api_project
from tests.suite import clean_env, render, run

SIZES = (100_000, 1_000_000)
MEMORY_TARGET = 1.5  # peak memory at 1,000,000 records, at most this times 100,000's
RECORDING_TARGET = 0.9  # the service with the prediction log keeps 90 % of its requests/s
# A model of the sample with its reference (as export writes it), then a prediction log of
# `rows` records drawn from the sample's rows with some noise, one record a request.
PREPARE = textwrap.dedent(
    """
    import json, sys, datetime as dt
    import numpy as np, pandas as pd
    from {package}.contract import load_contract
    from {package}.framework import Params
    from {package}.model import Model
    from {package}.profile import Profile

    contract, sample = load_contract(), pd.read_csv("data/sample.csv")
    model = Model.fit(contract, sample, Params())
    model.metadata["profile"]["predictions"] = Profile.learn_predictions(
        contract, model.scores(model.encode_table(sample))
    )
    model.save(sys.argv[1], name="bench", version="v1")
    rows = int(sys.argv[3])
    rng = np.random.default_rng(1)
    picked = sample.iloc[rng.integers(len(sample), size=min(rows, 20000))]
    features = picked[contract.feature_names].astype(object).where(picked.notna(), None)
    records = features.to_dict(orient="records")
    answers = model.predict_rows([list(r.values()) for r in records])
    now = dt.datetime.now(dt.UTC).isoformat()
    with open(sys.argv[2], "w") as handle:
        for i in range(rows):
            j = i % len(records)
            handle.write(json.dumps({{"time": now, "request_id": str(i), "model_name": "bench",
                "model_version": "v1", "records": [records[j]], "answers": [answers[j]]}}) + "\\n")
    """
)
CHECK = textwrap.dedent(
    """
    import resource, sys, time
    from {package}.steps.monitor import monitor_served

    started = time.perf_counter()
    summary = monitor_served(sys.argv[1], sys.argv[2], sys.argv[3], since="all", min_records=500)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux: KB)
    print(summary["records"], seconds, peak)
    """
)


@cache
def pipeline_project() -> Path:
    """The pipeline template rendered with its defaults into WORK/monitoring, installed."""
    out = WORK / "monitoring"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    path = render("pipeline", out)
    run(["git", "init", "-q"], path)
    run(["make", "install"], path)
    return path


def package(path: Path) -> str:
    return next((path / "src").iterdir()).name


def drift_check_figures(runs: int) -> list[Figure]:
    """Records per second and peak memory of the check at each size, a fresh process each."""
    path = pipeline_project()
    python = str(path / ".venv" / "bin" / "python")
    name = package(path)
    env = clean_env()
    rates: dict[int, list[float]] = {}
    peaks: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in SIZES:
            folder = work / f"log-{size}"
            folder.mkdir()
            script = PREPARE.format(package=name)
            log = str(folder / "predictions-1.jsonl")
            subprocess.run(
                [python, "-c", script, str(work / "model"), log, str(size)],
                cwd=path,
                env=env,
                check=True,
                capture_output=True,
            )
            check = [python, "-c", CHECK.format(package=name), str(folder), str(work / "model")]
            for _ in range(runs):
                out = subprocess.run(
                    [*check, str(work / f"report-{size}")],
                    cwd=path,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.split()
                records, seconds, peak = int(out[-3]), float(out[-2]), float(out[-1])
                if records != size:
                    raise RuntimeError(f"the check read {records} records of {size}")
                rates.setdefault(size, []).append(records / seconds)
                peaks.setdefault(size, []).append(peak)
            shutil.rmtree(folder)
    small, large = SIZES
    ratio = statistics.median(peaks[large]) / statistics.median(peaks[small])
    figures = [
        Figure(
            f"monitoring: drift check, {size:,} served records",
            "records/s",
            rates[size],
            note="monitor_served over a prediction-log folder, one record a request",
        )
        for size in SIZES
    ]
    figures += [
        Figure(
            f"monitoring: drift check peak memory, {large:,} records",
            "MB",
            peaks[large],
            peaks[small],
            note=f"baseline: {small:,} records; a fresh interpreter each (its imports included)",
            target=f"<= {MEMORY_TARGET} x",
            met=ratio <= MEMORY_TARGET,
        )
    ]
    return figures


def recording_figures(quick: bool) -> list[Figure]:
    """The service's requests/s with the prediction log on (a folder) against off."""
    path = api_project()
    rounds, seconds = (3, 3.0) if quick else (5, 5.0)
    with tempfile.TemporaryDirectory() as tmp:
        servers = {
            "on": project_server(path, "service", settings={"PREDICTION_LOG_URI": f"{tmp}/log"}),
            "off": project_server(path, "service", settings={"PREDICTION_LOG_URI": ""}),
        }
        rates: dict[str, list[float]] = {"on": [], "off": []}
        written = 0
        try:
            for server in servers.values():
                server.wait_ready()
                measure(server, 16, 1.0, Path(tmp))  # warm-up
            for _ in range(rounds):
                for name, server in servers.items():
                    rates[name].append(measure(server, 16, seconds, Path(tmp))[0])
        finally:
            for server in servers.values():
                server.stop()
        for file in Path(tmp, "log").glob("*.jsonl"):
            written += sum(1 for _ in file.open())
    if not written:
        raise RuntimeError("the prediction log wrote nothing: recording was not on")
    ratio = statistics.median(rates["on"]) / statistics.median(rates["off"])
    return [
        Figure(
            "monitoring: api requests/s, prediction log on vs off",
            "req/s",
            rates["on"],
            rates["off"],
            note=f"16 connections, one worker, every request recorded to a folder; load: "
            f"{load_generator()}; {written} requests recorded",
            target=f">= {RECORDING_TARGET:.2f} x off",
            met=ratio >= RECORDING_TARGET,
        )
    ]


DEPENDENCY_IMPORTS = {
    "numpy": "import numpy",
    "numpy, scipy.stats": "import numpy, scipy.stats",
    "evidently": "import evidently; from evidently import Report; "
    "from evidently.presets import DataDriftPreset",
}


def dependency_figures(runs: int) -> list[Figure]:
    """What Evidently adds to an environment of numpy, scipy, pandas and scikit-learn (the
    pipeline's own libraries), in MB on disk (bytecode compiled, as the image has it), and
    the import times of each choice."""
    uv = shutil.which("uv")
    if uv is None:
        return []
    base_packages = ["numpy", "scipy", "pandas", "scikit-learn"]
    sizes: dict[str, float] = {}
    pythons: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("base", []), ("evidently", ["evidently", "pandas<3"])):
            venv = Path(tmp) / name
            try:
                subprocess.run([uv, "venv", "-q", "-p", "3.11", str(venv)], check=True)
                subprocess.run(
                    [uv, "pip", "install", "-q", "--compile-bytecode", *base_packages, *extra],
                    env={**clean_env(), "VIRTUAL_ENV": str(venv)},
                    check=True,
                    capture_output=True,
                    timeout=900,
                )
            except (subprocess.SubprocessError, OSError) as error:  # no PyPI here
                print(f"monitoring: dependency sizes skipped: {error}")
                return []
            sizes[name] = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file()) / 1e6
            pythons[name] = str(venv / "bin" / "python")
        imports: dict[str, list[float]] = {}
        for label, code in DEPENDENCY_IMPORTS.items():
            python = pythons["evidently" if label == "evidently" else "base"]
            timing = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
            for _ in range(runs):
                out = subprocess.run(
                    [python, "-c", timing], capture_output=True, text=True, check=True
                ).stdout
                imports.setdefault(label, []).append(float(out))
    info = {"base": round(sizes["base"]), "with evidently": round(sizes["evidently"])}
    return [
        Figure(
            "monitoring: evidently's installed size over the pipeline's libraries",
            "MB",
            [sizes["evidently"] - sizes["base"]],
            note=f"environments in MB: {json.dumps(info)} (pandas<3: evidently 0.7 fails with 3)",
        ),
        Figure(
            "monitoring: import evidently (Report, DataDriftPreset)",
            "s",
            imports["evidently"],
            imports["numpy"],
            note="baseline: import numpy, all the drift check needs",
        ),
        Figure("monitoring: import numpy, scipy.stats", "s", imports["numpy, scipy.stats"]),
    ]


def monitoring_figures(quick: bool) -> list[Figure]:
    """The drift check, the prediction log's cost, the dependency's cost."""
    runs = 1 if quick else 3
    return [
        *drift_check_figures(runs),
        *recording_figures(quick),
        *dependency_figures(3 if quick else 5),
    ]
