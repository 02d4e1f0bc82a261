"""The command line: light to start, clear errors at the end, exit codes a script can use."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import __version__, local_tasks
from {{ cookiecutter.package_name }}.cli import EXIT_REFUSED, drift_lines, main
from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.framework import FRAMEWORK, Params
from {{ cookiecutter.package_name }}.ops.config import get_settings

PACKAGE = "{{ cookiecutter.package_name }}"


def test_starting_the_cli_imports_nothing_heavy() -> None:
    """kfp, Great Expectations, scikit-learn and aiplatform load only when a command runs."""
    heavy = ("kfp", "great_expectations", "google.cloud.aiplatform", "sklearn", "pandas")
    light = (
        "cli",
        "expectations",
        "steps.validate",
        "local_run",
        "submit",
        "schema",
        "drift",
        "served",
        "report",
        "steps.monitor",
    )
    code = "; ".join(
        [
            "import importlib, sys",
            *(f"importlib.import_module('{PACKAGE}.{name}')" for name in light),
            f"print([name for name in {heavy!r} if name in sys.modules])",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the package's version."""
    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out


def test_run_refuses_missing_inputs_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No model for batch prediction, no data file, a folder without shards, a metric of
    another task: exit 2, the error as the last lines."""
    assert main(["run", "--pipeline", "batch-prediction"]) == EXIT_REFUSED
    assert f"MODEL_URI=models:/{get_settings().model_name}@champion" in capsys.readouterr().err
    assert main(["run", "--data", str(tmp_path / "missing.csv")]) == EXIT_REFUSED
    assert "missing.csv" in capsys.readouterr().err
    args = ["run", "--pipeline", "batch-prediction", "--model-uri", str(tmp_path / "none")]
    assert main(args) == EXIT_REFUSED
    assert "no model folder" in capsys.readouterr().err
    assert main(["run", "--metric", "no_such_metric", "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-2].startswith("error: metric 'no_such_metric' is not a metric of a")
    assert err[-1].startswith("what to do:")
    assert not any(tmp_path.iterdir())
    (tmp_path / "empty").mkdir()  # a folder without shards: refused before any step
    assert main(["run", "--data", str(tmp_path / "empty"), "--output-dir", str(tmp_path)]) == 2
    assert "holds no .csv or .parquet file" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


def test_a_refused_argument_leaves_no_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local run's helpers (local_tasks) start once the arguments hold, not before; those
    started while a registered model resolves stop when it is not there."""
    monkeypatch.setattr(local_tasks, "_kept", [])  # none yet, as in a new process
    assert main(["run", "--data", str(tmp_path / "missing.csv")]) == EXIT_REFUSED
    no_model = ["--model-uri", str(tmp_path / "none"), "--output-dir", str(tmp_path)]
    assert main(["run", "--pipeline", "batch-prediction", *no_model]) == EXIT_REFUSED
    assert main(["monitor", "--source", str(tmp_path), *no_model]) == EXIT_REFUSED
    out = ["--output-dir", str(tmp_path)]
    assert main(["run", "--metric", "no_such_metric", *out]) == EXIT_REFUSED
    assert main(["run", "--param", "no_such_parameter=1", *out]) == EXIT_REFUSED
    assert main(["run", "--param", "no_equals_sign", *out]) == EXIT_REFUSED
    # Resolved while the helpers load (it may be a cloud registry's call): they stop with it.
    unknown = ["--model-uri", "models:/no-such-model@champion", *out]
    assert main(["run", "--pipeline", "batch-prediction", *unknown]) == EXIT_REFUSED
    assert main(["monitor", "--source", str(tmp_path), *unknown]) == EXIT_REFUSED
    assert local_tasks._kept == []


