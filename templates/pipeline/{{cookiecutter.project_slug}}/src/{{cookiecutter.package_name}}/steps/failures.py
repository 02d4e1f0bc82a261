"""Failures that say why at the end: a failed step records its reason for the local runner.

A step's exception is raised as usual (the task fails, its traceback is in the task's log);
when `{{ cookiecutter.__env_prefix }}FAILURE_FILE` is set, as `make run` sets it, the step also writes
the exception's message and a hint of what to do there, so the run can end with them.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX
from {{ cookiecutter.package_name }}.ops.logging import logger

FAILURE_FILE_VARIABLE = f"{ENV_PREFIX}FAILURE_FILE"
DEFAULT_HINT = "read the step's log above the error (or the run's log file), fix, run again"
P = ParamSpec("P")
R = TypeVar("R")


def describe(error: BaseException) -> dict[str, Any]:
    """The exception as the run's last lines show it: type, message and what to do."""
    return {
        "type": type(error).__name__,
        "message": str(error) or type(error).__name__,
        "hint": getattr(error, "hint", None) or DEFAULT_HINT,
    }


def reported(step: Callable[P, R]) -> Callable[P, R]:
    """Record a step's exception (see the module's docstring), then let it propagate."""

    @functools.wraps(step)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return step(*args, **kwargs)
        except Exception as error:
            record = describe(error)
            logger.error("step failed", step=step.__name__, error=record["message"])
            if path := os.environ.get(FAILURE_FILE_VARIABLE):
                Path(path).write_text(json.dumps(record), encoding="utf-8")
            raise

    return wrapper
