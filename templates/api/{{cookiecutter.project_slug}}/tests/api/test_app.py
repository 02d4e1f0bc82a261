"""Every endpoint, bad input, request ids, the access log and the metrics (in-process).

The records come from the service's data contract, never from the sample's column names.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.model import load_model
from {{ cookiecutter.package_name }}.ops.config import Settings

from .conftest import (
    ClientFactory,
    JsonLogs,
    assert_same_answers,
    metric_value,
    serve_in_process,
)

pytestmark = pytest.mark.anyio
SAMPLE_NAME = "{{ cookiecutter.project_slug }}-sample"


def exported_version(model_dir: Path) -> str:
    """The version the model's metadata.json gives it: its own, never the package's."""
    version = str(json.loads((model_dir / "metadata.json").read_text())["version"])
    assert version.startswith("sample-"), version
    return version


def first(contract: Contract, kind: str) -> str | None:
    """The name of the contract's first feature of `kind`, if it has one."""
    return next((f.name for f in contract.features if f.kind == kind), None)


async def test_health_ready_and_model_describe_the_service(
    make_client: ClientFactory, model_dir: Path, contract: Contract
) -> None:
    """/health is 200, /ready names the model, /model tells the task, features and classes."""
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
        "model_version": exported_version(model_dir),
    }
    assert (info["loaded"], info["ready"], info["name"]) == (True, True, SAMPLE_NAME)
    assert (info["task"], info["features"]) == (contract.task, contract.feature_names)
    assert info["classes"] == contract.classes
    assert info["uri"] == str(model_dir)
    assert info["metadata"]["label"] == contract.label.name
    assert info["metadata"]["metrics"]


async def test_predict_answers_what_the_model_answers(
    make_client: ClientFactory, model_dir: Path, contract: Contract, record: dict[str, Any]
) -> None:
    """A batch in, one answer per record out (the batch pipeline's values), with the model's
    name and version."""
    async with make_client() as client:
        response = await client.post("/predict", json={"records": [record, record]})
    assert response.status_code == 200
    body = response.json()
    row = [record[name] for name in contract.feature_names]
    assert_same_answers(body["predictions"], load_model(model_dir).predict_rows([row, row]))
    assert (
        set(body["predictions"][0])
        == {
            "binary": {"prediction", "probability", "warnings"},
            "multiclass": {"prediction", "probabilities", "warnings"},
            "regression": {"prediction", "warnings"},
        }[contract.task]
    )
    assert body["predictions"][0]["warnings"] == []  # the example record is an ordinary one
    assert (body["model_name"], body["model_version"]) == (SAMPLE_NAME, exported_version(model_dir))
    assert body["fallback"] is False
    assert body["request_id"] == response.headers["x-request-id"]


async def test_openapi_documents_the_contract_with_examples(
    make_client: ClientFactory, contract: Contract, record: dict[str, Any]
) -> None:
    """The docs page answers; the schema has the batch limit, the features and examples."""
    async with make_client(max_batch_size=7) as client:
        assert (await client.get("/docs")).status_code == 200
        schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    assert components["PredictRequest"]["examples"][0] == {"records": [record]}
    assert components["PredictRequest"]["properties"]["records"]["maxItems"] == 7
    required = [f.name for f in contract.features if not f.nullable]
    assert components["Record"]["required"] == required
    assert list(components["Record"]["properties"]) == contract.feature_names + contract.ids
    assert components["Record"]["additionalProperties"] is False
    assert {"/health", "/ready", "/predict", "/model", "/metrics"} <= set(schema["paths"])
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert schema["info"]["description"] == pyproject["project"]["description"]


def bad_payloads(contract: Contract, record: dict[str, Any]) -> list[tuple[Any, list[Any]]]:
    """Bad bodies made from the contract, and where each 422 must point."""
    cases: list[tuple[Any, list[Any]]] = []
    numeric = first(contract, "numeric")
    if numeric is not None:
        cases.append(({"records": [{**record, numeric: "42"}]}, ["body", "records", 0, numeric]))
        cases.append(({"records": [{**record, numeric: True}]}, ["body", "records", 0, numeric]))
        # Beyond a float32: infinity inside XGBoost or LightGBM, so refused for every framework.
        cases.append(({"records": [{**record, numeric: 1e39}]}, ["body", "records", 0, numeric]))
        cases.append(({"records": [{**record, numeric: -1e39}]}, ["body", "records", 0, numeric]))
    categorical = first(contract, "categorical")
    if categorical is not None:
        cases.append(
            ({"records": [{**record, categorical: 3}]}, ["body", "records", 0, categorical])
        )
    required = next((f.name for f in contract.features if not f.nullable), None)
    if required is not None:  # a contract may have no required feature
        missing = {k: v for k, v in record.items() if k != required}
        cases.append(({"records": [record, missing]}, ["body", "records", 1, required]))
    cases += [
        ({"records": [{**record, "not a feature": 1}]}, ["body", "records", 0, "not a feature"]),
        ({}, ["body", "records"]),
        ({"records": [record], "recrods": [record]}, ["body", "recrods"]),
        ({"records": []}, ["body", "records"]),
        ({"records": [record] * 3}, ["body", "records"]),
    ]
    return cases


