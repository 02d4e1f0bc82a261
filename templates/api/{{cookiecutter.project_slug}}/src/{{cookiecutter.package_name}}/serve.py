"""Serve the API with uvicorn: `python -m {{ cookiecutter.package_name }}.serve` (what `make serve` and the image run).

Host, port (`PORT`, as Cloud Run sets it), workers and the model come from the settings.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

import uvicorn

from {{ cookiecutter.package_name }}.api.app import configured_fallback, service_contract
from {{ cookiecutter.package_name }}.contract import ContractError
from {{ cookiecutter.package_name }}.ops.config import get_settings
from {{ cookiecutter.package_name }}.ops.logging import configure, lean_records, logger


def _stopped(signum: int, frame: FrameType | None) -> None:
    """A stop that was asked for is a clean exit: exit code 0, no traceback."""
    sys.exit(0)


def main() -> None:
    """Run uvicorn until SIGTERM or Ctrl-C; its own log lines come out as ours."""
    # uvicorn shuts down gracefully on these, then raises the signal again for the handler
    # that was there before: without this one the process would die of it (exit code 143,
    # "make: *** [serve] Error 143") or end in a KeyboardInterrupt traceback.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    settings = get_settings()
    configure(level=settings.log_level, fmt=settings.log_format)
    try:  # a broken contract or setting stops here, in one line, not in every worker
        configured_fallback(service_contract(settings), settings.fallback_prediction)
    except (ContractError, ValueError) as error:
        logger.error("cannot start", error=str(error))
        sys.exit(2)
    lean_records()  # the access log writes a line per request: keep lines cheap
    logger.info("starting", host=settings.host, port=settings.port, workers=settings.workers)
    uvicorn.run(
        "{{ cookiecutter.package_name }}.api.app:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,  # uvicorn's loggers propagate to the JSON root handler
        access_log=False,  # RequestContextMiddleware writes the access log
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=8,  # Cloud Run allows 10 s after SIGTERM
    )


if __name__ == "__main__":
    main()
