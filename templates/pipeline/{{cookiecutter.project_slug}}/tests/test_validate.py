"""Data validation: the suites accept the sample and name every broken column and value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.expectations import SUITES, get_suite
from {{ cookiecutter.package_name }}.schema import LABEL, PREDICTION, PROBABILITY
from {{ cookiecutter.package_name }}.steps.validate import (
    DataValidationError,
    validate_dataframe,
    validate_file,
)


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> pd.DataFrame:
    return pd.read_csv(sample_path)


def test_sample_passes_the_training_suite_offline(
    sample: pd.DataFrame, no_network: list[Any]
) -> None:
    """The shipped sample is valid, and Great Expectations makes no network call."""
    report = validate_dataframe(sample, get_suite("training"))
    assert report.success, report.summary()
    assert report.evaluated > 10
    assert "all" in report.summary()
    assert no_network == []


def test_features_suite_does_not_need_the_label(sample: pd.DataFrame) -> None:
    """Batch-prediction input has no label: the features suite checks the rest."""
    report = validate_dataframe(sample.drop(columns=[LABEL]), get_suite("features"))
    assert report.success, report.summary()


def test_failures_name_the_expectation_column_and_values(sample: pd.DataFrame) -> None:
    """Each failure names its expectation, its column and the offending values."""
    broken = sample.copy()
    broken.loc[0:2, "age"] = [-5, 150, 7]
    broken.loc[3, "income_k"] = np.nan
    broken.loc[4, LABEL] = 2
    report = validate_dataframe(broken, get_suite("training"))
    assert not report.success
    failed = {(f.expectation, f.column) for f in report.failures}
    assert ("expect_column_values_to_be_between", "age") in failed
    assert ("expect_column_values_to_not_be_null", "income_k") in failed
    assert ("expect_column_values_to_be_in_set", LABEL) in failed
    message = str(DataValidationError(report))
    assert "column 'age'" in message
    assert "[-5, 150, 7]" in message or "[-5.0, 150.0, 7.0]" in message
    assert "column 'income_k'" in message
    assert f"column '{LABEL}'" in message
    assert "[2]" in message


def test_a_missing_column_is_reported(sample: pd.DataFrame) -> None:
    """A dropped column fails expect_column_to_exist on that column."""
    report = validate_dataframe(sample.drop(columns=["debt_ratio"]), get_suite("training"))
    assert not report.success
    assert any(
        f.column == "debt_ratio" and f.expectation == "expect_column_to_exist"
        for f in report.failures
    )


def test_validate_file_writes_the_report_then_raises(sample: pd.DataFrame, tmp_path: Path) -> None:
    """The JSON report is written even when validation fails; failing is optional."""
    bad = sample.copy()
    bad.loc[0, "debt_ratio"] = 99.0
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataValidationError, match="debt_ratio"):
        validate_file(tmp_path / "bad.csv", "training", tmp_path / "report.json")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["success"] is False
    assert report["failures"][0]["column"] == "debt_ratio"
    assert report["result"]["results"]  # the full GX result is kept
    kept = validate_file(tmp_path / "bad.csv", "training", fail_on_error=False)
    assert not kept.success


def test_predictions_suite_catches_degenerate_output() -> None:
    """Monitoring: constant, out-of-range scores fail the predictions suite."""
    good = pd.DataFrame(
        {PROBABILITY: np.linspace(0.05, 0.95, 100), PREDICTION: [0] * 50 + [1] * 50}
    )
    assert validate_dataframe(good, get_suite("predictions")).success
    degenerate = pd.DataFrame({PROBABILITY: [0.99] * 100, PREDICTION: [1] * 100})
    report = validate_dataframe(degenerate, get_suite("predictions"))
    assert not report.success
    assert {f.column for f in report.failures} == {PREDICTION, PROBABILITY}


def test_unknown_suite_is_refused() -> None:
    """Only the three suites exist."""
    assert set(SUITES) == {"training", "features", "predictions"}
    with pytest.raises(ValueError, match="unknown expectation suite"):
        get_suite("nope")
