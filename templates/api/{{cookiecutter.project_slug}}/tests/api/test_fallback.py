"""A model that fails never makes a 500: fallback answers, /ready degraded, logs, metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.api.predictor import (
    ModelMetadata,
    Predictor,
    SklearnPredictor,
)
from {{ cookiecutter.package_name }}.sample_model import FEATURES, SAMPLE_RECORD

from .conftest import ClientFactory, JsonLogs, metric_value

pytestmark = pytest.mark.anyio
BATCH = {"records": [SAMPLE_RECORD]}


class FlakyPredictor:
    """Answers `answer` for every record, or raises while `broken` is set."""

    def __init__(self) -> None:
        self.broken = False
        self.answer = 1.0
        self._metadata = ModelMetadata(name="flaky", version="7", features=FEATURES)

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    def predict(self, records: Sequence[Mapping[str, float]]) -> list[float]:
        if self.broken:
            raise RuntimeError("model exploded")
        return [self.answer] * len(records)


@pytest.mark.parametrize("model_uri", ["/does/not/exist", None], ids=["bad-uri", "unset"])
async def test_predict_falls_back_when_the_model_fails_to_load(
    make_client: ClientFactory, json_logs: JsonLogs, model_uri: str | None
) -> None:
    """No model: 200 with the fallback for each record, /ready 503, logged and counted."""
    async with make_client(model_uri=model_uri, fallback_prediction=-1.5) as client:
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/ready")
        info = (await client.get("/model")).json()
        response = await client.post(
            "/predict",
            json={"records": [SAMPLE_RECORD, SAMPLE_RECORD]},
            headers={"x-request-id": "fb-1"},
        )
        text = (await client.get("/metrics")).text
    assert ready.status_code == 503
    assert ready.json()["status"] == "degraded"
    assert ready.json()["reason"]
    assert (info["loaded"], info["reason"]) == (False, ready.json()["reason"])
    assert response.status_code == 200
    assert response.json() == {
        "predictions": [-1.5, -1.5],
        "model_name": "fallback",
        "model_version": "fallback",
        "fallback": True,
        "request_id": "fb-1",
    }
    assert metric_value(text, "model_fallbacks_total", reason="model_not_loaded") == 1
    assert metric_value(text, "model_predictions_total", fallback="true") == 2
    assert metric_value(text, "model_ready") == 0
    [line] = json_logs.messages("model not loaded; serving fallback")
    assert (line["request_id"], line["severity"]) == ("fb-1", "ERROR")


async def test_corrupt_model_file_serves_the_fallback(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    """A file that is not a model: degraded with the error's type, fallback answers."""
    bad = tmp_path / "model.joblib"
    bad.write_bytes(b"not a pickle")
    async with make_client(model_uri=str(bad)) as client:
        ready = await client.get("/ready")
        response = await client.post("/predict", json=BATCH)
    assert ready.status_code == 503
    assert ready.json()["reason"].startswith("model failed to load (")
    assert response.json()["fallback"] is True


async def test_model_failing_its_warm_up_is_not_ready(make_client: ClientFactory) -> None:
    """The model must answer one record at start-up, else the service is degraded."""
    flaky = FlakyPredictor()
    flaky.broken = True
    async with make_client(loader=lambda uri: flaky) as client:
        ready = await client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["reason"] == "model failed to load (RuntimeError)"


async def test_predict_falls_back_when_the_model_fails(
    make_client: ClientFactory, json_logs: JsonLogs
) -> None:
    """A prediction that raises: 200 with the fallback, /ready 503 until a good one."""
    flaky = FlakyPredictor()
    async with make_client(loader=lambda uri: flaky, fallback_prediction=0.25) as client:
        assert (await client.get("/ready")).status_code == 200
        flaky.broken = True
        response = await client.post("/predict", json=BATCH, headers={"x-request-id": "pf-1"})
        ready = await client.get("/ready")
        text = (await client.get("/metrics")).text
        flaky.broken = False
        recovered = await client.post("/predict", json=BATCH)
        assert (await client.get("/ready")).status_code == 200
    assert response.status_code == 200
    assert response.json() == {
        "predictions": [0.25],
        "model_name": "flaky",
        "model_version": "7",
        "fallback": True,
        "request_id": "pf-1",
    }
    assert ready.status_code == 503
    assert ready.json()["reason"] == "prediction failed (RuntimeError)"
    assert metric_value(text, "model_fallbacks_total", reason="predict_error") == 1
    status_200 = {"method": "POST", "route": "/predict", "status": "200"}
    assert metric_value(text, "http_requests_total", **status_200) == 1
    assert recovered.json()["fallback"] is False
    [error] = json_logs.messages("prediction failed; serving fallback")
    assert (error["request_id"], error["severity"]) == ("pf-1", "ERROR")
    assert "model exploded" in error["exception"]


async def test_degraded_only_after_consecutive_failures(make_client: ClientFactory) -> None:
    """degrade_after_failures=2: one failure leaves /ready green, the second turns it red."""
    flaky = FlakyPredictor()
    async with make_client(loader=lambda uri: flaky, degrade_after_failures=2) as client:
        flaky.broken = True
        assert (await client.post("/predict", json=BATCH)).json()["fallback"] is True
        assert (await client.get("/ready")).status_code == 200
        assert (await client.post("/predict", json=BATCH)).json()["fallback"] is True
        assert (await client.get("/ready")).status_code == 503


async def test_degraded_state_expires(make_client: ClientFactory) -> None:
    """After degraded_ttl_seconds the service reports ready again."""
    flaky = FlakyPredictor()
    async with make_client(loader=lambda uri: flaky, degraded_ttl_seconds=0.0) as client:
        flaky.broken = True
        assert (await client.post("/predict", json=BATCH)).json()["fallback"] is True
        assert (await client.get("/ready")).status_code == 200


class NaNEstimator:
    """An estimator that answers NaN."""

    def predict(self, x: Any) -> Any:
        import numpy as np

        return np.full(len(x), np.nan)


async def test_non_finite_warm_up_is_a_load_failure(make_client: ClientFactory) -> None:
    """A model that answers NaN at start-up is not served."""

    def loader(uri: str) -> Predictor:
        meta = ModelMetadata(name="nan", version="0", features=FEATURES)
        return SklearnPredictor(NaNEstimator(), meta)

    async with make_client(loader=loader) as client:
        assert (await client.get("/ready")).status_code == 503
        assert (await client.post("/predict", json=BATCH)).json()["fallback"] is True


async def test_non_finite_output_falls_back_without_degrading(
    make_client: ClientFactory, json_logs: JsonLogs
) -> None:
    """A model answering NaN for a request: the fallback for it, /ready stays green."""
    flaky = FlakyPredictor()
    async with make_client(loader=lambda uri: flaky, fallback_prediction=-1.0) as client:
        flaky.answer = float("nan")  # e.g. extreme inputs overflowing the model
        response = await client.post("/predict", json=BATCH, headers={"x-request-id": "nf"})
        assert (await client.get("/ready")).status_code == 200
        text = (await client.get("/metrics")).text
    assert response.json()["fallback"] is True
    assert response.json()["predictions"] == [-1.0]
    assert metric_value(text, "model_fallbacks_total", reason="non_finite_output") == 1
    [line] = json_logs.messages("model gave non-finite values; serving fallback")
    assert line["request_id"] == "nf"
