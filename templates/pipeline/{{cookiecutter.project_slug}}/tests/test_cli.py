"""The command line: light to start, clear errors, exit codes a script can use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.cli import main

PACKAGE = "{{ cookiecutter.package_name }}"


def test_starting_the_cli_imports_nothing_heavy() -> None:
    """kfp, Great Expectations, scikit-learn and aiplatform load only when a command runs."""
    heavy = ("kfp", "great_expectations", "google.cloud.aiplatform", "sklearn")
    light = ("cli", "expectations", "steps.validate", "local_run", "submit")
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


def test_run_needs_a_model_for_batch_prediction_and_existing_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing inputs are refused before any pipeline starts (exit code 2)."""
    assert main(["run", "--pipeline", "batch-prediction"]) == 2
    assert "--model-uri" in capsys.readouterr().err
    assert main(["run", "--data", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err


def test_validate_command_passes_and_fails(
    sample_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`validate` prints the summary and exits 1 when the data breaks the suite."""
    assert main(["validate", "--data", str(sample_path), "--report", str(tmp_path / "r.json")]) == 0
    assert "expectations passed" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["success"] is True
    broken = pd.read_csv(sample_path)
    broken.loc[0, "tenure_months"] = -12
    broken.to_csv(tmp_path / "broken.csv", index=False)
    assert main(["validate", "--data", str(tmp_path / "broken.csv")]) == 1
    assert "column 'tenure_months'" in capsys.readouterr().out
