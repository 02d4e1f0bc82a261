"""KFP v2 components: thin wrappers around the functions of `steps/` (their artifacts' side is
`steps/artifacts.py`).

The pipelines use the components that do what always runs together in one task
(`ingest_validate`, `train_evaluate`, `export_register_promote`): a task costs a process start
locally and a machine start on Vertex AI. Each step is also a component of its own (`ingest`,
`validate_data`, `train`, `evaluate`, ...), with the same code, for pipelines of your own.

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
from kfp.dsl import (
    HTML,
    Artifact,
    ClassificationMetrics,
    Dataset,
    Input,
    Metrics,
    Model,
    Output,
)

BASE_IMAGE = "{{ cookiecutter.project_slug }}:latest"


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def ingest(source: str, dataset: Output[Dataset]) -> None:
    """Read the source table (a local path or gs:// URI) into a Dataset artifact."""
    from {{ cookiecutter.package_name }}.steps.artifacts import ingest_into

    ingest_into(source, dataset)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def validate_data(
    dataset: Input[Dataset], suite: str, fail_on_error: bool, report: Output[Artifact]
) -> None:
    """Validate with an expectation suite; keep the JSON report; fail if fail_on_error."""
    from {{ cookiecutter.package_name }}.steps.artifacts import validate_into

    validate_into(dataset, suite, fail_on_error, report)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def ingest_validate(
    source: str,
    suite: str,
    fail_on_error: bool,
    dataset: Output[Dataset],
    report: Output[Artifact],
) -> None:
    """`ingest` then `validate_data`, in one task: the table is checked as it arrives."""
    from {{ cookiecutter.package_name }}.steps.artifacts import (
        ingest_into,
        validate_into,
    )

    ingest_into(source, dataset)
    validate_into(dataset, suite, fail_on_error, report)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def split(
    dataset: Input[Dataset],
    test_fraction: float,
    seed: int,
    train_data: Output[Dataset],
    test_data: Output[Dataset],
    sample_rows: int = 0,
) -> None:
    """The training part and the held-out part, once for every candidate and the champion
    (of a seeded sample of `sample_rows` rows when the table is larger; 0: all of it)."""
    from {{ cookiecutter.package_name }}.steps.artifacts import split_into

    split_into(dataset, test_fraction, seed, train_data, test_data, sample_rows)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def train(train_data: Input[Dataset], params: str, model: Output[Model]) -> None:
    """Fit the model the data contract describes (`params`: the framework's hyper-parameters,
    JSON)."""
    from {{ cookiecutter.package_name }}.steps.artifacts import train_into

    train_into(train_data, params, model)


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
    from {{ cookiecutter.package_name }}.steps.artifacts import evaluate_into

    # A plain bool, not a NamedTuple: kfp.local skips a dsl.If on a NamedTuple field.
    return evaluate_into(model, test_data, metric, threshold, metrics, curves, evaluation)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def train_evaluate(
    train_data: Input[Dataset],
    test_data: Input[Dataset],
    params: str,
    metric: str,
    threshold: float,
    model: Output[Model],
    metrics: Output[Metrics],
    curves: Output[ClassificationMetrics],
    evaluation: Output[Artifact],
) -> bool:
    """`train` then `evaluate` one candidate, in one task; whether it passes the gate."""
    from {{ cookiecutter.package_name }}.steps.artifacts import (
        evaluate_into,
        train_into,
    )

    train_into(train_data, params, model)
    return evaluate_into(model, test_data, metric, threshold, metrics, curves, evaluation)


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
    from {{ cookiecutter.package_name }}.steps.artifacts import export_into

    return export_into(model, evaluation, export_uri, exported_model, run_id)


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
    from {{ cookiecutter.package_name }}.steps.artifacts import register_into

    lineage = {
        "source_commit": source_commit or None,
        "pipeline_run": pipeline_run,
        "sample_data": sample_data,
    }
    return register_into(
        model, evaluation, dataset, registry_uri, model_name, staging_uri, lineage, registration
    )


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
    from {{ cookiecutter.package_name }}.steps.artifacts import promote_into

    promote_into(registry_uri, model_name, staging_uri, version, test_data, metric, decision)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def export_register_promote(
    model: Input[Model],
    evaluation: Input[Artifact],
    dataset: Input[Dataset],
    test_data: Input[Dataset],
    export_uri: str,
    registry_uri: str,
    model_name: str,
    staging_uri: str,
    metric: str,
    source_commit: str,
    pipeline_run: str,
    sample_data: bool,
    exported_model: Output[Model],
    registration: Output[Artifact],
    decision: Output[Artifact],
) -> str:
    """`export_model`, `register_model` and `promote` in one task: the challenger that passed
    the gate is exported, registered with its lineage, and compared with the champion. Return
    the exported model's URI."""
    from {{ cookiecutter.package_name }}.steps.artifacts import (
        export_into,
        promote_into,
        register_into,
    )

    uri = export_into(model, evaluation, export_uri, exported_model, pipeline_run)
    lineage = {
        "source_commit": source_commit or None,
        "pipeline_run": pipeline_run,
        "sample_data": sample_data,
        # What training read: all the rows, or a seeded sample (train_sample_rows); whole
        # numbers again (KFP's metadata keeps numbers as floats).
        "training_rows": {k: int(v) for k, v in (test_data.metadata.get("sample") or {}).items()},
    }
    version = register_into(
        exported_model,
        evaluation,
        dataset,
        registry_uri,
        model_name,
        staging_uri,
        lineage,
        registration,
    )
    promote_into(registry_uri, model_name, staging_uri, version, test_data, metric, decision)
    return uri


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
    predictions_format: str = "parquet",
    predictions_uri: str = "",
) -> None:
    """Batch predictions (a folder of Parquet or CSV shards, also delivered to
    `predictions_uri` when given: a folder, gs:// or bq://): the ids (or the input), the
    contract's output columns and each row's warnings; fails past `max_flagged_share` of
    flagged rows."""
    from {{ cookiecutter.package_name }}.steps.artifacts import predict_into

    predict_into(
        model, dataset, predictions, max_flagged_share, predictions_format, predictions_uri
    )


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def check_drift(
    model: Input[Model],
    dataset: Input[Dataset],
    predictions: Input[Dataset],
    drift_report: Output[HTML],
    drift: Output[Artifact],
    min_records: int = 500,  # drift.MIN_RECORDS
    fail_on_drift: bool = False,
) -> str:
    """The drift check of a batch's input and predictions against the model's reference:
    the HTML report (`drift_report`, and in `drift` with the figures as JSON); fails on an
    alert only with `fail_on_drift`. Return the status: ok, warn, alert or too few records."""
    from {{ cookiecutter.package_name }}.steps.artifacts import check_drift_into

    return check_drift_into(
        model, dataset, predictions, min_records, fail_on_drift, drift_report, drift
    )


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def predict_check_drift(
    model: Input[Model],
    dataset: Input[Dataset],
    predictions: Output[Dataset],
    drift_report: Output[HTML],
    drift: Output[Artifact],
    max_flagged_share: float = 0.25,  # contract.MAX_FLAGGED_SHARE
    min_records: int = 500,  # drift.MIN_RECORDS
    fail_on_drift: bool = False,
    predictions_format: str = "parquet",
    predictions_uri: str = "",
) -> str:
    """`predict` then `check_drift`, in one task: every batch is checked as it is scored.
    Too many flagged rows fail the task after the check, so its report is there to read."""
    from {{ cookiecutter.package_name }}.steps.artifacts import (
        check_drift_into,
        predict_into,
    )
    from {{ cookiecutter.package_name }}.steps.predict import FlaggedRowsError

    flagged = None
    try:
        predict_into(
            model, dataset, predictions, max_flagged_share, predictions_format, predictions_uri
        )
    except FlaggedRowsError as error:  # the predictions were written: check them first
        flagged = error
    fail = fail_on_drift and flagged is None
    status = check_drift_into(model, dataset, predictions, min_records, fail, drift_report, drift)
    if flagged is not None:
        raise flagged
    return status


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def monitor(
    source: str,
    since: str,
    model: Input[Model],
    model_uri: str,
    drift_report: Output[HTML],
    drift: Output[Artifact],
    min_records: int = 500,  # drift.MIN_RECORDS
    fail_on_drift: bool = False,
) -> str:
    """The drift check of the records the service served since `since` (a folder, gs:// or
    bq://project.dataset.table) against the model's reference: the HTML report
    (`drift_report`, and in `drift` with the figures as JSON); fails on an alert only with `fail_on_drift`.
    Return the status: ok, warn, alert or too few records."""
    from {{ cookiecutter.package_name }}.steps.artifacts import monitor_into

    return monitor_into(
        source, since, min_records, fail_on_drift, model, model_uri, drift_report, drift
    )
