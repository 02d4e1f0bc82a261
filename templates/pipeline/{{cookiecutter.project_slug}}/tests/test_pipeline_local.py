"""End to end on KFP's local runner, as `make run` and `make predict` run it: each task a
subprocess of this Python, no network. Slow: `make test-fast` leaves these out."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.cli import (
    EXIT_BELOW_THRESHOLD,
    EXIT_DRIFT,
    EXIT_FAILED,
    main,
)
from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.framework import GRID, MAIN_PARAMETER, Params
from {{ cookiecutter.package_name }}.local_run import IGNORED_SIZES
from {{ cookiecutter.package_name }}.model import Model, load_model
from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX, get_settings
from {{ cookiecutter.package_name }}.profile import Profile

pytestmark = pytest.mark.slow
# Every candidate trains and is evaluated, one after another on the local runner.
CANDIDATES = [f"train-evaluate (candidate {i}/{len(GRID)})" for i in range(1, len(GRID) + 1)]
TRAINING_STEPS = ["ingest-validate", "split", *CANDIDATES, "select-best"]
REGISTRY_STEPS = ["export-register-promote"]


@pytest.fixture
def one_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    """One candidate: for the tests that are not about choosing between several."""
    variable = "{{ cookiecutter.__env_prefix }}CANDIDATE_VALUES"
    monkeypatch.setenv(variable, json.dumps(GRID[:1]))
    get_settings.cache_clear()


def line_value(stdout: str, key: str) -> str:
    """The value on the `key: ` line, which must be there exactly once."""
    lines = [line for line in stdout.splitlines() if line.startswith(f"{key}: ")]
    assert len(lines) == 1, stdout[-3000:]
    return lines[0].removeprefix(f"{key}: ")


def shown_steps(stdout: str) -> list[list[str]]:
    """The step lines (name, status, seconds): name and status."""
    found = [line.split() for line in stdout.splitlines() if line.startswith("  ")]
    return [[" ".join(fields[:-3]), fields[-3]] for fields in found]


def test_run_trains_exports_and_the_model_predicts(
    sample_path: Path,
    contract: Contract,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
{%- if cookiecutter.tracking == "clearml" %}
    tracking_dir: Path,
{%- endif %}
) -> None:
    """A short run report (a line per step, the candidates, metrics, gate, the registered
    version and the champion), the full logs in a file; then batch prediction with the
    champion, by its alias."""
    outputs = tmp_path / "outputs"
    assert main(["run", "--data", str(sample_path), "--output-dir", str(outputs)]) == 0
    out = capsys.readouterr().out
    assert shown_steps(out) == [[step, "ok"] for step in TRAINING_STEPS + REGISTRY_STEPS]
    assert out.count(IGNORED_SIZES) == 1  # the machines are Vertex AI's: said once
    assert len(out.splitlines()) < 80
    assert len([line for line in out.splitlines() if line.startswith("candidate ")]) == len(GRID)
    name = get_settings().model_name
    assert line_value(out, "model_version") == f"models:/{name}/1"
    assert line_value(out, "champion") == f"models:/{name}/1"  # the first version
    assert "passed" in line_value(out, "gate")
    exported = Path(line_value(out, "model_uri"))
    assert exported.is_relative_to(outputs)
    metadata = json.loads((exported / "metadata.json").read_text())
    assert metadata["gate"]["passed"] is True
    assert load_model(exported).contract == contract
    # The lineage says what training read: here every row (train_sample_rows 0).
    registered = outputs.parent / "registry" / name / "1" / "registration.json"
    rows = len(pd.read_csv(sample_path))
    assert json.loads(registered.read_text())["lineage"]["training_rows"] == {
        "rows_read": rows,
        "rows_total": rows,
        "seed": get_settings().random_seed,
    }

    log = Path(line_value(out, "log"))
    assert log.name == "run.log"
    logged = log.read_text()
    assert "\x1b[" not in logged  # KFP's colours stay on terminals
    # A task's line keeps its fields (KFP's own log format would drop them).
    assert any("trained" in line and "estimator" in line for line in logged.splitlines())
    expected = {"ingest-validate", "split", "select-best", "export-register-promote"}
    assert {p.name for p in log.parent.iterdir()} >= expected
{%- if cookiecutter.tracking == "clearml" %}
    # Each candidate's train and evaluate tasks were tracked, each one offline ClearML session.
    assert len(list((tracking_dir / "offline").glob("*.zip"))) == 2 * len(GRID)
{%- endif %}

    args = ["run", "--pipeline", "batch-prediction", "--model-uri", f"models:/{name}@champion"]
    assert main([*args, "--data", str(sample_path), "--output-dir", str(outputs)]) == 0
    out = capsys.readouterr().out
    assert line_value(out, "model") == f"models:/{name}/1"
    predictions_uri = Path(line_value(out, "predictions_uri"))
    assert predictions_uri.is_dir()
    assert [p.suffix for p in predictions_uri.iterdir()] == [".parquet"]  # one chunk: one shard
    predictions = pd.read_parquet(predictions_uri)
    outputs_then_warnings = [*contract.output_columns, "warnings"]
    assert list(predictions.columns)[-len(outputs_then_warnings) :] == outputs_then_warnings
    assert len(predictions) == len(pd.read_csv(sample_path))
    # The same check as monitoring's, on the batch's input: its report and its line last.
    assert Path(line_value(out, "monitoring_report")).is_file()
    assert out.splitlines()[-1].startswith("drift: ")

    # Monitoring the champion: what the service served (the sample's rows twice, one feature
    # moved, as its prediction log holds them); an alert fails the run only when asked.
    sample = pd.read_csv(sample_path)
    moved, feature = move_one_feature(contract, pd.concat([sample, sample]))
    served = write_served(tmp_path / "served", contract, moved, exported)
    args = ["monitor", "--source", str(served), "--output-dir", str(outputs), "--fail-on-drift"]
    assert main(args) == EXIT_DRIFT
    captured = capsys.readouterr()
    assert line_value(captured.out, "model") == f"models:/{name}/1"
    report = Path(line_value(captured.out, "monitoring_report"))
    assert report.name == "report.html"
    assert captured.out.splitlines()[-1].startswith("drift: alert (")
    assert feature in captured.out.splitlines()[-1]
    err = captured.err.splitlines()
    assert err[0].startswith("error: step 'monitor' failed: DriftAlertError: drift: alert")
    assert err[-2].startswith("what to do: open the report")


def write_served(folder: Path, contract: Contract, table: pd.DataFrame, model_dir: Path) -> Path:
    """The table's rows as the service's prediction log holds them (api/recording.py): a
    JSON line per request of five records, with the model's answers and version."""
    model = load_model(model_dir)
    features = table[contract.feature_names].astype(object)
    records = features.where(features.notna(), None).to_dict(orient="records")
    answers = model.predict_rows([list(r.values()) for r in records])
    folder.mkdir(parents=True)
    with (folder / "predictions-1.jsonl").open("w") as handle:
        for start in range(0, len(records), 5):
            entry = {
                "time": dt.datetime.now(dt.UTC).isoformat(),
                "request_id": str(start),
                "model_name": model.metadata["name"],
                "model_version": model.metadata["version"],
                "records": records[start : start + 5],
                "answers": answers[start : start + 5],
            }
            handle.write(json.dumps(entry) + "\n")
    return folder


