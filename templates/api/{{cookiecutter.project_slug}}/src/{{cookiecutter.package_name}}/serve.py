"""Serve the API with uvicorn: `python -m {{ cookiecutter.package_name }}.serve` (what `make serve` and the image run).

Host, port (`PORT`, as Cloud Run sets it), workers and the model come from the settings.

With more than one worker, each worker process listens on a socket of its own, all bound to
the port with SO_REUSEPORT, so the kernel spreads new connections over the workers. (With one
shared socket, as `uvicorn --workers` has, the worker that wakes first accepts every pending
connection: keep-alive clients, such as a load balancer's, can all end up on one worker while
the others idle.) A worker that dies stops the service, and the platform restarts it.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import socket
import sys
from multiprocessing.connection import wait
from types import FrameType

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError

from {{ cookiecutter.package_name }}.contract import ContractError
from {{ cookiecutter.package_name }}.ops.config import (
    Settings,
    get_settings,
    settings_problem,
)
from {{ cookiecutter.package_name }}.ops.logging import configure, lean_records, logger


def _stopped(signum: int, frame: FrameType | None) -> None:
    """A stop that was asked for is a clean exit: exit code 0, no traceback."""
    sys.exit(0)


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    """One worker's server: the app factory, our logging, Cloud Run's shutdown window."""
    return uvicorn.Config(
        "{{ cookiecutter.package_name }}.api.app:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,  # uvicorn's loggers propagate to the JSON root handler
        access_log=False,  # RequestContextMiddleware writes the access log
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=8,  # Cloud Run allows 10 s after SIGTERM
    )


def tcp_socket(host: str) -> socket.socket:
    """A TCP socket for an IPv4 or IPv6 host address."""
    return socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other workers' sockets may share (SO_REUSEPORT)."""
    sock = tcp_socket(host)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def check_port_free(host: str, port: int) -> None:
    """OSError when something already listens on host:port. The workers' SO_REUSEPORT would
    otherwise let this service join another one's port (say, an old one still running) and
    silently share its connections."""
    with tcp_socket(host) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a stopped server's
        probe.bind((host, port))  # TIME_WAIT connections are no owner; a listener is


def worker() -> None:
    """One worker process of several: its own socket on the shared port, then uvicorn."""
    gc.disable()  # until the model is loaded (the app's lifespan turns it on)
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    settings = get_settings()
    configure(level=settings.log_level, fmt=settings.log_format)
    lean_records()
    try:
        sock = reuse_port_socket(settings.host, settings.port)
    except OSError as error:
        logger.error("cannot listen", host=settings.host, port=settings.port, error=str(error))
        sys.exit(3)
    uvicorn.Server(uvicorn_config(settings)).run(sockets=[sock])


def supervise(workers: int) -> int:
    """Run `workers` worker processes until a stop signal (exit 0) or until one of them
    exits (its exit code, after stopping the others)."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked state
    processes = [context.Process(target=worker, name=f"worker-{i}") for i in range(workers)]
    for process in processes:
        process.start()
    code = 0
    try:
        ended = wait([p.sentinel for p in processes])
        failed = next(p for p in processes if p.sentinel in ended)
        failed.join()
        code = failed.exitcode or 1
        logger.error(
            "a worker exited; stopping the service", worker=failed.name, exit_code=failed.exitcode
        )
    except SystemExit:  # a stop signal (_stopped): the workers received theirs as well
        pass
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn shuts down gracefully
        for process in processes:
            process.join(timeout=9)
            if process.is_alive():
                process.kill()
    return code


def main() -> None:
    """Run uvicorn until SIGTERM or Ctrl-C; its own log lines come out as ours."""
    # uvicorn shuts down gracefully on these, then raises the signal again for the handler
    # that was there before: without this one the process would die of it (exit code 143,
    # "make: *** [serve] Error 143") or end in a KeyboardInterrupt traceback.
    # The cyclic garbage collector would run hundreds of times while FastAPI, scikit-learn
    # and scipy import, for nothing: off until the model is loaded (the app's lifespan).
    gc.disable()
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    try:
        settings = get_settings()
    except (ValidationError, SettingsError) as error:
        configure(level="INFO", fmt="auto")  # the log's own settings may be the bad ones
        logger.error("cannot start", error=settings_problem(error))
        sys.exit(2)
    configure(level=settings.log_level, fmt=settings.log_format)
    from {{ cookiecutter.package_name }}.api.app import (
        configured_fallback,
        service_contract,
    )

    try:  # a broken contract or setting stops here, in one line, not in every worker
        configured_fallback(service_contract(settings), settings.fallback_prediction)
        if settings.workers > 1 and settings.port == 0:
            raise ValueError("workers > 1 share one port: set a port other than 0")
    except (ContractError, ValueError) as error:
        logger.error("cannot start", error=str(error))
        sys.exit(2)
    lean_records()  # the access log writes a line per request: keep lines cheap
    logger.info("starting", host=settings.host, port=settings.port, workers=settings.workers)
    if settings.workers == 1:
        uvicorn.Server(uvicorn_config(settings)).run()
    else:
        try:
            check_port_free(settings.host, settings.port)
        except OSError as error:
            logger.error("cannot listen", host=settings.host, port=settings.port, error=str(error))
            sys.exit(3)
        sys.exit(supervise(settings.workers))


if __name__ == "__main__":
    main()
