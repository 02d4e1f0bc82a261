"""Every endpoint, bad input, request ids, the access log and the metrics (in-process)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest

from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.ops.config import Settings
from {{ cookiecutter.package_name }}.sample_model import FEATURES, SAMPLE_RECORD

from .conftest import ClientFactory, JsonLogs, metric_value, serve_in_process

pytestmark = pytest.mark.anyio
SAMPLE_NAME = "{{ cookiecutter.project_slug }}-sample"


async def test_health_ready_and_model_describe_the_service(
    make_client: ClientFactory, model_dir: Path
) -> None:
    """/health is 200, /ready names the model, /model tells what a prediction is."""
    async with make_client() as client:
        health = await client.get("/health")
        ready = await client.get("/ready")
        info = (await client.get("/model")).json()
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "reason": None,
        "model_name": SAMPLE_NAME,
        "model_version": "0.1.0",
    }
    assert (info["loaded"], info["ready"], info["name"]) == (True, True, SAMPLE_NAME)
    assert (info["output"], info["positive_class"]) == ("probability", "1")
    assert info["features"] == FEATURES
    assert info["uri"] == str(model_dir)
    assert info["metadata"]["label"] == "default"
    assert info["metadata"]["metrics"]["roc_auc"] > 0.6


async def test_predict_answers_the_positive_class_probability(
    make_client: ClientFactory, model_dir: Path
) -> None:
    """A batch in, one probability per record out, with the model's name and version."""
    other = {**SAMPLE_RECORD, "late_payments": 6.0, "ignored_extra_key": 1.0}
    async with make_client() as client:
        response = await client.post("/predict", json={"records": [SAMPLE_RECORD, other]})
    assert response.status_code == 200
    body = response.json()
    model = joblib.load(model_dir / "model.joblib")
    rows = np.array([[r[f] for f in FEATURES] for r in (SAMPLE_RECORD, other)])
    assert body["predictions"] == pytest.approx(model.predict_proba(rows)[:, 1].tolist())
    assert body["predictions"][1] > body["predictions"][0]  # late payments raise the risk
    assert (body["model_name"], body["model_version"]) == (SAMPLE_NAME, "0.1.0")
    assert body["fallback"] is False
    assert body["request_id"] == response.headers["x-request-id"]


async def test_openapi_documents_the_model_contract_with_examples(
    make_client: ClientFactory,
) -> None:
    """The docs page answers; the schema has the batch limit, the features and examples."""
    async with make_client(max_batch_size=7) as client:
        assert (await client.get("/docs")).status_code == 200
        schema = (await client.get("/openapi.json")).json()
    request_schema = schema["components"]["schemas"]["PredictRequest"]
    assert request_schema["examples"][0] == {"records": [SAMPLE_RECORD]}
    records = request_schema["properties"]["records"]
    assert records["maxItems"] == 7
    assert records["items"]["required"] == FEATURES
    assert {"/health", "/ready", "/predict", "/model", "/metrics"} <= set(schema["paths"])


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"records": [{**SAMPLE_RECORD, "age": "42"}]}, ["body", "records", 0, "age"]),
        ({"records": [{**SAMPLE_RECORD, "age": True}]}, ["body", "records", 0, "age"]),
        (
            {"records": [SAMPLE_RECORD, {k: v for k, v in SAMPLE_RECORD.items() if k != "age"}]},
            ["body", "records", 1, "age"],
        ),
        ({"rows": [SAMPLE_RECORD]}, ["body", "records"]),
        ({"records": []}, ["body", "records"]),
        ({"records": [SAMPLE_RECORD] * 3}, ["body", "records"]),
    ],
    ids=["string", "boolean", "missing-feature", "no-records", "empty-batch", "over-max-batch"],
)
async def test_bad_input_is_a_422_naming_the_field(
    make_client: ClientFactory, payload: dict[str, Any], loc: list[Any]
) -> None:
    """A bad record or batch is a 422 whose detail points at the field, never a trace."""
    async with make_client(max_batch_size=2) as client:
        response = await client.post("/predict", json=payload)
        assert (await client.get("/health")).status_code == 200
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b'{"records": [{"age": NaN}]}', 422),
        (b'{"records": [{"age": Infinity}]}', 422),
        (b"{not json", 422),
        (b'{"records": [{"age": "\xff"}]}', 400),
    ],
    ids=["nan", "infinity", "not-json", "not-utf8"],
)
async def test_undecodable_bodies_are_client_errors(
    make_client: ClientFactory, content: bytes, status: int
) -> None:
    """NaN, Infinity, broken JSON and non-UTF-8 bytes are 4xx answers."""
    async with make_client() as client:
        response = await client.post(
            "/predict", content=content, headers={"content-type": "application/json"}
        )
    assert response.status_code == status
    assert "Traceback" not in response.text


async def test_body_over_the_limit_is_a_413_before_it_is_read(
    make_client: ClientFactory,
) -> None:
    """Content-Length over max_body_bytes: 413 at once, and the server goes on."""
    async with make_client(max_body_bytes=1000) as client:
        response = await client.post("/predict", json={"records": [SAMPLE_RECORD] * 50})
        assert response.status_code == 413
        assert "1000 bytes" in response.json()["detail"]
        assert (await client.get("/health")).status_code == 200


