"""End to end on KFP's local runner: each task a subprocess of this Python, no network."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.cli import EXIT_BELOW_THRESHOLD, main
from {{ cookiecutter.package_name }}.local_run import run_batch_prediction
from {{ cookiecutter.package_name }}.ops.config import Settings
from {{ cookiecutter.package_name }}.pipelines import TRAINING_PIPELINE
from {{ cookiecutter.package_name }}.schema import PREDICTION, PROBABILITY
from {{ cookiecutter.package_name }}.steps.io import load_model

pytestmark = pytest.mark.slow


def model_uri(stdout: str) -> Path:
    """The path on the `model_uri: ` line, which must be there exactly once."""
    lines = [line for line in stdout.splitlines() if line.startswith("model_uri: ")]
    assert len(lines) == 1, stdout[-3000:]
    return Path(lines[0].removeprefix("model_uri: "))


def run_dir(outputs: Path) -> Path:
    """The folder of the one training run under `outputs`."""
    [folder] = outputs.glob(f"{TRAINING_PIPELINE}-*")
    return folder


def test_run_trains_exports_and_the_model_predicts(
    sample_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
{%- if cookiecutter.tracking == "clearml" %}
    tracking_dir: Path,
{%- endif %}
) -> None:
    """`run` prints the exported model's folder; batch prediction then uses that model."""
    outputs = tmp_path / "outputs"
    assert main(["run", "--data", str(sample_path), "--output-dir", str(outputs)]) == 0
    logs = capsys.readouterr().out  # this process's output and, streamed, the tasks'
    exported = model_uri(logs)
    # A task's line keeps its fields (KFP's own log format would drop them).
    assert any("trained" in line and "estimator" in line for line in logs.splitlines()), logs
    assert exported.is_relative_to(outputs)
    metadata = json.loads((exported / "metadata.json").read_text())
    assert metadata["metrics"]["roc_auc"] >= 0.7
    assert hasattr(load_model(exported), "predict_proba")
    steps = {p.name for p in run_dir(outputs).iterdir()}
    assert {"ingest", "validate-data", "train", "evaluate", "export-model"} <= steps
    report = json.loads((run_dir(outputs) / "validate-data" / "report").read_text())
    assert report["success"] is True
{%- if cookiecutter.tracking == "clearml" %}
    # The train and evaluate tasks were tracked, each as one offline ClearML session.
    assert len(list((tracking_dir / "offline").glob("*.zip"))) == 2
{%- endif %}

    result = run_batch_prediction(Settings(output_dir=outputs), exported, sample_path)
    assert result.predictions_uri is not None
    predictions = pd.read_csv(result.predictions_uri)
    assert {PREDICTION, PROBABILITY} <= set(predictions.columns)
    assert len(predictions) == len(pd.read_csv(sample_path))


def test_a_model_below_the_threshold_is_not_exported(
    sample_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The gate skips the export step; `run` says so and exits with its own code."""
    outputs = tmp_path / "outputs"
    args = ["run", "--data", str(sample_path), "--output-dir", str(outputs), "--threshold", "0.999"]
    assert main(args) == EXIT_BELOW_THRESHOLD
    captured = capsys.readouterr()
    assert "model_uri" not in captured.out
    assert "threshold" in captured.err
    assert not (run_dir(outputs) / "export-model").exists()
    assert not (outputs / "models").exists() or not any((outputs / "models").iterdir())


def test_invalid_data_stops_the_pipeline_before_training(
    sample_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed expectation fails the run at validation, naming the column and values."""
    broken = pd.read_csv(sample_path)
    broken.loc[0:1, "age"] = [-3, 140]
    broken.to_csv(tmp_path / "broken.csv", index=False)
    outputs = tmp_path / "outputs"
    assert main(["run", "--data", str(tmp_path / "broken.csv"), "--output-dir", str(outputs)]) == 1
    captured = capsys.readouterr()
    assert "Inner task failed: 'validate-data'" in captured.err
    assert "column 'age'" in captured.err  # the failed expectations, repeated at the end
    logs = captured.out  # the tasks' logs, streamed by the local runner
    assert "Data validation failed" in logs
    assert "column 'age'" in logs
    assert "[-3, 140]" in logs
    assert not (run_dir(outputs) / "train").exists()
    report = json.loads((run_dir(outputs) / "validate-data" / "report").read_text())
    assert report["success"] is False
