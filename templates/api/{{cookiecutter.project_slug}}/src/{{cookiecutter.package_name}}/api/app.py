"""The service: `create_app(settings)` builds the FastAPI app; uvicorn serves it (serve.py)."""

from __future__ import annotations

import datetime as dt
import gc
import math
import random
import time
from collections.abc import AsyncIterator
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
from {{ cookiecutter.package_name }}.api.metrics import Metrics
from {{ cookiecutter.package_name }}.api.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
)
from {{ cookiecutter.package_name }}.api.predictor import (
    InvalidRecordError,
    Loader,
    Predictor,
    load_sklearn,
)
from {{ cookiecutter.package_name }}.api.schemas import (
    ErrorResponse,
    HealthResponse,
    ModelInfo,
    PredictRequest,
    PredictResponse,
    ReadyResponse,
)
from {{ cookiecutter.package_name }}.ops.config import Settings, get_settings
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.sample_model import SAMPLE_RECORD

FALLBACK_NAME = "fallback"


@dataclass
class ModelState:
    """The loaded predictor (or why there is none), and whether predictions are failing."""

    settings: Settings
    metrics: Metrics
    predictor: Predictor | None = None
    load_error: str | None = None
    predict_error: str | None = None
    predict_error_at: float = 0.0
    consecutive_failures: int = 0
    loaded_at: str | None = None
    started: bool = False

    def load(self, loader: Loader) -> None:
        """Load the model once, check it answers one record; on failure, say why and go on."""
        uri = self.settings.model_uri
        if not uri:
            self.load_error = "MODEL_URI is not set"
            logger.error("no model configured; serving fallback predictions")
            return
        started = time.perf_counter()
        try:
            predictor = loader(uri)
            meta = predictor.metadata
            warm = predictor.predict([example_record(meta.features, meta.extra)])
            if len(warm) != 1 or not math.isfinite(warm[0]):
                raise ValueError(f"warm-up prediction gave {warm!r}, not one finite value")
        except Exception as error:  # noqa: BLE001  # any failure: serve the fallback, say why
            self.load_error = f"model failed to load ({type(error).__name__})"
            logger.exception("model load failed; serving fallback predictions", model_uri=uri)
            return
        self.predictor = predictor
        self.load_error = None
        self.loaded_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.metrics.model_info.info(
            {"name": meta.name, "version": meta.version, "framework": meta.framework}
        )
        logger.info(
            "model loaded",
            model_uri=uri,
            model_name=meta.name,
            model_version=meta.version,
            output=meta.output,
            features=len(meta.features),
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


def example_record(features: list[str], extra: dict[str, Any]) -> dict[str, float]:
    """A record for the warm-up and the docs: metadata's example, else the sample's values."""
    example = extra.get("example")
    if isinstance(example, dict) and all(f in example for f in features):
        return {f: float(example[f]) for f in features}
    return {f: SAMPLE_RECORD.get(f, 0.0) for f in features}


def create_app(settings: Settings | None = None, *, loader: Loader | None = None) -> FastAPI:
    """Build the service; `loader(uri) -> Predictor` plugs in another framework."""
    settings = settings or get_settings()
    metrics = Metrics()
    state = ModelState(settings=settings, metrics=metrics)
    metrics.ready.set_function(state.ready_value)
    model_loader: Loader = loader or load_sklearn
    sample_rate = settings.prediction_log_sample_rate
    max_batch = settings.max_batch_size
    fallback_value = settings.fallback_prediction

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.load(model_loader)  # once, before the first request is accepted
        state.started = True
        app.openapi_schema = None  # the schema now knows the model's features
        # Move the start-up heap (scikit-learn, scipy, the model) out of the cyclic garbage
        # collector's reach, so its full collections stay cheap on the request path.
        gc.collect()
        gc.freeze()
        yield

    app = FastAPI(
        title=settings.project_name,
        version=__version__,
        description="Batch predictions from the loaded model, with a fallback that never fails.",
        lifespan=lifespan,
    )
    app.state.model = state
    app.state.settings = settings
    app.state.metrics = metrics

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's answer minus "input" and "ctx": echoing the input can be huge (a whole
        # batch) and may hold NaN, which JSON cannot carry.
        detail = [
            {"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": e.get("msg")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    def fallback(request_id: str, rows: int, reason: str) -> PredictResponse:
        metrics.fallbacks.labels(reason=reason).inc()
        metrics.observe_rows(rows, fallback=True)
        meta = state.predictor.metadata if state.predictor is not None else None
        return PredictResponse(
            predictions=[fallback_value] * rows,
            model_name=meta.name if meta else FALLBACK_NAME,
            model_version=meta.version if meta else FALLBACK_NAME,
            fallback=True,
            request_id=request_id,
        )

    @app.post(
        "/predict",
        response_model=PredictResponse,
        tags=["model"],
        summary="Predict a batch of records",
        responses={
            400: {"model": ErrorResponse, "description": "The body is not UTF-8 JSON"},
            413: {"model": ErrorResponse, "description": "The body is over max_body_bytes"},
            422: {"description": "A record is invalid, or the batch is over max_batch_size"},
        },
    )
    async def predict(body: PredictRequest, request: Request) -> PredictResponse | Response:
        """One prediction per record; the configured fallback when the model cannot answer."""
        records = body.records
        rows = len(records)
        request_id: str = request.state.request_id
        if rows > max_batch:
            msg = f"a batch of {rows} records is over max_batch_size={max_batch}"
            problem: dict[str, Any] = {"type": "too_long", "loc": ("body", "records"), "msg": msg}
            raise RequestValidationError([problem])
        predictor = state.predictor
        if predictor is None:
            logger.error("model not loaded; serving fallback", reason=state.load_error, rows=rows)
            return fallback(request_id, rows, "model_not_loaded")
        started = time.perf_counter()
        try:
            values = predictor.predict(records)
            if len(values) != rows:
                raise ValueError(f"the model gave {len(values)} values for {rows} records")
        except InvalidRecordError as invalid:
            loc = ("body", "records", invalid.index, invalid.field)
            problem = {"type": "missing", "loc": loc, "msg": invalid.msg}
            raise RequestValidationError([problem]) from None
        except Exception as error:  # noqa: BLE001  # a model fault: the fallback answers
            state.consecutive_failures += 1
            if state.consecutive_failures >= settings.degrade_after_failures:
                state.predict_error = f"prediction failed ({type(error).__name__})"
                state.predict_error_at = time.monotonic()
            logger.exception("prediction failed; serving fallback", rows=rows)
            return fallback(request_id, rows, "predict_error")
        if not all(map(math.isfinite, values)):
            # Extreme (but finite) inputs can overflow a model: the fallback answers this
            # request. A data problem, not a model fault, so /ready stays green.
            logger.warning("model gave non-finite values; serving fallback", rows=rows)
            return fallback(request_id, rows, "non_finite_output")
        metrics.inference.observe(time.perf_counter() - started)
        metrics.observe_rows(rows, fallback=False)
        if state.consecutive_failures:
            state.consecutive_failures = 0
            state.predict_error = None
        meta = predictor.metadata
        if sample_rate > 0.0 and random.random() < sample_rate:  # noqa: S311  # sampling
            logger.info(
                "prediction",
                model_name=meta.name,
                model_version=meta.version,
                records=records,
                predictions=values,
            )
        answer = PredictResponse(
            predictions=values,
            model_name=meta.name,
            model_version=meta.version,
            fallback=False,
            request_id=request_id,
        )
        # A ready Response skips FastAPI's validating the model just built (the hot path).
        return Response(answer.model_dump_json(), media_type="application/json")

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
            body = ReadyResponse(status="degraded", reason=reason)
            return JSONResponse(body.model_dump(), status_code=503)
        meta = predictor.metadata
        return ReadyResponse(status="ready", model_name=meta.name, model_version=meta.version)

    @app.get("/model", response_model=ModelInfo, tags=["model"], summary="The loaded model")
    async def model_info() -> ModelInfo:
        """Name, version, features and output of the model, or why there is none."""
        reason = state.reason()
        if state.predictor is None:
            return ModelInfo(loaded=False, ready=False, uri=settings.model_uri, reason=reason)
        meta = state.predictor.metadata
        return ModelInfo(
            loaded=True,
            ready=reason is None,
            name=meta.name,
            version=meta.version,
            framework=meta.framework,
            output=meta.output,
            positive_class=meta.positive_class,
            features=meta.features,
            uri=meta.uri,
            loaded_at=state.loaded_at,
            reason=reason,
            metadata=meta.extra,
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

    def openapi_with_model_contract() -> dict[str, Any]:
        """FastAPI's schema plus what only the running service knows: max_batch_size and,
        once the model is loaded, its features as the records' required properties."""
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = FastAPI.openapi(app)
        request_schema = schema["components"]["schemas"]["PredictRequest"]
        records = request_schema["properties"]["records"]
        records["maxItems"] = max_batch
        if state.predictor is not None:
            meta = state.predictor.metadata
            records["items"] = {
                "type": "object",
                "properties": {f: {"type": "number"} for f in meta.features},
                "required": meta.features,
                "additionalProperties": {"type": "number"},
            }
            example = example_record(meta.features, meta.extra)
            request_schema["examples"] = [{"records": [example]}, {"records": [example] * 2}]
        if not state.started:
            app.openapi_schema = None  # the model is not known yet: build it again later
        return schema

    app.openapi = openapi_with_model_contract  # type: ignore[method-assign]

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
