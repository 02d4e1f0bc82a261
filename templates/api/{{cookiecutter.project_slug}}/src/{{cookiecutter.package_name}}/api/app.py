"""The service: `create_app(settings)` builds the FastAPI app; uvicorn serves it (serve.py).

The request schema comes from the service's data contract (`contract.yaml`, or the
`contract_path` setting), so requests are checked the same way with or without a model.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import math
import random
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.api.batching import Answers, MicroBatcher, Rows
from {{ cookiecutter.package_name }}.api.metrics import Metrics
from {{ cookiecutter.package_name }}.api.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
)
from {{ cookiecutter.package_name }}.api.predictor import (
    Loader,
    ModelLoadError,
    Predictor,
    load_folder,
)
from {{ cookiecutter.package_name }}.api.recording import open_recorder
from {{ cookiecutter.package_name }}.api.schemas import (
    ErrorResponse,
    HealthResponse,
    ModelInfo,
    ReadyResponse,
    describe_feature,
    request_model,
    response_model,
)
from {{ cookiecutter.package_name }}.contract import (
    PREDICTION,
    PROBABILITIES,
    PROBABILITY,
    WARNINGS,
    Contract,
    load_contract,
)
from {{ cookiecutter.package_name }}.ops.config import Settings, get_settings
from {{ cookiecutter.package_name }}.ops.logging import logger

FALLBACK_NAME = "fallback"
DISTRIBUTION = "{{ cookiecutter.project_slug }}"


def project_description() -> str:
    """The project's one-line description (pyproject.toml's), as installed: OpenAPI's."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        return str(metadata(DISTRIBUTION)["Summary"] or "")
    except PackageNotFoundError:  # a source tree that is not installed
        return ""


def service_contract(settings: Settings) -> Contract:
    """The contract the service checks requests against (ContractError if it is broken)."""
    return load_contract(str(settings.contract_path) if settings.contract_path else None)


def configured_fallback(contract: Contract, value: float | str | None) -> dict[str, Any] | None:
    """The answer `fallback_prediction` sets, per task; None when it is not set."""
    if value is None:
        return None
    if contract.task == "multiclass":
        key = str(value)
        if key not in contract.class_keys:
            raise ValueError(f"fallback_prediction {value!r} is not a class: {contract.classes}")
        rates = dict.fromkeys(contract.class_keys, 0.0) | {key: 1.0}
        return {
            PREDICTION: contract.classes[contract.class_keys.index(key)],
            PROBABILITIES: rates,
        }
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"fallback_prediction {value!r} is not a number") from None
    if contract.task == "regression":
        return {PREDICTION: number}
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"fallback_prediction {value!r} is not a probability (0 to 1)")
    return {PREDICTION: contract.classes[int(number >= 0.5)], PROBABILITY: number}


def all_finite(answers: Sequence[dict[str, Any]]) -> bool:
    """No NaN or infinity anywhere in the answers."""
    for answer in answers:
        for value in answer.values():
            if isinstance(value, float) and not math.isfinite(value):
                return False
            if isinstance(value, dict) and not all(map(math.isfinite, value.values())):
                return False
    return True


