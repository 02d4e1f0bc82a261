"""Scale (#24): batch prediction's rows per second and peak memory at 100,000 and 1,000,000
rows, against a bare script that reads the same shards with pandas and calls the model, in
the same run; and `make run`'s time at three table sizes.

`scale` group, on the pipeline template rendered with its defaults:
- the input: Parquet shards of the sample's rows drawn at random, written once per size;
- `make predict` (`<package> run --pipeline batch-prediction`): wall seconds and the peak
  memory of its largest process (ingest, validation and prediction stream the shards, so the
  larger table is to stay within 1.5x of the smaller's);
- the bare script: `pd.read_parquet` of the same folder, the model's `predict_table`, one
  Parquet file out: what a team would write without the pipeline (no validation, no flags,
  no drift check), whose memory grows with the rows;
- `make run` on 10,000, 100,000 and 1,000,000 rows (each a fresh registry).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import textwrap
from functools import cache
from pathlib import Path

from bench.measure import Figure
from bench.serving import WORK
from tests.suite import clean_env, render, run

SIZES = (100_000, 1_000_000)
TRAIN_SIZES = (10_000, 100_000, 1_000_000)
SHARDS = 4
MEMORY_TARGET = 1.5  # peak memory at 1,000,000 rows, at most this times 100,000's
# The sample's rows drawn at random (with the label for training, without it to predict) into
# SHARDS Parquet files: data like the training data, so no row is flagged as unseen.
SHARDED = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import numpy as np
    import pandas as pd
    from {package}.contract import load_contract

    contract, folder, rows = load_contract(), Path(sys.argv[1]), int(sys.argv[2])
    sample = pd.read_csv("data/sample.csv")
    if sys.argv[3] == "predict":
        sample = sample.drop(columns=[contract.label.name])
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for shard, count in enumerate(np.diff(np.linspace(0, rows, {shards} + 1).astype(int))):
        picked = sample.iloc[rng.integers(len(sample), size=count)]
        picked.to_parquet(folder / f"part-{{shard:05d}}.parquet", index=False)
    """
)
# What a team would write without the pipeline: the whole table in memory, the model, a file.
BARE = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from {package}.model import load_model

    frame = pd.read_parquet(sys.argv[1])
    model = load_model(sys.argv[2])
    pd.DataFrame(model.predict_table(frame)).to_parquet(sys.argv[3], index=False)
    print(len(frame))
    """
)
# Runs a command; prints its wall seconds and the peak RSS (MB) of its largest process (the
# largest of the processes it waited for, their own children included).
MEASURED = textwrap.dedent(
    """
    import resource, subprocess, sys, time
    started = time.perf_counter()
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(done.stdout[-3000:] + done.stderr[-3000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stdout)
    print("measured:", seconds, peak)
    """
)


@cache
def pipeline_project() -> tuple[Path, str, Path]:
    """The pipeline template rendered with its defaults into WORK/scale, installed, with a
    champion trained on its sample: the project, the champion's URI and its folder."""
    out = WORK / "scale"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    path = render("pipeline", out)
    run(["git", "init", "-q"], path)
    run(["make", "install"], path)
    trained = run(["make", "run"], path).stdout
    name = line(trained, "model_version").removeprefix("models:/").rsplit("/", 1)[0]
    return path, f"models:/{name}@champion", Path(line(trained, "model_uri"))


def package(path: Path) -> str:
    return next(p for p in (path / "src").iterdir() if p.is_dir()).name


def measured(path: Path, command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak MB of the largest process, and the output of `command`."""
    python = str(path / ".venv" / "bin" / "python")
    done = subprocess.run(
        [python, "-c", MEASURED, *command],
        cwd=path,
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    out = done.stdout
    last = out.strip().splitlines()[-1].split()
    return float(last[1]), float(last[2]), out


def line(output: str, name: str) -> str:
    """The value of the output's last `name: value` line."""
    found = [ln.split(": ", 1)[1] for ln in output.splitlines() if ln.startswith(f"{name}: ")]
    if not found:
        raise RuntimeError(f"no '{name}:' line in:\n{output[-3000:]}")
    return found[-1].strip()


def shards(path: Path, folder: Path, rows: int, purpose: str) -> Path:
    """`rows` rows like the sample's in SHARDS Parquet files; `purpose`: train or predict."""
    python = str(path / ".venv" / "bin" / "python")
    script = SHARDED.format(package=package(path), shards=SHARDS)
    subprocess.run(
        [python, "-c", script, str(folder), str(rows), purpose],
        cwd=path,
        env=clean_env(),
        check=True,
        capture_output=True,
    )
    return folder


def prediction_figures(runs: int) -> list[Figure]:
    """Batch prediction against the bare script, rows/s and peak memory, per size."""
    path, champion, model = pipeline_project()
    name = package(path)
    cli = str(path / ".venv" / "bin" / name)
    python = str(path / ".venv" / "bin" / "python")
    figures: list[Figure] = []
    peaks: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in SIZES:
            data = shards(path, work / f"data-{size}", size, "predict")
            rates: list[float] = []
            bare_rates: list[float] = []
            bare_peaks: list[float] = []
            for i in range(runs):
                predict = [cli, "run", "--pipeline", "batch-prediction", "--model-uri", champion]
                predict += ["--data", str(data), "--output-dir", str(work / f"out-{size}-{i}")]
                seconds, peak, out = measured(path, predict)
                line(out, "predictions_uri")  # it says where the shards went
                rates.append(size / seconds)
                peaks.setdefault(size, []).append(peak)
                bare = [python, "-c", BARE.format(package=name), str(data), str(model)]
                seconds, peak, out = measured(path, [*bare, str(work / f"bare-{size}.parquet")])
                if int(out.split()[0]) != size:
                    raise RuntimeError(f"the bare script read {out.split()[0]} rows of {size}")
                bare_rates.append(size / seconds)
                bare_peaks.append(peak)
            figures.append(
                Figure(
                    f"scale: make predict, {size:,} rows (Parquet shards)",
                    "rows/s",
                    rates,
                    bare_rates,
                    note="baseline: pandas reads the shards whole, the model predicts, one file",
                )
            )
            figures.append(
                Figure(
                    f"scale: make predict's peak memory, {size:,} rows",
                    "MB",
                    peaks[size],
                    bare_peaks,
                    note="baseline: the bare script's",
                )
            )
            shutil.rmtree(data)
    small, large = SIZES
    ratio = statistics.median(peaks[large]) / statistics.median(peaks[small])
    figures.append(
        Figure(
            f"scale: make predict's peak memory, {large:,} against {small:,} rows",
            "MB",
            peaks[large],
            peaks[small],
            target=f"<= {MEMORY_TARGET}x",
            met=ratio <= MEMORY_TARGET,
        )
    )
    return figures


def training_figures() -> list[Figure]:
    """`make run` on three table sizes, one run each (a fresh registry each)."""
    path, _, _ = pipeline_project()
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in TRAIN_SIZES:
            data = shards(path, work / f"train-{size}", size, "train")
            cli = str(path / ".venv" / "bin" / package(path))
            command = [cli, "run", "--data", str(data), "--output-dir", str(work / f"o-{size}")]
            seconds, peak, _ = measured(path, command)
            figures.append(
                Figure(
                    f"scale: make run, {size:,} rows",
                    "s",
                    [seconds],
                    note=f"peak memory of its largest process {peak:.0f} MB",
                )
            )
            shutil.rmtree(data)
    return figures


def scale_figures(quick: bool) -> list[Figure]:
    return prediction_figures(1 if quick else 3) + training_figures()
