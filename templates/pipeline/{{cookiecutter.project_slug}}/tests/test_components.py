"""The components' bodies, called in-process on local artifacts (what a task runs): the
training chain from ingest to promotion, and batch prediction from a registry URI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from kfp import dsl

from {{ cookiecutter.package_name }} import components as c
from {{ cookiecutter.package_name }}.contract import (
    DRIFT_MIN_RECORDS,
    MAX_FLAGGED_SHARE,
    Contract,
)
from {{ cookiecutter.package_name }}.drift import LEVELS
from {{ cookiecutter.package_name }}.framework import GRID, MAIN_PARAMETER, Params
from {{ cookiecutter.package_name }}.model import Model
from {{ cookiecutter.package_name }}.profile import Profile
from {{ cookiecutter.package_name }}.steps.monitor import DriftAlertError
from {{ cookiecutter.package_name }}.steps.predict import (
    FlaggedRowsError,
)
from {{ cookiecutter.package_name }}.steps.validate import DataValidationError


def artifact(kind: type[dsl.Artifact], path: Path) -> dsl.Artifact:
    """An artifact stored at a local path, as kfp.local passes them."""
    return kind(uri=str(path))


def test_training_components_chain_register_and_promote(
    sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """ingest, validate, split, train and evaluate each candidate, select, export, register,
    promote; then batch prediction resolves the champion from the registry."""
    dataset = artifact(dsl.Dataset, tmp_path / "dataset")
    c.ingest.python_func(source=str(sample_path), dataset=dataset)
    assert dataset.metadata["rows"] == len(sample)
    report = artifact(dsl.Artifact, tmp_path / "report")
    c.validate_data.python_func(
        dataset=dataset, suite="training", fail_on_error=True, report=report
    )
    assert report.metadata["success"] is True
    train_data = artifact(dsl.Dataset, tmp_path / "train")
    test_data = artifact(dsl.Dataset, tmp_path / "test")
    c.split.python_func(
        dataset=dataset, test_fraction=0.25, seed=42, train_data=train_data, test_data=test_data
    )
    assert train_data.metadata["rows"] + test_data.metadata["rows"] == len(sample)
    assert test_data.metadata["sample"] == {
        "rows_read": len(sample),
        "rows_total": len(sample),
        "seed": 42,
    }

    models, evaluations = [], []
    for index, value in enumerate(GRID[:2]):
        model = artifact(dsl.Model, tmp_path / f"model-{index}")
        c.train.python_func(
            train_data=train_data, params=json.dumps({MAIN_PARAMETER: value}), model=model
        )
        evaluation = artifact(dsl.Artifact, tmp_path / f"evaluation-{index}")
        passed = c.evaluate.python_func(
            model=model,
            test_data=test_data,
            metric="",
            threshold=-1e9 if contract.task == "regression" else 0.0,
            metrics=artifact(dsl.Metrics, tmp_path / f"metrics-{index}"),
            curves=artifact(dsl.ClassificationMetrics, tmp_path / f"curves-{index}"),
            evaluation=evaluation,
        )
        assert passed is True
        models.append(model)
        evaluations.append(evaluation)
    best_model = artifact(dsl.Model, tmp_path / "best")
    best_evaluation = artifact(dsl.Artifact, tmp_path / "best-evaluation")
    assert c.select_best.python_func(
        evaluations=evaluations,
        models=models,
        best_model=best_model,
        best_evaluation=best_evaluation,
    )
    chosen = json.loads((tmp_path / "best-evaluation").read_text())
    assert len(chosen["candidates"]) == 2

    exported = artifact(dsl.Model, tmp_path / "exported")
    copy = tmp_path / "stable-copy"
    uri = c.export_model.python_func(
        model=best_model, evaluation=best_evaluation, export_uri=str(copy), exported_model=exported
    )
    assert uri == str(copy)
    metadata = json.loads((copy / "metadata.json").read_text())
    assert metadata["metrics"] == chosen["metrics"]

    registry = str(tmp_path / "registry")
    registration = artifact(dsl.Artifact, tmp_path / "registration")
    version = c.register_model.python_func(
        model=exported,
        evaluation=best_evaluation,
        dataset=dataset,
        registry_uri=registry,
        model_name="churn",
        staging_uri="",
        source_commit="abc123",
        pipeline_run="run-1",
        registration=registration,
    )
    assert version == 1
    recorded = json.loads((tmp_path / "registration").read_text())
    assert recorded["lineage"]["data_sha256"] == dataset.metadata["sha256"]
    assert (recorded["lineage"]["source_commit"], recorded["lineage"]["pipeline_run"]) == (
        "abc123",
        "run-1",
    )
    decision = artifact(dsl.Artifact, tmp_path / "decision")
    c.promote.python_func(
        registry_uri=registry,
        model_name="churn",
        staging_uri="",
        version=version,
        test_data=test_data,
        metric=chosen["metric"],
        decision=decision,
    )
    assert decision.metadata["champion"] == "models:/churn/1"

    resolved = artifact(dsl.Model, tmp_path / "resolved")
    assert (
        c.resolve_model.python_func(
            model_uri="models:/churn@champion",
            registry_uri=registry,
            staging_uri="",
            model=resolved,
        )
        == "models:/churn/1"
    )
    predictions = artifact(dsl.Dataset, tmp_path / "predictions")
    c.predict.python_func(model=resolved, dataset=dataset, predictions=predictions)
    columns = list(pd.read_parquet(tmp_path / "predictions").columns)
    assert columns[-len(contract.output_columns) - 1 :] == [*contract.output_columns, "warnings"]

    # The batch pipeline's task: the same predictions, then the drift check against the
    # champion's reference (its training rows, its predictions on the held-out rows). Given the
    # held-out rows themselves, the predictions are the reference's own: they cannot have moved.
    # (Their inputs, 100 rows against 300, may differ by chance, as may, on the whole table,
    # the predictions of a model that fits its training rows closely: boosted trees on 300.)
    report = artifact(dsl.HTML, tmp_path / "drift-report")
    drift = artifact(dsl.Artifact, tmp_path / "drift")
    status = c.predict_check_drift.python_func(
        model=resolved,
        dataset=test_data,
        predictions=artifact(dsl.Dataset, tmp_path / "checked"),
        drift_report=report,
        drift=drift,
        min_records=10,
    )
    assert status == drift.metadata["status"] == report.metadata["status"]
    assert (tmp_path / "drift-report").read_text().startswith("<!doctype html>")
    figures = json.loads((tmp_path / "drift" / "drift.json").read_text())
    assert (figures["predictions"]["level"], figures["predictions"]["psi"]) == ("ok", 0.0)
    levels = [f["level"] for f in figures["features"]] + [figures["predictions"]["level"]]
    assert status == max(levels, key=LEVELS.index)
    assert figures["model"]["uri"] == "models:/churn/1"
    assert [f["name"] for f in figures["features"]] != []


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


def test_drift_components_report_before_they_fail(
    sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """Batch: rows the model never saw fail the task past max_flagged_share, after the
    drift report (an alert) is written. Monitoring: the served records' check, its report
    and its status; fail_on_drift fails the task on the alert, the report written."""
    model = Model.fit(contract, sample, Params())
    scores = model.scores(model.encode_table(sample))
    model.metadata["profile"]["predictions"] = Profile.learn_predictions(contract, scores)
    folder = model.save(tmp_path / "model", name="m", version="v1")
    numeric = next((f.name for f in contract.features if f.kind == "numeric"), None)
    moved = sample.copy()
    if numeric is not None:
        moved[numeric] = moved[numeric] * 1000 + 1000
    else:  # a contract of categories only: a category never seen
        moved[contract.feature_names[0]] = "Atlantis"
    moved.to_csv(tmp_path / "moved.csv", index=False)
    drift = artifact(dsl.Artifact, tmp_path / "batch-drift")
    with pytest.raises(FlaggedRowsError):
        c.predict_check_drift.python_func(
            model=artifact(dsl.Model, folder),
            dataset=artifact(dsl.Dataset, tmp_path / "moved.csv"),
            predictions=artifact(dsl.Dataset, tmp_path / "predictions"),
            drift_report=artifact(dsl.HTML, tmp_path / "batch-report"),
            drift=drift,
            max_flagged_share=0.0,
            min_records=10,
        )
    assert json.loads((tmp_path / "batch-drift" / "drift.json").read_text())["status"] == "alert"
    assert (tmp_path / "batch-report").is_file()

    rows = moved[contract.feature_names].astype(object).where(moved.notna(), None)
    records = rows.to_dict(orient="records")
    answers = model.predict_rows([list(r.values()) for r in records])
    entry = {"time": "2026-11-30T12:00:00+00:00", "model_version": "v1"}
    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "predictions-1.jsonl").write_text(
        json.dumps(entry | {"records": records, "answers": answers}, default=str) + "\n"
    )
    arguments = {
        "source": str(tmp_path / "served"),
        "since": "all",
        "model": artifact(dsl.Model, folder),
        "model_uri": "models:/m/1",
        "min_records": 10,
    }
    report = artifact(dsl.HTML, tmp_path / "report")
    drift = artifact(dsl.Artifact, tmp_path / "drift")
    assert c.monitor.python_func(**arguments, drift_report=report, drift=drift) == "alert"
    assert drift.metadata["moved"]
    with pytest.raises(DriftAlertError):
        c.monitor.python_func(
            **arguments,
            drift_report=artifact(dsl.HTML, tmp_path / "failed-report"),
            drift=artifact(dsl.Artifact, tmp_path / "failed-drift"),
            fail_on_drift=True,
        )
    assert (tmp_path / "failed-report").read_text().startswith("<!doctype html>")


def test_component_defaults_are_the_project_defaults() -> None:
    """A component's defaults are literals (a task runs the function's text alone): each one
    stays equal to the constant it stands for."""
    import inspect

    parameters = inspect.signature(c.predict.python_func).parameters
    assert parameters["max_flagged_share"].default == MAX_FLAGGED_SHARE
    for component in (c.check_drift, c.predict_check_drift, c.monitor):
        parameters = inspect.signature(component.python_func).parameters
        assert parameters["min_records"].default == DRIFT_MIN_RECORDS
        assert parameters["fail_on_drift"].default is False
    parameters = inspect.signature(c.predict_check_drift.python_func).parameters
    assert parameters["max_flagged_share"].default == MAX_FLAGGED_SHARE
