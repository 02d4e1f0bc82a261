"""Request and response bodies: the service's OpenAPI contract.

The record and prediction models are built from the data contract when the app is created, so
requests are checked against it even when no model is loaded: every feature by its name
(spaces, '/', accents and all), numbers where the contract has numeric features, text where it
has categorical ones, null for an empty value, the contract's id columns if the client has them,
and nothing else. A record's values are the model's to judge, as in batch prediction: what it
never saw in training is answered, and named in the answer's `warnings` (profile.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    create_model,
)

from {{ cookiecutter.package_name }}.contract import Contract, Feature

# The largest number every framework's model reads: XGBoost and LightGBM hold features as
# 32-bit floats, where a larger value is infinity and fails the prediction.
FLOAT32_MAX = 3.4028234663852886e38


def _within_float32(value: float) -> float:
    if abs(value) > FLOAT32_MAX:
        raise ValueError(f"{value:g} is beyond ±3.4e38, the largest number the model reads")
    return value


# Strict: JSON numbers only (no "1.5" or true); finite, and within what a float32 holds: NaN,
# Infinity and 1e39 are a 422 naming the field.
Number = Annotated[
    float,
    Field(strict=True, allow_inf_nan=False),
    AfterValidator(_within_float32),
    WithJsonSchema({"type": "number", "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX}),
]
Label = bool | int | float | str


def describe_feature(feature: Feature, training_range: tuple[float, float] | None = None) -> str:
    """A feature's OpenAPI description: its kind, the range the loaded model saw in training
    (once one is loaded), the contract's wider validation bounds, its categories."""
    described = feature.description or f"{feature.kind} feature"
    if training_range is not None:
        low, high = training_range
        described += f"; training range: {low:g} to {high:g} (outside it: answered, with a warning)"
    if feature.min is not None or feature.max is not None:
        described += f"; validation bounds of the training data: {feature.min} to {feature.max}"
    if feature.categories:
        shown = ", ".join(feature.categories[:20])
        described += f"; categories: {shown} (another: answered, with a warning)"
    if not feature.nullable:
        described += "; null: answered, with a warning (it was never empty in training)"
    return described


def record_model(contract: Contract) -> type[BaseModel]:
    """One record: the contract's features, in its order, under their own names (each may be
    null: an empty value; only a nullable one may be left out), then its id columns."""
    fields: dict[str, Any] = {}
    for index, feature in enumerate(contract.features):
        kind: Any = Number if feature.kind == "numeric" else StrictStr
        field = Field(
            default=None if feature.nullable else ...,
            alias=feature.name,
            description=describe_feature(feature),
        )
        fields[f"f{index}"] = (kind | None, field)
    for index, name in enumerate(contract.ids):
        field = Field(default=None, alias=name, description="An id, returned with the answer.")
        fields[f"i{index}"] = (StrictStr | StrictInt | None, field)
    config = ConfigDict(extra="forbid", populate_by_name=False)
    return create_model("Record", __config__=config, **fields)


class InputWarning(BaseModel):
    """A value the model never saw in training: answered as the model handles it, and named."""

    column: str
    kind: Literal["unseen_category", "out_of_range", "missing"]
    value: Any = Field(description="The value as received (null: empty).")
    message: str


def prediction_model(contract: Contract) -> type[BaseModel]:
    """One answer, per task: what batch prediction writes for the same row (its ids, when the
    record had them; its outputs; its warnings)."""
    fields: dict[str, Any] = {
        f"i{index}": (str | int | None, Field(default=None, alias=name))
        for index, name in enumerate(contract.ids)
    }
    if contract.task == "regression":
        fields["prediction"] = (float, Field(description="The predicted value."))
    else:
        fields["prediction"] = (Label, Field(description="The predicted class."))
    if contract.task == "binary":
        positive = contract.classes[-1]
        fields["probability"] = (
            float,
            Field(description=f"The probability of the positive class ({positive!r})."),
        )
    elif contract.task == "multiclass":
        fields["probabilities"] = (
            dict[str, float],
            Field(description="The probability of each class, by class."),
        )
    fields["warnings"] = (
        list[InputWarning],
        Field(description="What the record had that the model never saw in training."),
    )
    return create_model("Prediction", **fields)


def request_model(contract: Contract, max_batch: int) -> type[BaseModel]:
    """A batch of 1 to `max_batch` records, with the contract's example."""
    example: Any = contract.example_record()
    config = ConfigDict(
        extra="forbid",  # a misspelt key is named, as in a record
        json_schema_extra={"examples": [{"records": [example]}, {"records": [example] * 2}]},
    )
    records = Field(
        min_length=1,
        max_length=max_batch,
        description="Records: every feature of the contract by name (GET /model lists them).",
    )
    batch: Any = list[record_model(contract)]  # type: ignore[misc]  # a model made at run time
    return create_model("PredictRequest", __config__=config, records=(batch, records))


def response_model(contract: Contract) -> type[BaseModel]:
    """One prediction per record, and which model (or the fallback) made them."""
    answers: Any = list[prediction_model(contract)]  # type: ignore[misc]  # made at run time
    return create_model(
        "PredictResponse",
        predictions=(answers, Field(description="One answer per record, in order.")),
        model_name=(str, ...),
        model_version=(str, ...),
        fallback=(bool, Field(description="True when the fallback answered, not the model.")),
        request_id=(str, ...),
    )


class HealthResponse(BaseModel):
    """Liveness: the process answers."""

    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    """Readiness: the model is loaded and healthy, or why not."""

    status: Literal["ready", "degraded"]
    reason: str | None = None
    model_name: str | None = None
    model_version: str | None = None


class ModelInfo(BaseModel):
    """What the service knows about the loaded model and its contract."""

    loaded: bool
    ready: bool
    name: str | None = None
    version: str | None = None
    framework: str | None = None
    task: str = Field(description="binary, multiclass or regression.")
    features: list[str] = Field(description="The features a record has, by name.")
    classes: list[Label] = Field(default_factory=list, description="Classification: the classes.")
    positive_class: Label | None = Field(
        default=None, description="Binary: the class whose probability is answered."
    )
    fallback: dict[str, Any] = Field(description="What the fallback answers for a record.")
    uri: str | None = None
    loaded_at: str | None = None
    reason: str | None = Field(default=None, description="Why the service is degraded, if it is.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="The rest of metadata.json (metrics, lineage, ...)."
    )


class ErrorResponse(BaseModel):
    """A 4xx answer: what was wrong."""

    detail: Any
