"""Request and response bodies: they are the service's OpenAPI contract."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from {{ cookiecutter.package_name }}.sample_model import SAMPLE_RECORD

# Strict: JSON numbers only (no "1.5" or true); finite: NaN and Infinity are a 422.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Record = dict[str, Number]
_EXAMPLE: dict[str, Any] = dict(SAMPLE_RECORD)


class PredictRequest(BaseModel):
    """A batch of records to predict."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"records": [_EXAMPLE]}, {"records": [_EXAMPLE] * 2}]}
    )

    records: list[Record] = Field(
        min_length=1,
        description="Records: feature name -> finite number. Keys the model does not use are "
        "ignored; GET /model lists the features.",
    )


class PredictResponse(BaseModel):
    """One prediction per record, and which model (or the fallback) made them."""

    predictions: list[float] = Field(
        description="One value per record, in order: for a binary classifier the probability "
        "of the positive class (GET /model says which output), else the model's prediction."
    )
    model_name: str
    model_version: str
    fallback: bool = Field(description="True when the configured fallback value was served.")
    request_id: str


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
    """What the service knows about the loaded model."""

    loaded: bool
    ready: bool
    name: str | None = None
    version: str | None = None
    framework: str | None = None
    output: str | None = Field(
        default=None,
        description="What a prediction is: 'probability' (of positive_class) or 'prediction'.",
    )
    positive_class: str | None = None
    features: list[str] = Field(default_factory=list)
    uri: str | None = None
    loaded_at: str | None = None
    reason: str | None = Field(default=None, description="Why the service is degraded, if it is.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="The rest of metadata.json (metrics, label, ...)."
    )


class ErrorResponse(BaseModel):
    """A 4xx answer: what was wrong."""

    detail: Any
