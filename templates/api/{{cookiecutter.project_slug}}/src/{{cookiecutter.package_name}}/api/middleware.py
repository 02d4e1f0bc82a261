"""Pure ASGI middleware: `BaseHTTPMiddleware` would cost a good part of the throughput.

`RequestContextMiddleware` (outermost): a request id and the Cloud Trace id bound to every log
line of the request, `X-Request-ID` on the response, one JSON access-log line, the request
metrics, and the catch-all: an unhandled exception becomes a 500 JSON answer without a trace.

`BodySizeLimitMiddleware`: a 413 before the body is read (from Content-Length), or as soon as
a streamed body passes the limit.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Collection, Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.api.metrics import Metrics
from {{ cookiecutter.package_name }}.ops.logging import log_context, logger

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_TRACE_ID = re.compile(r"[0-9a-fA-F]{32}")
TRACE_FIELD = "logging.googleapis.com/trace"
UNMATCHED = "<unmatched>"


def parse_trace_id(cloud_trace: str | None, traceparent: str | None) -> str | None:
    """The trace id of `X-Cloud-Trace-Context: TRACE/SPAN;o=1` or of W3C `traceparent`."""
    if cloud_trace:
        trace = cloud_trace.split("/", 1)[0].split(";", 1)[0]
        if _TRACE_ID.fullmatch(trace):
            return trace.lower()
    if traceparent:
        parts = traceparent.split("-")
        if len(parts) >= 4 and _TRACE_ID.fullmatch(parts[1]) and parts[1] != "0" * 32:
            return parts[1].lower()
    return None


async def send_json(
    send: Send, status: int, body: Mapping[str, object], headers: list[tuple[bytes, bytes]]
) -> None:
    """Answer with a small JSON body straight through ASGI."""
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestContextMiddleware:
    """Request id, trace correlation, access log, request metrics and the 500 catch-all."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        gcp_project: str | None = None,
        known_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.trace_prefix = f"projects/{gcp_project}/traces/" if gcp_project else None
        self.known_paths = frozenset(known_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request (other scopes, such as the lifespan, pass through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id: str | None = None
        cloud_trace: str | None = None
        traceparent: str | None = None
        for key, value in scope["headers"]:
            if key == REQUEST_ID_HEADER:
                request_id = value.decode("latin-1")
            elif key == b"x-cloud-trace-context":
                cloud_trace = value.decode("latin-1")
            elif key == b"traceparent":
                traceparent = value.decode("latin-1")
        if request_id is None or not _VALID_REQUEST_ID.fullmatch(request_id):
            request_id = os.urandom(16).hex()
        fields = {"request_id": request_id}
        if self.trace_prefix is not None and (cloud_trace or traceparent):
            trace_id = parse_trace_id(cloud_trace, traceparent)
            if trace_id:
                fields[TRACE_FIELD] = self.trace_prefix + trace_id
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id
        id_header = (REQUEST_ID_HEADER, request_id.encode())
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        with log_context(**fields):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                status = 500
                logger.exception("unhandled error", method=scope["method"], path=scope["path"])
                if started:
                    raise  # too late for a clean answer: the server closes the connection
                body = {"detail": "Internal Server Error", "request_id": request_id}
                await send_json(send, 500, body, [id_header])
            finally:
                seconds = time.perf_counter() - start
                route = getattr(scope.get("route"), "path", None)
                if not isinstance(route, str):
                    route = scope["path"] if scope["path"] in self.known_paths else UNMATCHED
                self.metrics.observe_request(scope["method"], route, status, seconds)
                logger.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    route=route,
                    status=status,
                    latency_ms=round(seconds * 1000.0, 3),
                )


class BodyTooLargeError(HTTPException):
    """The request body is over the limit (a 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body larger than {limit} bytes")


class BodySizeLimitMiddleware:
    """A 413 for bodies over `max_body_bytes`, without reading more than the limit."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length up front, else count the streamed bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    break
                if declared > limit:
                    await send_json(send, 413, {"detail": BodyTooLargeError(limit).detail}, [])
                    return
                # HTTP/1.1 frames the body by Content-Length, so it cannot be longer than
                # declared: no counting needed (the fast path).
                await self.app(scope, receive, send)
                return
        received = 0  # no (valid) Content-Length, e.g. chunked: count the streamed bytes
        started = False

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)  # FastAPI re-raises HTTPException -> 413
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive_limited, send_tracked)
        except BodyTooLargeError as error:
            if started:
                raise
            await send_json(send, 413, {"detail": error.detail}, [])
