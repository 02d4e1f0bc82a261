"""The components' bodies, called in-process on local artifacts (what a task runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from kfp import dsl

from {{ cookiecutter.package_name }} import components as c
from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.steps.validate import DataValidationError


def artifact(kind: type[dsl.Artifact], path: Path) -> dsl.Artifact:
    """An artifact stored at a local path, as kfp.local passes them."""
    return kind(uri=str(path))


def test_training_components_chain_and_export_a_model(
    sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """ingest, validate, train, evaluate and export, each feeding the next."""
    dataset = artifact(dsl.Dataset, tmp_path / "dataset")
    c.ingest.python_func(source=str(sample_path), dataset=dataset)
    assert dataset.metadata["rows"] == len(sample)

    report = artifact(dsl.Artifact, tmp_path / "report")
    c.validate_data.python_func(
        dataset=dataset, suite="training", fail_on_error=True, report=report
    )
    assert report.metadata["success"] is True

    model = artifact(dsl.Model, tmp_path / "model")
    test_data = artifact(dsl.Dataset, tmp_path / "test")
    c.train.python_func(
        dataset=dataset,
        params="{}",
        test_fraction=0.25,
        seed=42,
        model=model,
        test_data=test_data,
    )
    assert test_data.metadata["rows"] == len(pd.read_csv(tmp_path / "test"))
    assert model.metadata["task"] == contract.task

    metrics = artifact(dsl.Metrics, tmp_path / "metrics")
    curves = artifact(dsl.ClassificationMetrics, tmp_path / "curves")
    evaluation = artifact(dsl.Artifact, tmp_path / "evaluation")
    passed = c.evaluate.python_func(
        model=model,
        test_data=test_data,
        metric="",
        threshold=-1e9 if contract.task == "regression" else 0.0,
        metrics=metrics,
        curves=curves,
        evaluation=evaluation,
    )
    assert passed is True
    report_json = json.loads((tmp_path / "evaluation").read_text())
    assert metrics.metadata[report_json["metric"]] == report_json["metrics"][report_json["metric"]]
    if contract.task != "regression":
        assert curves.metadata["confusionMatrix"]["rows"]

    exported = artifact(dsl.Model, tmp_path / "exported")
    copy = tmp_path / "stable-copy"
    uri = c.export_model.python_func(
        model=model, evaluation=evaluation, export_uri=str(copy), exported_model=exported
    )
    assert uri == str(copy)
    for folder in (tmp_path / "exported", copy):
        metadata = json.loads((folder / "metadata.json").read_text())
        assert metadata["metrics"] == report_json["metrics"]
        assert (folder / metadata["model_file"]).is_file()
    without_copy = artifact(dsl.Model, tmp_path / "exported-2")
    assert c.export_model.python_func(
        model=model, evaluation=evaluation, export_uri="", exported_model=without_copy
    ) == str(tmp_path / "exported-2")

    predictions = artifact(dsl.Dataset, tmp_path / "predictions")
    c.predict.python_func(model=exported, dataset=dataset, predictions=predictions)
    columns = list(pd.read_csv(tmp_path / "predictions").columns)
    assert columns[-len(contract.output_columns) :] == contract.output_columns


def test_validation_failure_fails_the_task_after_writing_the_report(
    sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """With fail_on_error the task raises; the report is on disk for the post-mortem."""
    column = contract.feature_names[0]
    sample.drop(columns=[column]).to_csv(tmp_path / "broken.csv", index=False)
    dataset = artifact(dsl.Dataset, tmp_path / "broken.csv")
    report = artifact(dsl.Artifact, tmp_path / "report")
    with pytest.raises(DataValidationError, match="missing from the table"):
        c.validate_data.python_func(
            dataset=dataset, suite="training", fail_on_error=True, report=report
        )
    assert json.loads((tmp_path / "report").read_text())["success"] is False
    c.validate_data.python_func(
        dataset=dataset, suite="training", fail_on_error=False, report=report
    )
    assert report.metadata["success"] is False
