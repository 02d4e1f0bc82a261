"""KFP v2 components: thin wrappers around the functions of `steps/`.

Rules for editing (KFP lightweight components):

* only the function body is shipped to the task: import what it uses INSIDE the body;
  the module-level imports here serve the decorators and annotations only;
* no `from __future__ import annotations` in this module: KFP reads the real annotations;
* `install_kfp_package=False` and no `packages_to_install`: the image (and, locally, the
  project's .venv) already has kfp and this package, so a task never runs `pip install`.

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
def train(
    dataset: Input[Dataset],
    params: str,
    test_fraction: float,
    seed: int,
    model: Output[Model],
    test_data: Output[Dataset],
) -> None:
    """Fit the model the data contract describes (`params`: the framework's hyper-parameters,
    JSON); also emit the held-out test split."""
    import json

    from {{ cookiecutter.package_name }}.model import params_from
    from {{ cookiecutter.package_name }}.steps.train import train as run_train

    settings = params_from(json.loads(params))
    info = run_train(dataset.path, model.path, test_data.path, settings, test_fraction, seed)
    model.metadata.update(info)
    test_data.metadata["rows"] = info["test_rows"]


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
def export_model(
    model: Input[Model], evaluation: Input[Artifact], export_uri: str, exported_model: Output[Model]
) -> str:
    """Write the servable model folder; also to `export_uri` when given. Return its URI."""
    from {{ cookiecutter.package_name }}.steps.export import export_model as run_export
    from {{ cookiecutter.package_name }}.steps.io import read_json

    report = read_json(evaluation.path)
    extra = {"source_model": model.uri}
    run_export(model.path, exported_model.path, report, extra)
    exported_model.metadata.update({"metrics": report["metrics"], **dict(model.metadata)})
    if export_uri:
        run_export(model.path, export_uri, report, extra)
        return export_uri
    return str(exported_model.uri)


@dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)
def predict(model: Input[Model], dataset: Input[Dataset], predictions: Output[Dataset]) -> None:
    """Batch predictions: the ids (or the input) and the contract's output columns."""
    from {{ cookiecutter.package_name }}.steps.predict import predict_file

    predictions.metadata.update(predict_file(model.path, dataset.path, predictions.path))