async def test_bad_input_is_a_422_naming_the_field(
    make_client: ClientFactory, contract: Contract, record: dict[str, Any]
) -> None:
    """A bad record or batch is a 422 whose detail points at the field, never a trace."""
    async with make_client(max_batch_size=2) as client:
        for payload, loc in bad_payloads(contract, record):
            response = await client.post("/predict", json=payload)
            assert response.status_code == 422, payload
            assert [e["loc"] for e in response.json()["detail"]] == [loc], payload
            assert "Traceback" not in response.text
        assert (await client.get("/health")).status_code == 200


async def test_a_422_names_every_missing_and_invalid_field(
    make_client: ClientFactory, contract: Contract, record: dict[str, Any]
) -> None:
    """Not only the first problem: every required feature missing from every record."""
    required = [f.name for f in contract.features if not f.nullable]
    async with make_client() as client:
        response = await client.post("/predict", json={"records": [record, {}, {}]})
    assert response.status_code == 422
    locs = [tuple(e["loc"]) for e in response.json()["detail"]]
    assert locs == [("body", "records", i, name) for i in (1, 2) for name in required]


@pytest.mark.parametrize(
    ("value", "status"),
    [(b"NaN", 422), (b"Infinity", 422), (b"{not json", 422), (b'"\xff"', 400)],
    ids=["nan", "infinity", "not-json", "not-utf8"],
)
async def test_undecodable_bodies_are_client_errors(
    make_client: ClientFactory, record: dict[str, Any], value: bytes, status: int
) -> None:
    """NaN, Infinity, broken JSON and non-UTF-8 bytes are 4xx answers."""
    name = next(iter(record))
    content = b'{"records": [{' + json.dumps(name).encode() + b": " + value + b"}]}"
    async with make_client() as client:
        response = await client.post(
            "/predict", content=content, headers={"content-type": "application/json"}
        )
    assert response.status_code == status
    assert "Traceback" not in response.text


async def test_json_sent_as_another_type_is_a_415_saying_so(
    make_client: ClientFactory, record: dict[str, Any]
) -> None:
    """curl's -d without -H sends a form: 415 naming the type to use, as for any type but
    JSON's. A body with no type is read as JSON by FastAPI 0.115 (the lowest allowed), not by
    recent versions: answered, or the same 415."""
    body = json.dumps({"records": [record]})
    async with make_client() as client:
        for kind in ("application/x-www-form-urlencoded", "text/plain"):
            response = await client.post("/predict", content=body, headers={"content-type": kind})
            assert response.status_code == 415, response.text
            said = response.json()["detail"]
            assert said.endswith(f"content-type application/json, not {kind}")
        untyped = await client.post("/predict", content=body, headers={"content-type": ""})
        json_type = {"content-type": "application/json; charset=utf-8"}
        assert (await client.post("/predict", content=body, headers=json_type)).status_code == 200
    if untyped.status_code != 200:
        assert untyped.status_code == 415, untyped.text
        assert untyped.json()["detail"].endswith("content-type application/json, not none")


async def test_body_over_the_limit_is_a_413_before_it_is_read(
    make_client: ClientFactory, record: dict[str, Any]
) -> None:
    """Content-Length over max_body_bytes: 413 at once, and the server goes on."""
    async with make_client(max_body_bytes=1000) as client:
        response = await client.post("/predict", json={"records": [record] * 50})
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
    make_client: ClientFactory, json_logs: JsonLogs, record: dict[str, Any]
) -> None:
    """X-Request-ID comes back (or a fresh one), and every line of the request carries it."""
    async with make_client(prediction_log_uri="log") as client:
        response = await client.post(
            "/predict", json={"records": [record]}, headers={"X-Request-ID": "abc-123"}
        )
        generated = (await client.get("/health")).headers["x-request-id"]
        refused = await client.get("/health", headers={"x-request-id": "x" * 500})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json()["request_id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
    [prediction] = json_logs.messages("prediction")  # the prediction log, in the log
    assert prediction["request_id"] == "abc-123"
    records = json.loads(prediction["records"])  # JSON text: the names survive BigQuery
    assert [{k: v for k, v in r.items() if k in record} for r in records] == [record]
    assert json.loads(prediction["answers"]) == response.json()["predictions"]


async def test_access_log_is_one_json_line_per_request(
    make_client: ClientFactory, json_logs: JsonLogs, record: dict[str, Any]
) -> None:
    """Method, path, route, status, latency and request id, in Cloud Logging's format."""
    async with make_client() as client:
        await client.post("/predict", json={"records": [record]}, headers={"x-request-id": "r1"})
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
    make_client: ClientFactory, json_logs: JsonLogs, record: dict[str, Any]
) -> None:
    """prediction_log_sample_rate=0 logs no prediction; nor does the default, a folder."""
    async with make_client(prediction_log_uri="log", prediction_log_sample_rate=0.0) as client:
        for _ in range(5):
            await client.post("/predict", json={"records": [record]})
    async with make_client() as client:
        await client.post("/predict", json={"records": [record]})
    assert json_logs.messages("prediction") == []
    assert len(json_logs.messages("request")) == 6


async def test_metrics_count_requests_latency_and_predictions(
    make_client: ClientFactory, model_dir: Path, record: dict[str, Any]
) -> None:
    """/metrics has requests by route and status, latency, records and readiness."""
    size = len(json.dumps({"records": [record, record]}))
    async with make_client(max_body_bytes=size * 3) as client:
        for _ in range(3):
            await client.post("/predict", json={"records": [record, record]})
        await client.post("/predict", json={"records": []})
        await client.post("/predict", json={"records": [record] * 8})  # a 413
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
    version = exported_version(model_dir)
    assert metric_value(text, "model_info", name=SAMPLE_NAME, version=version) == 1
