"""KFP v2 components: thin wrappers around the functions of `steps/`.

Rules for editing (KFP lightweight components):

* only the function body is shipped to the task: import what it uses INSIDE the body;
  the module-level imports here serve the decorators and annotations only;
* no `from __future__ import annotations` in this module: KFP reads the real annotations;
* `install_kfp_package=False` and no `packages_to_install`: the image (and, locally, the
  project's .venv) already has kfp and this package, so a task never runs `pip install`;
* a parameter's default is a literal: the task runs the function's text, where no module
  name is defined (tests/test_components.py checks each against its setting).

`BASE_IMAGE` is a placeholder fixed at decoration time (the local image of `make
docker-build`); `compile --image` (or the pipeline_image setting) replaces it in the
compiled specs: see `compile.py`.
"""

from kfp import dsl
from kfp.dsl import Artifact, ClassificationMetrics, Dataset, Input, Metrics, Model, Output

BASE_IMAGE = "{{ cookiecutter.project_slug }}:latest"


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def ingest(source: str, dataset: Output[Dataset]) -> None:
    """Read the source table (a local path or gs:// URI) into a Dataset artifact."""
    from {{ cookiecutter.package_name }}.steps.ingest import ingest as run_ingest

    dataset.metadata.update(run_ingest(source, dataset.path))


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def validate_data(
    dataset: Input[Dataset], suite: str, fail_on_error: bool, report: Output[Artifact]
) -> None:
    """Validate with an expectation suite; keep the JSON report; fail if fail_on_error."""
    from {{ cookiecutter.package_name }}.steps.validate import validate_file

    # On failure the report is written before the task fails (DataValidationError).
    result = validate_file(dataset.path, suite, report.path, fail_on_error=fail_on_error)
    report.metadata.update(
        {
            "suite": suite,
            "success": result.success,
            "evaluated": result.evaluated,
            "failed": len(result.failures),
        }
    )


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def split(
    dataset: Input[Dataset],
    test_fraction: float,
    seed: int,
    train_data: Output[Dataset],
    test_data: Output[Dataset],
) -> None:
    """The training part and the held-out part, once for every candidate and the champion."""
    from {{ cookiecutter.package_name }}.steps.split import split_file

    info = split_file(dataset.path, train_data.path, test_data.path, test_fraction, seed)
    train_data.metadata["rows"] = info["train_rows"]
    test_data.metadata["rows"] = info["test_rows"]


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def train(train_data: Input[Dataset], params: str, model: Output[Model]) -> None:
    """Fit the model the data contract describes (`params`: the framework's hyper-parameters,
    JSON)."""
    import json

    from {{ cookiecutter.package_name }}.model import params_from
    from {{ cookiecutter.package_name }}.steps.train import train as run_train

    model.metadata.update(run_train(train_data.path, model.path, params_from(json.loads(params))))


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def evaluate(
    model: Input[Model],
    test_data: Input[Dataset],
    metric: str,
    threshold: float,
    metrics: Output[Metrics],
    curves: Output[ClassificationMetrics],
    evaluation: Output[Artifact],
) -> bool:
    """Score the model; return whether it passes the gate (`metric` against `threshold`)."""
    from {{ cookiecutter.package_name }}.steps.evaluate import evaluate as run_evaluate

    result = run_evaluate(model.path, test_data.path, metric, threshold, evaluation.path)
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
    # A plain bool, not a NamedTuple: kfp.local skips a dsl.If on a NamedTuple field.
    return result.passed


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def select_best(
    evaluations: Input[list[Artifact]],
    models: Input[list[Model]],
    best_model: Output[Model],
    best_evaluation: Output[Artifact],
) -> bool:
    """The best candidate by the gate's metric: the challenger. Return whether it passed."""
    from {{ cookiecutter.package_name }}.steps.select import select

    return select(
        [e.path for e in evaluations],
        [m.path for m in models],
        best_model.path,
        best_evaluation.path,
    )


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def export_model(
    model: Input[Model],
    evaluation: Input[Artifact],
    export_uri: str,
    exported_model: Output[Model],
    run_id: str = "",
) -> str:
    """Write the servable model folder, versioned `run_id` (the pipeline run); also to
    `export_uri` when given. Return its URI."""
    from {{ cookiecutter.package_name }}.steps.export import export_model as run_export
    from {{ cookiecutter.package_name }}.steps.export import unique_version
    from {{ cookiecutter.package_name }}.steps.io import read_json

    report = read_json(evaluation.path)
    extra = {"source_model": model.uri}
    version = run_id or unique_version()
    run_export(model.path, exported_model.path, report, extra, version)
    exported_model.metadata.update(
        {"metrics": report["metrics"], "version": version, **dict(model.metadata)}
    )
    if export_uri:
        run_export(model.path, export_uri, report, extra, version)
        return export_uri
    return str(exported_model.uri)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def register_model(
    model: Input[Model],
    evaluation: Input[Artifact],
    dataset: Input[Dataset],
    registry_uri: str,
    model_name: str,
    staging_uri: str,
    source_commit: str,
    pipeline_run: str,
    registration: Output[Artifact],
    sample_data: bool = False,
) -> int:
    """Register the exported model with its lineage (`sample_data`: trained on the project's
    sample, which promote() keeps from replacing a champion of other data); return its
    version number."""
    from {{ cookiecutter.package_name }}.registry import describe
    from {{ cookiecutter.package_name }}.steps.io import read_json, write_json
    from {{ cookiecutter.package_name }}.steps.register import register

    lineage = {
        "data_uri": dataset.metadata.get("source"),
        "data_sha256": dataset.metadata.get("sha256"),
        "source_commit": source_commit or None,
        "pipeline_run": pipeline_run,
        "sample_data": sample_data,
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


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def promote(
    registry_uri: str,
    model_name: str,
    staging_uri: str,
    version: int,
    test_data: Input[Dataset],
    metric: str,
    decision: Output[Artifact],
) -> None:
    """Compare the new version with the champion on the held-out rows; promote if better."""
    from {{ cookiecutter.package_name }}.steps.io import write_json
    from {{ cookiecutter.package_name }}.steps.promote import promote as run_promote

    result = run_promote(
        registry_uri, model_name, version, test_data.path, metric, staging_uri=staging_uri
    )
    write_json(result, decision.path)
    decision.metadata.update(result)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def resolve_model(model_uri: str, registry_uri: str, staging_uri: str, model: Output[Model]) -> str:
    """The model to predict with: a folder, or `models:/<name>/<version>` and
    `models:/<name>@<alias>` resolved in the registry at run time. Return what it resolved to."""
    from {{ cookiecutter.package_name }}.steps.resolve import resolve_to

    resolved = resolve_to(model_uri, registry_uri, model.path, staging_uri=staging_uri)
    model.metadata["resolved"] = resolved
    return resolved


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def predict(
    model: Input[Model],
    dataset: Input[Dataset],
    predictions: Output[Dataset],
    max_flagged_share: float = 0.25,  # contract.MAX_FLAGGED_SHARE: the task gets this text
) -> None:
    """Batch predictions (a folder holding predictions.csv): the ids (or the input), the
    contract's output columns and each row's warnings; fails past `max_flagged_share` of
    flagged rows."""
    from {{ cookiecutter.package_name }}.steps.predict import predict_file

    predictions.metadata.update(
        predict_file(model.path, dataset.path, predictions.path, max_flagged_share)
    )
