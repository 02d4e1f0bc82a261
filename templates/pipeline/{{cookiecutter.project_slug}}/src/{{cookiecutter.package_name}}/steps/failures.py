"""Failures that say why at the end: a failed step records its reason for the local runner.

A step's exception is raised as usual (the task fails, its traceback is in the task's log);
when `{{ cookiecutter.__env_prefix }}FAILURE_FILE` is set, as `make run` sets it, the step also writes
the exception's message and a hint of what to do there, so the run can end with them.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX
from {{ cookiecutter.package_name }}.ops.logging import logger

FAILURE_FILE_VARIABLE = f"{ENV_PREFIX}FAILURE_FILE"
DEFAULT_HINT = "read the step's log above the error (or the run's log file), fix, run again"


def describe(error: BaseException) -> dict[str, Any]:
    """The exception as the run's last lines show it: type, message and what to do."""
    return {
        "type": type(error).__name__,
        "message": str(error) or type(error).__name__,
        "hint": getattr(error, "hint", None) or DEFAULT_HINT,
    }


class _Reported(contextlib.ContextDecorator):
    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(error, Exception):
            record = describe(error)
            logger.error("step failed", error=record["message"])
            if path := os.environ.get(FAILURE_FILE_VARIABLE):
                Path(path).write_text(json.dumps(record), encoding="utf-8")


def reported() -> contextlib.ContextDecorator:
    """`@reported()` on a step: record its exception (see the module's docstring), which
    then propagates unchanged."""
    return _Reported()