def test_monitor_refuses_what_it_cannot_read_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No served records, a folder that is not there, a window that is no window, a model
    that is not registered: exit 2, the error and what to do last, nothing written."""
    out = ["--output-dir", str(tmp_path / "out")]
    assert main(["monitor", *out]) == EXIT_REFUSED
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-2].startswith("error: no served records: give SOURCE=")
    assert err[-1].startswith("what to do:")
    assert main(["monitor", "--source", str(tmp_path / "none"), *out]) == EXIT_REFUSED
    assert "no folder or file" in capsys.readouterr().err
    (tmp_path / "served").mkdir()
    args = ["monitor", "--source", str(tmp_path / "served"), *out]
    assert main([*args, "--since", "last week"]) == EXIT_REFUSED
    assert "SINCE='last week' is not a duration" in capsys.readouterr().err
    assert main(args) == EXIT_REFUSED  # the champion of an empty registry
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "out").exists()


def test_validate_command_passes_and_fails(
    sample_path: Path,
    sample: pd.DataFrame,
    contract: Contract,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`validate` prints the summary and exits 1 when the data breaks the suite."""
    assert main(["validate", "--data", str(sample_path), "--report", str(tmp_path / "r.json")]) == 0
    assert "expectations passed" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["success"] is True
    column = contract.feature_names[0]
    sample.drop(columns=[column]).to_csv(tmp_path / "broken.csv", index=False)
    assert main(["validate", "--data", str(tmp_path / "broken.csv")]) == 1
    assert f"column {column!r}: missing" in capsys.readouterr().out


def test_advice_fits_the_mistake(
    tmp_path: Path, sample_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown hyper-parameter names the framework's own; a share that is no share and a
    schema without DATA are refused before anything runs; nothing is written."""
    args = ["run", "--data", str(sample_path), "--output-dir", str(tmp_path / "out")]
    assert main([*args, "--param", "no_such_parameter=3"]) == EXIT_REFUSED
    err = capsys.readouterr().err.strip().splitlines()
    known = ", ".join(sorted(f.name for f in fields(Params)))
    assert (
        err[-2]
        == f"error: unknown hyper-parameter 'no_such_parameter': {FRAMEWORK.name} takes {known}"
    )
    assert err[-1].startswith("what to do: use the framework's hyper-parameters")
    batch = ["run", "--pipeline", "batch-prediction", "--model-uri", str(tmp_path)]
    assert main([*batch, "--max-flagged-share", "7"]) == EXIT_REFUSED
    assert "MAX_FLAGGED_SHARE=7.0 is not a share between 0 and 1" in capsys.readouterr().err
    assert main(["schema", "--data", "", "--label", "y"]) == EXIT_REFUSED
    assert capsys.readouterr().err.startswith("error: DATA is required")
    assert not (tmp_path / "out").exists()


def test_a_failed_validation_is_not_called_harmless(
    sample: pd.DataFrame, contract: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`validate` on a broken table exits 1, and its log line does not say "not fatal"."""
    sample.drop(columns=[contract.feature_names[0]]).to_csv(tmp_path / "broken.csv", index=False)
    assert main(["validate", "--data", str(tmp_path / "broken.csv")]) == 1
    assert [r.getMessage() for r in caplog.records if "validation" in r.getMessage()] == [
        "validation failed"
    ]


def test_the_drift_summary_asks_for_more_records_only_when_it_has_too_few() -> None:
    """Under min_records the levels are withheld and the count it needs is said; at or over
    it, the count alone, each measure with its level."""
    measure = {"name": "age", "level": "warn", "psi": 0.12}
    measure |= {"missing_reference": 0.0, "missing_current": 0.0}
    drift = {"records": 400, "min_records": 500, "features": [measure], "line": "drift: ..."}
    few = drift_lines(drift, None)
    assert few[0] == "records: 400 (at least 500 for a verdict)"
    assert few[1].startswith("-      age: psi 0.12")
    enough = drift_lines({**drift, "records": 1200}, None)
    assert enough[0] == "records: 1200"
    assert enough[1].startswith("warn   age: psi 0.12")