@dataclass
class ModelState:
    """The loaded predictor (or why there is none), and whether predictions are failing."""

    settings: Settings
    contract: Contract
    metrics: Metrics
    predictor: Predictor | None = None
    order: list[int] | None = None  # the model's feature order, when it differs from ours
    load_error: str | None = None
    predict_error: str | None = None
    predict_error_at: float = 0.0
    consecutive_failures: int = 0
    loaded_at: str | None = None
    started: bool = False

    def load(self, loader: Loader) -> None:
        """Load the model once, check it fits the contract and answers one record; on
        failure, say why and go on (the fallback answers)."""
        uri = self.settings.model_uri
        if not uri:
            self.load_error = "MODEL_URI is not set"
            logger.error("no model configured; serving fallback predictions")
            return
        started = time.perf_counter()
        try:
            predictor = loader(uri)
            if problems := self.contract.same_inputs(predictor.contract):
                raise ModelLoadError(
                    "the model does not fit the service's contract: "
                    + "; ".join(problems)
                    + f" (adopt the model's: make contract MODEL_URI={uri})"
                )
            ours = self.contract.feature_names
            theirs = predictor.contract.feature_names
            order = None if theirs == ours else [ours.index(name) for name in theirs]
            example = self.contract.example_record()
            row = [example[name] for name in theirs]
            warm = predictor.predict([row])
            if len(warm) != 1 or not all_finite(warm):
                raise ValueError(f"warm-up prediction gave {warm!r}, not one finite answer")
        except ModelLoadError as error:
            self.load_error = str(error)
            logger.error("model refused; serving fallback predictions", reason=str(error))
            return
        except Exception as error:  # noqa: BLE001  # any failure: serve the fallback, say why
            self.load_error = f"model failed to load ({type(error).__name__}: {error})"
            logger.exception("model load failed; serving fallback predictions", model_uri=uri)
            return
        self.predictor, self.order = predictor, order
        self.load_error = None
        self.loaded_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        meta = predictor.metadata
        self.metrics.model_info.info(
            {"name": meta.name, "version": meta.version, "framework": meta.framework}
        )
        logger.info(
            "model loaded",
            model_uri=uri,
            model_name=meta.name,
            model_version=meta.version,
            task=predictor.contract.task,
            features=len(theirs),
            seconds=round(time.perf_counter() - started, 3),
        )

    def reason(self) -> str | None:
        """None when ready, else why not."""
        if self.predictor is None:
            return self.load_error or "model not loaded"
        if self.predict_error is not None:
            if time.monotonic() - self.predict_error_at < self.settings.degraded_ttl_seconds:
                return self.predict_error
            self.predict_error = None
        return None

    def ready_value(self) -> float:
        """The model_ready gauge: 1 when ready."""
        return 1.0 if self.reason() is None else 0.0


