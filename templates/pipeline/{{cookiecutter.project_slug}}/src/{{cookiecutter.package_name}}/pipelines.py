"""The pipelines (KFP v2): the same definitions run locally and on Vertex AI Pipelines.

Training: ingest and validate, split once, train and evaluate every candidate (a grid of the
framework's main hyper-parameter, `dsl.ParallelFor`), select the best; if it passes the gate:
export, register (with its lineage) and compare with the champion on the same held-out rows.
Batch prediction: resolve the model (a folder or a registry URI, at run time), ingest and
validate the input, predict, check the input and the predictions for drift against the
model's reference. Monitoring: the drift check of the records the service served in a window,
against a model's reference (the champion's by default), and, when asked, a training run on
an alert. Steps that always run together share a task (see `components.py`); each task has
the CPU and memory of the step_resources setting (sizing.py): its machine on Vertex AI.
"""

from collections.abc import Callable, Mapping

from kfp import dsl

from {{ cookiecutter.package_name }} import components as c
from {{ cookiecutter.package_name }}.contract import DRIFT_MIN_RECORDS, MAX_FLAGGED_SHARE
from {{ cookiecutter.package_name }}.sizing import StepResources, size
from {{ cookiecutter.package_name }}.steps.evaluate import default_contract_gate

# Pipeline names: lowercase letters, digits and dashes (KFP's and Vertex AI's rule).
NAME = "{{ cookiecutter.__pipeline_name }}"
TRAINING_PIPELINE = f"{NAME}-training"
BATCH_PREDICTION_PIPELINE = f"{NAME}-batch-prediction"
MONITORING_PIPELINE = f"{NAME}-monitoring"
CHAMPION = f"models:/{NAME}@champion"
# The batch pipeline's check of its predictions: the validate-data task, shown under this name
# (on Vertex, in `make predict`'s steps) and sized by it (step_resources).
OUTPUT_CHECK = "validate-predictions"
SHOWN_AS = {"validate-data": OUTPUT_CHECK}
# The gate's defaults for the data contract's task (roc_auc, f1_macro or r2): local runs and
# submissions pass their own; these are what a compiled spec shows.
GATE_METRIC, GATE_THRESHOLD = default_contract_gate()
# How many candidates train at once on Vertex AI (the candidate_parallelism setting); local
# runs train them one after another.
DEFAULT_PARALLELISM = 3
# Each step's CPU and memory limits (its machine on Vertex AI): the step_resources setting;
# None: sizing.py's defaults.
Resources = Mapping[str, StepResources] | None


def make_training_pipeline(
    parallelism: int = DEFAULT_PARALLELISM, resources: Resources = None
) -> Callable[..., bool]:
    """The training pipeline, its candidates trained `parallelism` at a time, each step
    sized by `resources`."""

    @dsl.pipeline(
        name=TRAINING_PIPELINE,
        description="ingest, validate, train candidates, select, export and register if the "
        "best passes the gate, promote it if it beats the champion",
    )
    def training_pipeline(
        data_uri: str,
        candidates: list[str] = ["{}"],  # noqa: B006  # KFP needs a literal default
        metric: str = GATE_METRIC,
        threshold: float = GATE_THRESHOLD,
        test_fraction: float = 0.25,
        seed: int = 42,
        export_uri: str = "",
        registry_uri: str = "registry",
        model_name: str = NAME,
        registry_staging_uri: str = "",
        source_commit: str = "",
        sample_data: bool = False,
        train_sample_rows: int = 0,
    ) -> bool:
        """Return whether the best candidate passed the gate (and so was registered)."""
        ingest_task = c.ingest_validate(source=data_uri, suite="training", fail_on_error=True)
        ingest_task.set_caching_options(False)  # the file behind data_uri may change
        size(ingest_task, "ingest-validate", resources)
        split_task = c.split(
            dataset=ingest_task.outputs["dataset"],
            test_fraction=test_fraction,
            seed=seed,
            sample_rows=train_sample_rows,
        )
        size(split_task, "split", resources)

        with dsl.ParallelFor(items=candidates, parallelism=parallelism) as params:
            candidate_task = c.train_evaluate(
                train_data=split_task.outputs["train_data"],
                test_data=split_task.outputs["test_data"],
                params=params,
                metric=metric,
                threshold=threshold,
            )
            size(candidate_task, "train-evaluate", resources)
        select_task = c.select_best(
            evaluations=dsl.Collected(candidate_task.outputs["evaluation"]),
            models=dsl.Collected(candidate_task.outputs["model"]),
        )
        size(select_task, "select-best", resources)

        # The gate reads the single unnamed output: kfp.local cannot resolve a NamedTuple
        # field in a condition and would silently skip the branch.
        with dsl.If(select_task.outputs["Output"] == True, name="passed-the-gate"):  # noqa: E712
            publish_task = c.export_register_promote(
                model=select_task.outputs["best_model"],
                evaluation=select_task.outputs["best_evaluation"],
                dataset=ingest_task.outputs["dataset"],
                test_data=split_task.outputs["test_data"],
                export_uri=export_uri,
                registry_uri=registry_uri,
                model_name=model_name,
                staging_uri=registry_staging_uri,
                metric=metric,
                source_commit=source_commit,
                pipeline_run=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
                sample_data=sample_data,
            )
            publish_task.set_caching_options(False)  # the registry changes between runs
            size(publish_task, "export-register-promote", resources)

        passed: bool = select_task.outputs["Output"]
        return passed

    pipeline: Callable[..., bool] = training_pipeline
    return pipeline


training_pipeline = make_training_pipeline()


