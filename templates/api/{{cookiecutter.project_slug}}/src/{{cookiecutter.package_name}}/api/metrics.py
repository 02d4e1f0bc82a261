"""Prometheus metrics, in a registry of each app's own (tests build many apps)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    """Requests, latency, predictions, fallbacks and readiness of one app."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.predictions = Counter(
            "model_predictions", "Records answered", ["fallback"], registry=registry
        )
        self.fallbacks = Counter(
            "model_fallbacks",
            "Requests answered with the fallback prediction",
            ["reason"],
            registry=registry,
        )
        self.inference = Histogram(
            "model_inference_duration_seconds",
            "Time in Predictor.predict (one call per micro-batch)",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.batch_requests = Histogram(
            "model_batch_requests",
            "Requests answered by one model call (micro-batching)",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.input_warnings = Counter(
            "model_input_warnings",
            "Values the model never saw in training, answered and flagged (profile.py)",
            ["kind", "column"],
            registry=registry,
        )
        self.ready = Gauge(
            "model_ready", "1 when the model is loaded and healthy", registry=registry
        )
        self.model_info = Info("model", "The loaded model", registry=registry)
        self.prediction_log = Counter(
            "prediction_log_records",
            "Served records the prediction log wrote, or dropped when it could not",
            ["outcome"],
            registry=registry,
        )
        # Label children cached: skips prometheus_client's labels() lock on the hot path.
        self._requests: dict[tuple[str, str, int], Callable[[], None]] = {}
        self._latency: dict[tuple[str, str], Callable[[float], None]] = {}
        self._rows = {
            False: self.predictions.labels(fallback="false"),
            True: self.predictions.labels(fallback="true"),
        }

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and record its latency."""
        count = self._requests.get((method, route, status))
        if count is None:
            count = self.requests.labels(method, route, str(status)).inc
            self._requests[(method, route, status)] = count
        count()
        observe = self._latency.get((method, route))
        if observe is None:
            observe = self._latency[(method, route)] = self.latency.labels(method, route).observe
        observe(seconds)

    def observe_warnings(self, flags: Sequence[dict[str, Any]]) -> None:
        """Count one answer's warnings by kind and column."""
        for flag in flags:
            self.input_warnings.labels(flag["kind"], flag["column"]).inc()

    def observe_logged(self, outcome: str, records: int) -> None:
        """Count records the prediction log wrote (or dropped): from its thread."""
        self.prediction_log.labels(outcome).inc(records)

    def observe_rows(self, rows: int, *, fallback: bool) -> None:
        """Count the records answered, by the model or by the fallback."""
        self._rows[fallback].inc(rows)
