"""The command line: light to start, clear errors at the end, exit codes a script can use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.cli import EXIT_REFUSED, main
from {{ cookiecutter.package_name }}.contract import Contract

PACKAGE = "{{ cookiecutter.package_name }}"


def test_starting_the_cli_imports_nothing_heavy() -> None:
    """kfp, Great Expectations, scikit-learn and aiplatform load only when a command runs."""
    heavy = ("kfp", "great_expectations", "google.cloud.aiplatform", "sklearn", "pandas")
    light = ("cli", "expectations", "steps.validate", "local_run", "submit", "schema")
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
    """No model for batch prediction, no data file, a metric of another task: exit 2, the
    error as the last lines."""
    assert main(["run", "--pipeline", "batch-prediction"]) == EXIT_REFUSED
    assert "MODEL_URI" in capsys.readouterr().err
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
