"""The components' bodies, called in-process on local artifacts (what a task runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from kfp import dsl

from {{ cookiecutter.package_name }} import components as c
from {{ cookiecutter.package_name }}.schema import PREDICTION, PROBABILITY
from {{ cookiecutter.package_name }}.steps.validate import DataValidationError


def artifact(kind: type[dsl.Artifact], path: Path) -> dsl.Artifact:
    """An artifact stored at a local path, as kfp.local passes them."""
    return kind(uri=str(path))


def test_training_components_chain_and_export_a_model(sample_path: Path, tmp_path: Path) -> None:
    """ingest, validate, train, evaluate and export, each feeding the next."""
    dataset = artifact(dsl.Dataset, tmp_path / "dataset")
    c.ingest.python_func(source=str(sample_path), dataset=dataset)
    assert dataset.metadata["rows"] == 400

    report = artifact(dsl.Artifact, tmp_path / "report")
    c.validate_data.python_func(
        dataset=dataset, suite="training", fail_on_error=True, report=report
    )
    assert report.metadata["success"] is True

    model = artifact(dsl.Model, tmp_path / "model")
    test_data = artifact(dsl.Dataset, tmp_path / "test")
    c.train.python_func(
        dataset=dataset,
        regularization=1.0,
        test_fraction=0.25,
        seed=42,
        model=model,
        test_data=test_data,
    )
    assert test_data.metadata["rows"] == 100

    metrics = artifact(dsl.Metrics, tmp_path / "metrics")
    curves = artifact(dsl.ClassificationMetrics, tmp_path / "curves")
    passed = c.evaluate.python_func(
        model=model,
        test_data=test_data,
        metric="roc_auc",
        threshold=0.7,
        metrics=metrics,
        curves=curves,
    )
    assert passed is True
    assert metrics.metadata["roc_auc"] > 0.7
    assert curves.metadata["confusionMatrix"]["rows"]

    exported = artifact(dsl.Model, tmp_path / "exported")
    copy = tmp_path / "stable-copy"
    uri = c.export_model.python_func(
        model=model, metrics=metrics, export_uri=str(copy), exported_model=exported
    )
    assert uri == str(copy)
    for folder in (tmp_path / "exported", copy):
        metadata = json.loads((folder / "metadata.json").read_text())
        assert metadata["metrics"]["roc_auc"] == metrics.metadata["roc_auc"]
        assert (folder / "model.joblib").is_file()
    without_copy = artifact(dsl.Model, tmp_path / "exported-2")
    assert c.export_model.python_func(
        model=model, metrics=metrics, export_uri="", exported_model=without_copy
    ) == str(tmp_path / "exported-2")

    predictions = artifact(dsl.Dataset, tmp_path / "predictions")
    c.predict.python_func(model=exported, dataset=dataset, predictions=predictions)
    assert {PREDICTION, PROBABILITY} <= set(pd.read_csv(tmp_path / "predictions").columns)


def test_validation_failure_fails_the_task_after_writing_the_report(
    sample_path: Path, tmp_path: Path
) -> None:
    """With fail_on_error the task raises; the report is on disk for the post-mortem."""
    broken = pd.read_csv(sample_path)
    broken.loc[0, "age"] = -1
    broken.to_csv(tmp_path / "broken.csv", index=False)
    dataset = artifact(dsl.Dataset, tmp_path / "broken.csv")
    report = artifact(dsl.Artifact, tmp_path / "report")
    with pytest.raises(DataValidationError, match="column 'age'"):
        c.validate_data.python_func(
            dataset=dataset, suite="training", fail_on_error=True, report=report
        )
    assert json.loads((tmp_path / "report").read_text())["success"] is False
    c.validate_data.python_func(
        dataset=dataset, suite="training", fail_on_error=False, report=report
    )
    assert report.metadata["success"] is False
