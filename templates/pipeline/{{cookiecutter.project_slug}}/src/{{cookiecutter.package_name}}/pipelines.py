"""The pipelines (KFP v2): the same definitions run locally and on Vertex AI Pipelines.

Training: ingest and validate, split once, train and evaluate every candidate (a grid of the
framework's main hyper-parameter, `dsl.ParallelFor`), select the best; if it passes the gate:
export, register (with its lineage) and compare with the champion on the same held-out rows.
Batch prediction: resolve the model (a folder or a registry URI, at run time), ingest and
validate the input, predict, monitor the predictions. Steps that always run together share a
task (see `components.py`).
"""

from collections.abc import Callable

from kfp import dsl

from {{ cookiecutter.package_name }} import components as c
from {{ cookiecutter.package_name }}.contract import MAX_FLAGGED_SHARE
from {{ cookiecutter.package_name }}.steps.evaluate import default_contract_gate

# Pipeline names: lowercase letters, digits and dashes (KFP's and Vertex AI's rule).
NAME = "{{ cookiecutter.__pipeline_name }}"
TRAINING_PIPELINE = f"{NAME}-training"
BATCH_PREDICTION_PIPELINE = f"{NAME}-batch-prediction"
# The gate's defaults for the data contract's task (roc_auc, f1_macro or r2): local runs and
# submissions pass their own; these are what a compiled spec shows.
GATE_METRIC, GATE_THRESHOLD = default_contract_gate()
# How many candidates train at once on Vertex AI (the candidate_parallelism setting); local
# runs train them one after another.
DEFAULT_PARALLELISM = 3


def make_training_pipeline(parallelism: int = DEFAULT_PARALLELISM) -> Callable[..., bool]:
    """The training pipeline, its candidates trained `parallelism` at a time."""

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
    ) -> bool:
        """Return whether the best candidate passed the gate (and so was registered)."""
        ingest_task = c.ingest_validate(source=data_uri, suite="training", fail_on_error=True)
        ingest_task.set_caching_options(False)  # the file behind data_uri may change
        split_task = c.split(
            dataset=ingest_task.outputs["dataset"], test_fraction=test_fraction, seed=seed
        )

        with dsl.ParallelFor(items=candidates, parallelism=parallelism) as params:
            candidate_task = c.train_evaluate(
                train_data=split_task.outputs["train_data"],
                test_data=split_task.outputs["test_data"],
                params=params,
                metric=metric,
                threshold=threshold,
            )
        select_task = c.select_best(
            evaluations=dsl.Collected(candidate_task.outputs["evaluation"]),
            models=dsl.Collected(candidate_task.outputs["model"]),
        )

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

        passed: bool = select_task.outputs["Output"]
        return passed

    pipeline: Callable[..., bool] = training_pipeline
    return pipeline


training_pipeline = make_training_pipeline()


@dsl.pipeline(
    name=BATCH_PREDICTION_PIPELINE,
    description="a model and data give validated input, predictions, monitored predictions",
)
def batch_prediction_pipeline(
    model_uri: str,
    data_uri: str,
    registry_uri: str = "registry",
    registry_staging_uri: str = "",
    fail_on_drift: bool = False,
    max_flagged_share: float = MAX_FLAGGED_SHARE,
) -> dsl.Dataset:
    """Return the predictions (a folder holding predictions.csv)."""
    # The input's columns, as the contract has them (its values: row by row, in predict).
    # First: the local runner runs independent tasks in the order they are defined.
    ingest_task = c.ingest_validate(source=data_uri, suite="features", fail_on_error=True)
    ingest_task.set_caching_options(False)

    model_task = c.resolve_model(
        model_uri=model_uri, registry_uri=registry_uri, staging_uri=registry_staging_uri
    )
    model_task.set_caching_options(False)  # an alias may point elsewhere tomorrow

    # Every row answered, with its warnings; more than max_flagged_share flagged fails.
    predict_task = c.predict(
        model=model_task.outputs["model"],
        dataset=ingest_task.outputs["dataset"],
        max_flagged_share=max_flagged_share,
    )

    # Model monitoring: ranges and distribution bounds of the predictions.
    output_check = c.validate_data(
        dataset=predict_task.outputs["predictions"],
        suite="predictions",
        fail_on_error=fail_on_drift,
    )
    output_check.set_display_name("validate-predictions")

    predictions: dsl.Dataset = predict_task.outputs["predictions"]
    return predictions