def make_batch_prediction_pipeline(resources: Resources = None) -> Callable[..., dsl.Dataset]:
    """The batch-prediction pipeline, each step sized by `resources`."""

    @dsl.pipeline(
        name=BATCH_PREDICTION_PIPELINE,
        description="a model and data give validated input, predictions, and a drift report",
    )
    def batch_prediction_pipeline(
        model_uri: str,
        data_uri: str,
        registry_uri: str = "registry",
        registry_staging_uri: str = "",
        fail_on_drift: bool = False,
        max_flagged_share: float = MAX_FLAGGED_SHARE,
        min_records: int = DRIFT_MIN_RECORDS,
        predictions_format: str = "parquet",
        predictions_uri: str = "",
    ) -> dsl.Dataset:
        """Return the predictions (a folder of Parquet or CSV shards; also delivered to
        `predictions_uri` when given: a folder, gs://bucket/prefix or
        bq://project.dataset.table)."""
        # The input's columns, as the contract has them (its values: row by row, in predict).
        # First: the local runner runs independent tasks in the order they are defined.
        ingest_task = c.ingest_validate(source=data_uri, suite="features", fail_on_error=True)
        ingest_task.set_caching_options(False)
        size(ingest_task, "ingest-validate", resources)

        model_task = c.resolve_model(
            model_uri=model_uri, registry_uri=registry_uri, staging_uri=registry_staging_uri
        )
        model_task.set_caching_options(False)  # an alias may point elsewhere tomorrow
        size(model_task, "resolve-model", resources)

        # Every row answered, with its warnings (more than max_flagged_share flagged fails);
        # then the drift check of the input and the predictions against the model's reference.
        predict_task = c.predict_check_drift(
            model=model_task.outputs["model"],
            dataset=ingest_task.outputs["dataset"],
            max_flagged_share=max_flagged_share,
            min_records=min_records,
            fail_on_drift=fail_on_drift,
            predictions_format=predictions_format,
            predictions_uri=predictions_uri,
        )
        size(predict_task, "predict-check-drift", resources)

        # The predictions' columns and ranges, and your predictions_checks (checks.py): told,
        # never fatal (drift is the drift check's to judge).
        output_check = c.validate_data(
            dataset=predict_task.outputs["predictions"],
            suite="predictions",
            fail_on_error=False,
        )
        output_check.set_display_name(OUTPUT_CHECK)
        size(output_check, OUTPUT_CHECK, resources)

        predictions: dsl.Dataset = predict_task.outputs["predictions"]
        return predictions

    pipeline: Callable[..., dsl.Dataset] = batch_prediction_pipeline
    return pipeline


batch_prediction_pipeline = make_batch_prediction_pipeline()


def make_monitoring_pipeline(
    parallelism: int = DEFAULT_PARALLELISM, resources: Resources = None
) -> Callable[..., str]:
    """The monitoring pipeline, each step sized by `resources`; a training run it starts
    trains `parallelism` at a time, sized as training is."""
    training = make_training_pipeline(parallelism, resources)

    @dsl.pipeline(
        name=MONITORING_PIPELINE,
        description="the drift check of the served records against the model's reference; "
        "with retrain_on_alert, a training run when it says alert",
    )
    def monitoring_pipeline(
        source: str,
        model_uri: str = CHAMPION,
        since: str = "7d",
        min_records: int = DRIFT_MIN_RECORDS,
        fail_on_drift: bool = False,
        registry_uri: str = "registry",
        registry_staging_uri: str = "",
        retrain_on_alert: bool = False,
        data_uri: str = "",
        candidates: list[str] = ["{}"],  # noqa: B006  # KFP needs a literal default
        metric: str = GATE_METRIC,
        threshold: float = GATE_THRESHOLD,
        test_fraction: float = 0.25,
        seed: int = 42,
        export_uri: str = "",
        model_name: str = NAME,
        source_commit: str = "",
        sample_data: bool = False,
        train_sample_rows: int = 0,
    ) -> str:
        """Return the check's status: ok, warn, alert or too few records."""
        model_task = c.resolve_model(
            model_uri=model_uri, registry_uri=registry_uri, staging_uri=registry_staging_uri
        )
        model_task.set_caching_options(False)  # the champion may change
        size(model_task, "resolve-model", resources)
        monitor_task = c.monitor(
            source=source,
            since=since,
            model=model_task.outputs["model"],
            model_uri=model_task.outputs["Output"],
            min_records=min_records,
            fail_on_drift=fail_on_drift,
        )
        monitor_task.set_caching_options(False)  # new records arrive
        size(monitor_task, "monitor", resources)
        # Off by default: a training run on the data at data_uri, as scheduled training runs
        # (the gate, the registry and the champion's comparison decide what it changes).
        with (
            dsl.If(retrain_on_alert == True, name="retrain-on-alert"),  # noqa: E712
            dsl.If(monitor_task.outputs["Output"] == "alert", name="drift-alert"),
        ):
            training(
                data_uri=data_uri,
                candidates=candidates,
                metric=metric,
                threshold=threshold,
                test_fraction=test_fraction,
                seed=seed,
                export_uri=export_uri,
                registry_uri=registry_uri,
                model_name=model_name,
                registry_staging_uri=registry_staging_uri,
                source_commit=source_commit,
                sample_data=sample_data,
                train_sample_rows=train_sample_rows,
            )
        status: str = monitor_task.outputs["Output"]
        return status

    pipeline: Callable[..., str] = monitoring_pipeline
    return pipeline


monitoring_pipeline = make_monitoring_pipeline()
