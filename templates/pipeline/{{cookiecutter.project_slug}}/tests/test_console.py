"""What `make run` shows: one line per step from KFP's output, everything in the log file."""

from __future__ import annotations

import io
import logging
import sys

from {{ cookiecutter.package_name }}.console import Console, captured
from {{ cookiecutter.package_name }}.pipelines import SHOWN_AS
from {{ cookiecutter.package_name }}.sizing import STEPS

KFP_LINES = (
    "13:48:14.180 - INFO - Executing task \x1b[96m'ingest'\x1b[0m\n"
    "    ingested rows=400\n"
    "13:48:15.001 - INFO - Task \x1b[96m'ingest'\x1b[0m finished with status \x1b[92mSUCCESS\x1b[0m\n"
    "13:48:15.002 - INFO - Executing task \x1b[96m'train'\x1b[0m\n"
    "13:48:16.500 - ERROR - Task \x1b[96m'train'\x1b[0m finished with status \x1b[91mFAILURE\x1b[0m\n"
)


def test_steps_are_one_line_each_and_the_log_has_no_colour_codes() -> None:
    """The terminal gets a line per step with its status; the file gets every line, plain."""
    log, terminal = io.StringIO(), io.StringIO()
    console = Console(log, terminal)
    console.write(KFP_LINES[:50])  # lines arrive in pieces
    console.write(KFP_LINES[50:])
    console.close()
    shown = terminal.getvalue().splitlines()
    assert [line.split()[:2] for line in shown] == [["ingest", "ok"], ["train", "FAILED"]]
    assert [step.status for step in console.steps] == ["ok", "FAILED"]
    assert "\x1b" not in log.getvalue()
    assert "ingested rows=400" in log.getvalue()


def test_a_task_is_shown_under_its_display_name() -> None:
    """The batch pipeline's validate-data task is the validate-predictions step (its display
    name, the name step_resources sizes), on the terminal and in a failure's step."""
    log, terminal = io.StringIO(), io.StringIO()
    console = Console(log, terminal, shown_as=SHOWN_AS)
    console.write(KFP_LINES.replace("'train'", "'validate-data'"))
    console.close()
    shown = [line.split()[:2] for line in terminal.getvalue().splitlines()]
    assert shown == [["ingest", "ok"], ["validate-predictions", "FAILED"]]
    assert console.steps[-1].label == "validate-predictions"
    assert "validate-predictions" in STEPS


def test_verbose_shows_every_line_without_colours_when_not_a_terminal() -> None:
    """VERBOSE=1 sends the logs to the terminal too; a file or pipe gets no escape codes."""
    log, terminal = io.StringIO(), io.StringIO()
    console = Console(log, terminal, verbose=True)
    console.write(KFP_LINES)
    console.close()
    assert "ingested rows=400" in terminal.getvalue()
    assert "\x1b" not in terminal.getvalue()


def test_captured_sends_prints_and_log_lines_to_the_console() -> None:
    """While captured, print() and the root logger's stream handlers write to the console;
    afterwards the handlers write where they did before."""
    log, terminal = io.StringIO(), io.StringIO()
    console = Console(log, terminal)
    handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with captured(console):
            print("from print")
            logging.getLogger("a.library").warning("from a logger")
        assert handler.stream is sys.stderr
    finally:
        root.removeHandler(handler)
    assert "from print" in log.getvalue()
    assert "from a logger" in log.getvalue()
    assert terminal.getvalue() == ""
