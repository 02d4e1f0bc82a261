"""The steps with KFP's artifacts: paths in, files and metadata out, one function per step.

Each component of `components.py` calls one (or, where steps always run together, a few) of
these, so a step's handling of its artifacts is written once, whichever task runs it. An
artifact here is anything with `path`, `uri` and `metadata` (KFP's `Dataset`, `Model`,
`Artifact`); `Metrics` and `ClassificationMetrics` add their `log_*` methods. Each function
imports its step when called: a task pays only for what it runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Artifact = Any  # kfp.dsl's artifact types: kfp is not imported here


def ingest_into(source: str, dataset: Artifact) -> None:
    """The source table as Parquet shards in `dataset`, with its rows, columns and sha256."""
    from {{ cookiecutter.package_name }}.steps.ingest import ingest

    dataset.metadata.update(ingest(source, dataset.path))


def validate_into(dataset: Artifact, suite: str, fail_on_error: bool, report: Artifact) -> None:
    """Validate with an expectation suite; the JSON report is written even when it fails."""
    from {{ cookiecutter.package_name }}.steps.validate import validate_file

    result = validate_file(dataset.path, suite, report.path, fail_on_error=fail_on_error)
    report.metadata.update(
        {
            "suite": suite,
            "success": result.success,
            "evaluated": result.evaluated,
            "failed": len(result.failures),
        }
    )


def split_into(
    dataset: Artifact,
    test_fraction: float,
    seed: int,
    train_data: Artifact,
    test_data: Artifact,
    sample_rows: int = 0,
) -> None:
    """The training part and the held-out part (of a seeded sample of `sample_rows` rows,
    when the table is larger); what was read in both parts' metadata, for the lineage."""
    from {{ cookiecutter.package_name }}.steps.split import split_file

    info = split_file(
        dataset.path, train_data.path, test_data.path, test_fraction, seed, sample_rows=sample_rows
    )
    train_data.metadata.update({"rows": info["train_rows"], "sample": info["sample"]})
    test_data.metadata.update({"rows": info["test_rows"], "sample": info["sample"]})


def train_into(train_data: Artifact, params: str, model: Artifact) -> None:
    """Fit the model of the contract with `params` (JSON) into `model`."""
    from {{ cookiecutter.package_name }}.model import params_from
    from {{ cookiecutter.package_name }}.steps.train import train

    model.metadata.update(train(train_data.path, model.path, params_from(json.loads(params))))


def evaluate_into(
    model: Artifact,
    test_data: Artifact,
    metric: str,
    threshold: float,
    metrics: Artifact,
    curves: Artifact,
    evaluation: Artifact,
) -> bool:
    """Score the model, log the metrics and curves; whether it passes the gate."""
    from {{ cookiecutter.package_name }}.steps.evaluate import evaluate

    result = evaluate(model.path, test_data.path, metric, threshold, evaluation.path)
    for name, value in result.metrics.items():
        metrics.log_metric(name, value)
    metrics.metadata.update(
        {"gate_metric": metric, "threshold": threshold, "passed": result.passed}
    )
    if result.confusion_matrix:
        curves.log_confusion_matrix(result.labels, result.confusion_matrix)
    if result.roc_curve:
        roc = result.roc_curve
        curves.log_roc_curve(roc["fpr"], roc["tpr"], roc["thresholds"])
    return result.passed


def export_into(
    model: Artifact, evaluation: Artifact, export_uri: str, exported_model: Artifact, run_id: str
) -> str:
    """The servable model folder, versioned `run_id` (also to `export_uri`); its URI."""
    from {{ cookiecutter.package_name }}.steps.export import export_model, unique_version
    from {{ cookiecutter.package_name }}.steps.io import read_json

    report = read_json(evaluation.path)
    extra = {"source_model": model.uri}
    version = run_id or unique_version()
    export_model(model.path, exported_model.path, report, extra, version)
    exported_model.metadata.update(
        {"metrics": report["metrics"], "version": version, **dict(model.metadata)}
    )
    if export_uri:
        export_model(model.path, export_uri, report, extra, version)
        return export_uri
    return str(exported_model.uri)