def create_app(settings: Settings | None = None, *, loader: Loader | None = None) -> FastAPI:
    """Build the service; `loader(uri) -> Predictor` plugs in another framework."""
    settings = settings or get_settings()
    contract = service_contract(settings)
    metrics = Metrics()
    state = ModelState(settings=settings, contract=contract, metrics=metrics)
    metrics.ready.set_function(state.ready_value)
    model_loader: Loader = loader or functools.partial(
        load_folder,
        allow_pickle=settings.allow_pickle_models,
        registry_uri=settings.registry_uri,
        staging_uri=settings.registry_staging_uri,
    )
    # What it serves, recorded off the request's path for monitoring (api/recording.py).
    recorder = open_recorder(
        settings.prediction_log_uri,
        contract.feature_names + contract.ids,
        settings.prediction_log_flush_seconds,
        settings.prediction_log_rotate_mb,
        settings.prediction_log_rotate_minutes,
        metrics.observe_logged,
    )
    record = recorder.record if recorder is not None else None
    sample_rate = settings.prediction_log_sample_rate
    configured = configured_fallback(contract, settings.fallback_prediction)
    PredictRequest = request_model(contract, settings.max_batch_size)  # noqa: N806
    PredictResponse = response_model(contract)  # noqa: N806
    dumps = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode

    def model_call(rows: Rows) -> Answers:
        predictor = state.predictor
        if predictor is None:  # requests are only queued while a model is loaded
            raise ModelLoadError("model not loaded")
        return predictor.predict(rows)

    def observe_call(seconds: float, requests: int, records: int) -> None:
        metrics.inference.observe(seconds)
        metrics.batch_requests.observe(requests)

    # Concurrent requests share one model call (api/batching.py); 1 turns that off.
    batcher = MicroBatcher(
        model_call, max_records=settings.micro_batch_records, observe=observe_call
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.load(model_loader)  # once, before the first request is accepted
        state.started = True
        # Start-up may run with the cyclic collector off (serve.py turns it off while the
        # libraries import: a sixth of the cold start). Its heap (scikit-learn, scipy, the
        # model) is moved out of the collector's reach, so full collections stay cheap on the
        # request path; then the collector runs as usual.
        gc.freeze()
        gc.enable()
        if recorder is not None:
            recorder.start()
        try:
            yield
        finally:  # uvicorn has answered the requests in flight: write what they served
            if recorder is not None:
                recorder.close()

    app = FastAPI(
        title=settings.project_name,
        version=__version__,
        description=project_description(),
        lifespan=lifespan,
    )
    app.state.model = state
    app.state.settings = settings
    app.state.metrics = metrics

    def openapi() -> dict[str, Any]:
        """FastAPI's schema, each feature described with the loaded model's training range."""
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = FastAPI.openapi(app)
        training_range = getattr(state.predictor, "training_range", None)
        record = schema.get("components", {}).get("schemas", {}).get("Record", {})
        for feature in contract.features:
            field = record.get("properties", {}).get(feature.name)
            if training_range is not None and field is not None:
                field["description"] = describe_feature(feature, training_range(feature.name))
        if not state.started:  # asked before the model loaded: describe it again later
            app.openapi_schema = None
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # A body sent as another type (curl's -d without -H is a form) was never read as JSON:
        # say that, rather than that the body is no dictionary.
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json" and not kind.endswith("+json"):
            said = "the body must be JSON: send it with content-type application/json"
            said += f", not {kind or 'none'}"
            return JSONResponse({"detail": said}, status_code=415)
        # Every problem of every record, minus "input" and "ctx": echoing the input can be
        # huge (a whole batch) and may hold NaN, which JSON cannot carry.
        detail = [
            {"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": e.get("msg")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    def fallback_answer() -> dict[str, Any]:
        if configured is not None:
            return configured
        if state.predictor is not None:
            return state.predictor.fallback()
        return contract.fallback_answer()

    features = len(contract.features)
    id_names = contract.ids

    def with_ids(ids: list[list[Any]], answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each answer after the ids its record had (batch prediction's columns, in order)."""
        return [
            {name: v for name, v in zip(id_names, values, strict=True) if v is not None} | answer
            for values, answer in zip(ids, answers, strict=True)
        ]

    def fallback(request_id: str, rows: int, reason: str, ids: list[list[Any]]) -> Response:
        metrics.fallbacks.labels(reason=reason).inc()
        metrics.observe_rows(rows, fallback=True)
        meta = state.predictor.metadata if state.predictor is not None else None
        answer = fallback_answer() | {WARNINGS: []}
        body = {
            "predictions": with_ids(ids, [answer] * rows) if id_names else [answer] * rows,
            "model_name": meta.name if meta else FALLBACK_NAME,
            "model_version": meta.version if meta else FALLBACK_NAME,
            "fallback": True,
            "request_id": request_id,
        }
        return Response(dumps(body), media_type="application/json")

    async def predict(body: Any, request: Request) -> Response:
        """One answer per record; the fallback when the model cannot answer."""
        rows = [list(record.__dict__.values()) for record in body.records]
        received = rows  # the features, then the ids: what the prediction log records
        ids: list[list[Any]] = []
        if id_names:  # the record's id columns come after its features
            ids = [row[features:] for row in rows]
            rows = [row[:features] for row in rows]
        count = len(rows)
        request_id: str = request.state.request_id
        predictor = state.predictor
        if predictor is None:
            logger.error("model not loaded; serving fallback", reason=state.load_error, rows=count)
            return fallback(request_id, count, "model_not_loaded", ids)
        if state.order is not None:
            rows = [[row[i] for i in state.order] for row in rows]
        try:
            answers = await batcher.predict(rows)
        except Exception as error:  # noqa: BLE001  # a model fault: the fallback answers
            state.consecutive_failures += 1
            if state.consecutive_failures >= settings.degrade_after_failures:
                state.predict_error = f"prediction failed ({type(error).__name__})"
                state.predict_error_at = time.monotonic()
            logger.exception("prediction failed; serving fallback", rows=count)
            return fallback(request_id, count, "predict_error", ids)
        if not all_finite(answers):
            # Extreme (but finite) inputs can overflow a model: the fallback answers this
            # request. A data problem, not a model fault, so /ready stays green.
            logger.warning("model gave non-finite values; serving fallback", rows=count)
            return fallback(request_id, count, "non_finite_output", ids)
        metrics.observe_rows(count, fallback=False)
        for found in answers:  # a Predictor of another framework may say nothing
            if WARNINGS not in found:
                found[WARNINGS] = []
            elif found[WARNINGS]:
                metrics.observe_warnings(found[WARNINGS])
        if id_names:
            answers = with_ids(ids, answers)
        if state.consecutive_failures:
            state.consecutive_failures = 0
            state.predict_error = None
        meta = predictor.metadata
        if record is not None and (sample_rate >= 1.0 or random.random() < sample_rate):  # noqa: S311
            record(request_id, meta.name, meta.version, received, answers)
        answer = {
            "predictions": answers,
            "model_name": meta.name,
            "model_version": meta.version,
            "fallback": False,
            "request_id": request_id,
        }
        # A ready Response skips FastAPI's validating the answer again (the hot path).
        return Response(dumps(answer), media_type="application/json")

    # The request model is built from the contract at run time: set the real annotation.
    predict.__annotations__ = {"body": PredictRequest, "request": Request, "return": Response}
    app.post(
        "/predict",
        response_model=PredictResponse,
        tags=["model"],
        summary="Predict a batch of records",
        responses={
            400: {
                "model": ErrorResponse,
                "description": "The body is not UTF-8, or is JSON the parser cannot hold",
            },
            413: {"model": ErrorResponse, "description": "The body is over max_body_bytes"},
            415: {"model": ErrorResponse, "description": "The body is not sent as JSON"},
            422: {"description": "Records that break the contract, or a batch too large"},
        },
    )(predict)

    @app.get("/health", response_model=HealthResponse, tags=["ops"], summary="Liveness")
    async def health() -> HealthResponse:
        """Always 200 while the process answers."""
        return HealthResponse()

    @app.get(
        "/ready",
        response_model=ReadyResponse,
        tags=["ops"],
        summary="Readiness: 200 only when the model is loaded and healthy",
        responses={503: {"model": ReadyResponse, "description": "Degraded: fallback answers"}},
    )
    async def ready() -> ReadyResponse | JSONResponse:
        """200 with the model's name and version, else 503 with the reason."""
        reason = state.reason()
        predictor = state.predictor
        if reason is not None or predictor is None:
            meta = predictor.metadata if predictor is not None else None  # loaded, failing
            body = ReadyResponse(
                status="degraded",
                reason=reason,
                model_name=meta.name if meta else None,
                model_version=meta.version if meta else None,
            )
            return JSONResponse(body.model_dump(), status_code=503)
        meta = predictor.metadata
        return ReadyResponse(status="ready", model_name=meta.name, model_version=meta.version)

    @app.get("/model", response_model=ModelInfo, tags=["model"], summary="The loaded model")
    async def model_info() -> ModelInfo:
        """The model (or why there is none), its task, features and classes, the fallback."""
        reason = state.reason()
        described = {
            "task": contract.task,
            "features": contract.feature_names,
            "classes": contract.classes,
            "positive_class": contract.classes[-1] if contract.task == "binary" else None,
            "fallback": fallback_answer(),
        }
        if state.predictor is None:
            return ModelInfo(
                loaded=False, ready=False, uri=settings.model_uri, reason=reason, **described
            )
        meta = state.predictor.metadata
        return ModelInfo(
            loaded=True,
            ready=reason is None,
            name=meta.name,
            version=meta.version,
            framework=meta.framework,
            uri=meta.uri,
            loaded_at=state.loaded_at,
            reason=reason,
            metadata=meta.extra,
            **described,
        )

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def prometheus_metrics() -> Response:
        """Requests, latency, predictions, fallbacks and readiness, for Prometheus."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # The router tries routes in order: the hot path goes first.
    app.router.routes.sort(key=lambda route: getattr(route, "path", "") != "/predict")
    known = [r.path for r in app.routes if isinstance(r, APIRoute)]
    known += ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"]
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        RequestContextMiddleware,
        metrics=metrics,
        gcp_project=settings.gcp_project,
        known_paths=known,
    )
    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory`: the settings come from the environment and config.yaml."""
    return create_app(get_settings())
