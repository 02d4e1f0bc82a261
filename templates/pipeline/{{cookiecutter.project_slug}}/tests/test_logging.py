"""Logging: JSON lines for machines, text for people, no setup call needed."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import subprocess
import sys

import pytest

from {{ cookiecutter.package_name }}.ops.logging import (
    configure,
    get_logger,
    log_context,
    logger,
)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def stream() -> io.StringIO:
    """Route the root logger to a buffer in JSON mode for the test."""
    buffer = io.StringIO()
    configure(level="DEBUG", fmt="json", stream=buffer)
    return buffer


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_keyword_arguments_become_json_fields(stream: io.StringIO) -> None:
    """logger.info("trained", rows=1200) gives one JSON object with Cloud Logging's fields."""
    logger.info("trained", rows=1200, auc=0.9)
    [entry] = lines(stream)
    assert entry["severity"] == "INFO"
    assert entry["message"] == "trained"
    assert entry["rows"] == 1200
    assert entry["auc"] == 0.9
    assert "time" in entry


def test_third_party_loggers_share_the_format(stream: io.StringIO) -> None:
    """A library's stdlib logger comes out as the same JSON, extra keys included."""
    logging.getLogger("uvicorn.error").warning("port %s busy", 8080, extra={"port": 8080})
    [entry] = lines(stream)
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "port 8080 busy"
    assert entry["port"] == 8080


def test_bound_and_context_fields_are_added(stream: io.StringIO) -> None:
    """bind() and log_context() add fields to every line inside them, and only there."""
    with log_context(request_id="abc"):
        get_logger("child").bind(step="train").info("inside")
    logger.info("outside")
    inside, outside = lines(stream)
    assert (inside["request_id"], inside["step"]) == ("abc", "train")
    assert "request_id" not in outside


def test_exceptions_carry_their_traceback(stream: io.StringIO) -> None:
    """logger.exception records the traceback in the JSON line."""
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed", item=3)
    [entry] = lines(stream)
    assert entry["severity"] == "ERROR"
    assert "ValueError: boom" in str(entry["exception"])


def test_level_filters_lines() -> None:
    """Below the configured level nothing is written."""
    buffer = io.StringIO()
    configure(level="WARNING", fmt="json", stream=buffer)
    logger.info("hidden")
    logger.warning("shown")
    assert [e["message"] for e in lines(buffer)] == ["shown"]


def test_configure_is_idempotent() -> None:
    """Configuring twice leaves exactly one handler of ours."""
    buffer = io.StringIO()
    configure(fmt="json", stream=buffer)
    configure(fmt="json", stream=buffer)
    logger.info("once")
    assert len(lines(buffer)) == 1


def test_text_format_on_a_terminal() -> None:
    """auto picks readable text for a TTY."""
    tty = _Tty()
    configure(level="INFO", fmt="auto", stream=tty)
    logger.info("hello", rows=3)
    text = tty.getvalue()
    assert "INFO" in text
    assert "hello" in text
    assert "rows=3" in text
    assert not text.startswith("{")


def test_works_with_no_setup_call() -> None:
    """A fresh process that only imports the logger writes JSON to a non-TTY stderr."""
    code = "from {{ cookiecutter.package_name }}.ops.logging import logger; logger.info('ready', n=1)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert (entry["message"], entry["n"], entry["severity"]) == ("ready", 1, "INFO")


def test_time_is_iso_8601_utc(stream: io.StringIO) -> None:
    """The time field is ISO 8601 in UTC with microseconds, as Cloud Logging reads it."""
    logger.info("when")
    [entry] = lines(stream)
    moment = dt.datetime.fromisoformat(str(entry["time"]))
    assert moment.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - moment).total_seconds()) < 60


def test_lean_records_keeps_every_printed_field() -> None:
    """lean_records() (for hot paths) drops only work no line prints: the JSON is the same."""
    code = (
        "from {{ cookiecutter.package_name }}.ops.logging import lean_records, log_context, logger\n"
        "lean_records()\n"
        "with log_context(request_id='r1'):\n"
        "    logger.warning('fast', n=2)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert (entry["message"], entry["n"], entry["request_id"]) == ("fast", 2, "r1")
    assert entry["severity"] == "WARNING"


def test_kfp_tasks_keep_the_fields() -> None:
    """In a KFP task, whose entry point sets logging up first, lines are still ours: JSON on
    stdout (where KFP's handler wrote) with every field, and no second copy in KFP's format."""
    code = (
        "from kfp.dsl import executor_main\n"
        "executor_main._setup_logging()  # what `python -m kfp.dsl.executor_main` does first\n"
        "from {{ cookiecutter.package_name }}.ops.logging import logger\n"
        "logger.info('trained', rows=3)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    [line] = [line for line in result.stdout.splitlines() if "trained" in line]
    entry = json.loads(line)
    assert (entry["message"], entry["rows"], entry["severity"]) == ("trained", 3, "INFO")
    assert "trained" not in result.stderr
