{%- set name = cookiecutter.project_slug | lower | replace("_", "-") | replace(".", "-") -%}
{%- if name[0] in "0123456789" %}{% set name = "pipeline-" ~ name %}{% endif -%}
"""The pipelines (KFP v2): the same definitions run locally and on Vertex AI Pipelines."""

from kfp import dsl

from {{ cookiecutter.package_name }} import components as c
from {{ cookiecutter.package_name }}.steps.evaluate import default_contract_gate

# Pipeline names: lowercase letters, digits and dashes (KFP's and Vertex AI's rule).
NAME = "{{ name }}"
TRAINING_PIPELINE = f"{NAME}-training"
BATCH_PREDICTION_PIPELINE = f"{NAME}-batch-prediction"
# The gate's defaults for the data contract's task (roc_auc, f1_macro or r2): local runs and
# submissions pass their own; these are what a compiled spec shows.
GATE_METRIC, GATE_THRESHOLD = default_contract_gate()


@dsl.pipeline(
    name=TRAINING_PIPELINE,
    description="ingest, validate, train, evaluate, and export if the model passes the gate",
)
def training_pipeline(
    data_uri: str,
    metric: str = GATE_METRIC,
    threshold: float = GATE_THRESHOLD,
    params: str = "{}",
    test_fraction: float = 0.25,
    seed: int = 42,
    export_uri: str = "",
) -> bool:
    """Return whether the evaluation passed the gate (and so whether a model was exported)."""
    ingest_task = c.ingest(source=data_uri)
    ingest_task.set_caching_options(False)  # the file behind data_uri may change

    validate_task = c.validate_data(
        dataset=ingest_task.outputs["dataset"], suite="training", fail_on_error=True
    )

    train_task = c.train(
        dataset=ingest_task.outputs["dataset"],
        params=params,
        test_fraction=test_fraction,
        seed=seed,
    ).after(validate_task)

    eval_task = c.evaluate(
        model=train_task.outputs["model"],
        test_data=train_task.outputs["test_data"],
        metric=metric,
        threshold=threshold,
    )

    # The gate reads the single unnamed output: kfp.local cannot resolve a NamedTuple
    # field in a condition and would silently skip the branch.
    with dsl.If(eval_task.outputs["Output"] == True, name="evaluation-passed"):  # noqa: E712
        export_task = c.export_model(
            model=train_task.outputs["model"],
            evaluation=eval_task.outputs["evaluation"],
            export_uri=export_uri,
        )
        export_task.set_caching_options(False)

    passed: bool = eval_task.outputs["Output"]
    return passed


@dsl.pipeline(
    name=BATCH_PREDICTION_PIPELINE,
    description="a model and data give validated input, predictions, monitored predictions",
)
def batch_prediction_pipeline(
    model_uri: str,
    data_uri: str,
    fail_on_drift: bool = False,
) -> dsl.Dataset:
    """Return the predictions table (CSV)."""
    model = dsl.importer(artifact_uri=model_uri, artifact_class=dsl.Model, reimport=False)

    ingest_task = c.ingest(source=data_uri)
    ingest_task.set_caching_options(False)

    # The training's feature checks, without the label.
    input_check = c.validate_data(
        dataset=ingest_task.outputs["dataset"], suite="features", fail_on_error=True
    )
    input_check.set_display_name("validate-input")

    predict_task = c.predict(model=model.output, dataset=ingest_task.outputs["dataset"]).after(
        input_check
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