async def test_streamed_body_over_the_limit_is_a_413(make_client: ClientFactory) -> None:
    """A chunked body is cut off as soon as it passes the limit; the rest is never read."""
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(100):
            sent.append(i)
            yield b"x" * 100

    async with make_client(max_body_bytes=1000) as client:
        response = await client.post(
            "/predict", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert len(sent) < 100


async def test_unknown_route_is_404_and_wrong_method_405(make_client: ClientFactory) -> None:
    """Routing errors are plain 4xx answers."""
    async with make_client() as client:
        assert (await client.get("/nope")).status_code == 404
        assert (await client.get("/predict")).status_code == 405


async def test_unexpected_error_is_a_500_without_internals(
    model_dir: Path, json_logs: JsonLogs
) -> None:
    """A bug in a route is a 500 JSON answer with the request id; the log has the trace."""
    app = create_app(Settings(model_uri=str(model_dir)))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    async with serve_in_process(app) as client:
        response = await client.get("/boom", headers={"x-request-id": "boom-1"})
        assert (await client.get("/health")).status_code == 200
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error", "request_id": "boom-1"}
    assert "secret" not in response.text
    [error] = json_logs.messages("unhandled error")
    assert error["request_id"] == "boom-1"
    assert "secret internals" in error["exception"]


async def test_request_id_is_echoed_generated_and_logged(
    make_client: ClientFactory, json_logs: JsonLogs
) -> None:
    """X-Request-ID comes back (or a fresh one), and every line of the request carries it."""
    async with make_client(prediction_log_sample_rate=1.0) as client:
        response = await client.post(
            "/predict", json={"records": [SAMPLE_RECORD]}, headers={"X-Request-ID": "abc-123"}
        )
        generated = (await client.get("/health")).headers["x-request-id"]
        refused = await client.get("/health", headers={"x-request-id": "x" * 500})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json()["request_id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
    [prediction] = json_logs.messages("prediction")  # sampled: rate 1.0 logs every one
    assert prediction["request_id"] == "abc-123"
    assert prediction["records"] == [SAMPLE_RECORD]
    assert len(prediction["predictions"]) == 1


async def test_access_log_is_one_json_line_per_request(
    make_client: ClientFactory, json_logs: JsonLogs
) -> None:
    """Method, path, route, status, latency and request id, in Cloud Logging's format."""
    async with make_client() as client:
        await client.post(
            "/predict", json={"records": [SAMPLE_RECORD]}, headers={"x-request-id": "r1"}
        )
        await client.get("/nope", headers={"x-request-id": "r2"})
    first, second = json_logs.messages("request")
    assert first["severity"] == "INFO"
    assert "time" in first
    assert {k: first[k] for k in ("method", "path", "route", "status", "request_id")} == {
        "method": "POST",
        "path": "/predict",
        "route": "/predict",
        "status": 200,
        "request_id": "r1",
    }
    assert isinstance(first["latency_ms"], float)
    assert first["latency_ms"] >= 0
    assert (second["status"], second["route"]) == (404, "<unmatched>")
    assert "logging.googleapis.com/trace" not in first  # no GCP project configured


async def test_cloud_trace_context_is_correlated(
    make_client: ClientFactory, json_logs: JsonLogs
) -> None:
    """With a GCP project, X-Cloud-Trace-Context (or traceparent) becomes the trace field."""
    trace = "105445aa7843bc8bf206b12000100000"
    async with make_client(gcp_project="my-proj") as client:
        await client.get("/health", headers={"X-Cloud-Trace-Context": f"{trace}/1;o=1"})
        await client.get("/health", headers={"traceparent": f"00-{'a' * 32}-{'b' * 16}-01"})
        await client.get("/health", headers={"X-Cloud-Trace-Context": "garbage"})
    cloud, w3c, garbage = json_logs.messages("request")
    assert cloud["logging.googleapis.com/trace"] == f"projects/my-proj/traces/{trace}"
    assert w3c["logging.googleapis.com/trace"] == f"projects/my-proj/traces/{'a' * 32}"
    assert "logging.googleapis.com/trace" not in garbage


async def test_predictions_are_not_logged_when_sampling_is_off(
    make_client: ClientFactory, json_logs: JsonLogs
) -> None:
    """prediction_log_sample_rate=0 (the default) logs no prediction."""
    async with make_client() as client:
        for _ in range(5):
            await client.post("/predict", json={"records": [SAMPLE_RECORD]})
    assert json_logs.messages("prediction") == []
    assert len(json_logs.messages("request")) == 5


async def test_metrics_count_requests_latency_and_predictions(
    make_client: ClientFactory,
) -> None:
    """/metrics has requests by route and status, latency, records and readiness."""
    async with make_client(max_body_bytes=2000) as client:
        for _ in range(3):
            await client.post("/predict", json={"records": [SAMPLE_RECORD, SAMPLE_RECORD]})
        await client.post("/predict", json={"records": []})
        await client.post("/predict", json={"records": [SAMPLE_RECORD] * 40})  # a 413
        await client.get("/nope")
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    requests = "http_requests_total"
    assert metric_value(text, requests, method="POST", route="/predict", status="200") == 3
    assert metric_value(text, requests, method="POST", route="/predict", status="422") == 1
    assert metric_value(text, requests, method="POST", route="/predict", status="413") == 1
    assert metric_value(text, requests, method="GET", route="<unmatched>", status="404") == 1
    latency = "http_request_duration_seconds_count"
    assert metric_value(text, latency, method="POST", route="/predict") == 5
    assert metric_value(text, "model_predictions_total", fallback="false") == 6
    assert metric_value(text, "model_inference_duration_seconds_count") == 3
    assert metric_value(text, "model_ready") == 1
    assert metric_value(text, "model_info", name=SAMPLE_NAME, version="0.1.0") == 1