def register_into(
    model: Artifact,
    evaluation: Artifact,
    dataset: Artifact,
    registry_uri: str,
    model_name: str,
    staging_uri: str,
    lineage: dict[str, Any],
    registration: Artifact,
) -> int:
    """Register the exported model with its lineage (and the dataset's); its version."""
    from {{ cookiecutter.package_name }}.registry import describe
    from {{ cookiecutter.package_name }}.steps.io import read_json, write_json
    from {{ cookiecutter.package_name }}.steps.register import register

    lineage = {
        "data_uri": dataset.metadata.get("source"),
        "data_sha256": dataset.metadata.get("sha256"),
        **lineage,
    }
    version = register(
        model.path,
        registry_uri,
        model_name,
        read_json(evaluation.path),
        lineage,
        staging_uri=staging_uri,
    )
    write_json(describe(version), registration.path)
    registration.metadata["model_version"] = version.uri
    return version.version


def promote_into(
    registry_uri: str,
    model_name: str,
    staging_uri: str,
    version: int,
    test_data: Artifact,
    metric: str,
    decision: Artifact,
) -> None:
    """Compare the version with the champion on the held-out rows; promote it if better."""
    from {{ cookiecutter.package_name }}.steps.io import write_json
    from {{ cookiecutter.package_name }}.steps.promote import promote

    result = promote(
        registry_uri, model_name, version, test_data.path, metric, staging_uri=staging_uri
    )
    write_json(result, decision.path)
    decision.metadata.update(result)


def predict_into(
    model: Artifact,
    dataset: Artifact,
    predictions: Artifact,
    max_flagged_share: float,
    predictions_format: str = "parquet",
    predictions_uri: str = "",
) -> None:
    """Batch predictions into `predictions` (a folder of shards), delivered to
    `predictions_uri` when given; their summary as its metadata; fails past
    `max_flagged_share` of flagged rows."""
    from {{ cookiecutter.package_name }}.steps.predict import predict_file

    predictions.metadata.update(
        predict_file(
            model.path,
            dataset.path,
            predictions.path,
            max_flagged_share,
            predictions_format,
            predictions_uri,
        )
    )


def _report_into(drift: Artifact, report: Artifact) -> None:
    """The HTML report (in the step's folder `drift`) as an artifact of its own too: Vertex
    AI's console shows an HTML artifact. Also when the step failed on an alert."""
    import shutil

    from {{ cookiecutter.package_name }}.report import REPORT_FILE

    written = Path(drift.path) / REPORT_FILE
    if written.is_file():
        shutil.copyfile(written, report.path)


def _verdict(summary: dict[str, Any], report: Artifact, drift: Artifact) -> str:
    """The verdict as both artifacts' metadata; the status."""
    found = {k: summary[k] for k in ("status", "drift", "moved", "records", "model_version")}
    report.metadata.update(found)
    drift.metadata.update(found)
    return str(summary["status"])


def check_drift_into(
    model: Artifact,
    dataset: Artifact,
    predictions: Artifact,
    min_records: int,
    fail_on_drift: bool,
    report: Artifact,
    drift: Artifact,
) -> str:
    """The drift check of a batch's input and predictions against the model's reference;
    the report in `drift` (report.html, drift.json) and `report`; the status."""
    from {{ cookiecutter.package_name }}.steps.monitor import check_batch

    uri = str(model.metadata.get("resolved") or "")
    try:
        summary = check_batch(
            model.path, dataset.path, predictions.path, drift.path, min_records, uri, fail_on_drift
        )
    finally:
        _report_into(drift, report)
    return _verdict(summary, report, drift)


def monitor_into(
    source: str,
    since: str,
    min_records: int,
    fail_on_drift: bool,
    model: Artifact,
    model_uri: str,
    report: Artifact,
    drift: Artifact,
) -> str:
    """The drift check of the records served since `since` against the model's reference;
    the report in `drift` (report.html, drift.json) and `report`; the status."""
    from {{ cookiecutter.package_name }}.steps.monitor import monitor_served

    try:
        summary = monitor_served(
            source, model.path, drift.path, since, min_records, model_uri, fail_on_drift
        )
    finally:
        _report_into(drift, report)
    return _verdict(summary, report, drift)