def move_one_feature(contract: Contract, table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The table with its first numeric feature times 1000 (else a new category); its name."""
    moved = table.copy()
    feature = next((f for f in contract.features if f.kind == "numeric"), contract.features[0])
    if feature.kind == "numeric":
        moved[feature.name] = moved[feature.name] * 1000
    else:
        moved[feature.name] = "Atlantis"
    return moved, feature.name


def test_an_alert_starts_a_training_run_when_asked(
    sample_path: Path,
    contract: Contract,
    tmp_path: Path,
    one_candidate: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """monitoring_retrain_on_alert: the monitoring pipeline's alert runs the training
    pipeline (the same one, nested), which registers a version."""
    sample = pd.read_csv(sample_path)
    model = Model.fit(contract, sample, Params())
    scores = model.scores(model.encode_table(sample))
    model.metadata["profile"]["predictions"] = Profile.learn_predictions(contract, scores)
    folder = model.save(tmp_path / "model", name="served", version="v1")
    moved, _ = move_one_feature(contract, pd.concat([sample, sample]))
    served = write_served(tmp_path / "served", contract, moved, folder)
    monkeypatch.setenv(f"{ENV_PREFIX}MONITORING_RETRAIN_ON_ALERT", "true")
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(sample_path))
    get_settings.cache_clear()
    args = ["monitor", "--source", str(served), "--model-uri", str(folder)]
    assert main([*args, "--output-dir", str(tmp_path / "outputs")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("drift: alert (")
    assert shown_steps(out)[:2] == [["resolve-model", "ok"], ["monitor", "ok"]]
    assert out.count(IGNORED_SIZES) == 1  # once for the run, its nested training included
    trained = ["ingest-validate", "split", "train-evaluate", "select-best", *REGISTRY_STEPS]
    assert [step for step, _ in shown_steps(out)[2:]] == trained
    assert line_value(out, "model_version") == f"models:/{get_settings().model_name}/1"
    assert Path(line_value(out, "retrained")).is_dir()


def test_a_model_below_the_gate_is_not_exported(
    sample_path: Path, tmp_path: Path, one_candidate: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The gate skips the export step; `run` says so last and exits with its own code."""
    outputs = tmp_path / "outputs"
    args = ["run", "--data", str(sample_path), "--output-dir", str(outputs)]
    assert main([*args, "--threshold", "0.9999"]) == EXIT_BELOW_THRESHOLD
    captured = capsys.readouterr()
    assert "model_uri" not in captured.out
    assert "missed" in line_value(captured.out, "gate")
    assert "model_version" not in captured.out  # nothing registered
    error = captured.err.strip().splitlines()[0]
    assert error == "error: the model missed the gate: nothing was exported"
    assert not (outputs / "models").exists() or not any((outputs / "models").iterdir())


def test_invalid_data_stops_before_training_and_says_why_last(
    sample: pd.DataFrame, contract: Contract, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last lines name the step, the column and the rule, what to do and the log file."""
    column = contract.feature_names[-1]
    sample.drop(columns=[column]).to_csv(tmp_path / "broken.csv", index=False)
    args = ["run", "--data", str(tmp_path / "broken.csv"), "--output-dir", str(tmp_path / "out")]
    assert main(args) == EXIT_FAILED
    captured = capsys.readouterr()
    assert shown_steps(captured.out)[-1] == ["ingest-validate", "FAILED"]
    err = captured.err.strip().splitlines()
    assert err[0].startswith("error: step 'ingest-validate' failed: DataValidationError")
    assert f"  - column {column!r}: missing from the table (expect_column_to_exist)" in err
    assert err[-2].startswith("what to do: fix the data")
    log = Path(err[-1].removeprefix("full log: "))
    assert log.is_file()
    assert not (log.parent / "train").exists()


def test_a_failing_step_names_itself_and_its_reason_last(
    sample_path: Path, tmp_path: Path, one_candidate: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any step, not only validation: here the estimator refuses its hyper-parameter."""
    outputs = tmp_path / "outputs"
    args = ["run", "--data", str(sample_path), "--output-dir", str(outputs)]
    assert main([*args, "--param", f"{MAIN_PARAMETER}=-1"]) == EXIT_FAILED
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("error: step 'train-evaluate' failed: ")
    assert re.search(r"failed: \w+Error: .+", err[0])  # the framework's own reason
    assert err[-1].startswith("full log: ")
