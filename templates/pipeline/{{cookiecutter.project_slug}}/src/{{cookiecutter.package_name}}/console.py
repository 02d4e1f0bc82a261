"""What `make run` shows: one line per step, then a summary; the full logs go to a file.

KFP's local runner prints every task's logs and its own (coloured) lines to this process's
standard output. During a run, `captured` sends all of it to the run's log file (without the
colour codes) and, from KFP's "Executing task" and "finished with status" lines, writes one
line per step to the terminal: its name, its status and its seconds. `verbose` sends the
full logs to the terminal too.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

ANSI = re.compile(r"\x1b\[[0-9;]*m")
_STARTED = re.compile(r"Executing task '([^']+)'")
_FINISHED = re.compile(r"Task '([^']+)' finished with status (\w+)")


def plain(text: str) -> str:
    """`text` without terminal colour codes."""
    return ANSI.sub("", text)


@dataclass
class Step:
    """One task of the run, as the terminal shows it."""

    name: str
    started: float
    status: str = "running"
    seconds: float = 0.0
    label: str = ""  # as the terminal shows it: the name, and which candidate


@dataclass
class Console:
    """A stream that logs everything to `log` and reports steps to `terminal`."""

    log: IO[str]
    terminal: IO[str]
    verbose: bool = False
    # Tasks run once per candidate (in a ParallelFor), by name: how many times each runs.
    per_candidate: dict[str, int] = field(default_factory=dict)
    # Tasks shown under another name (their display name: the step's name in sizes and docs).
    shown_as: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    _pending: str = ""

    def write(self, text: str) -> int:
        """Take what KFP prints; act on each complete line."""
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._line(line)
        return len(text)

    def flush(self) -> None:
        """Flush the log (and the terminal)."""
        self.log.flush()
        self.terminal.flush()

    def say(self, line: str) -> None:
        """A line of the run's own, to the terminal and the log."""
        self.log.write(line + "\n")
        self.terminal.write(line + "\n")
        self.terminal.flush()

    def isatty(self) -> bool:
        """Never a terminal: what is written here goes to a file first."""
        return False

    def _line(self, line: str) -> None:
        text = plain(line)
        self.log.write(text + "\n")
        if self.verbose:
            self.terminal.write((line if self.terminal.isatty() else text) + "\n")
        if started := _STARTED.search(text):
            name = started.group(1)
            label = self.shown_as.get(name, name)
            if self.per_candidate.get(name, 1) > 1:
                index = 1 + sum(1 for s in self.steps if s.name == name)
                label = f"{label} (candidate {index}/{self.per_candidate[name]})"
            self.steps.append(Step(name, time.monotonic(), label=label))
        elif finished := _FINISHED.search(text):
            self._finish(finished.group(1), finished.group(2))

    def _finish(self, name: str, status: str) -> None:
        step = next((s for s in reversed(self.steps) if s.name == name), None)
        if step is None:
            return
        step.status = "ok" if status == "SUCCESS" else "FAILED"
        step.seconds = time.monotonic() - step.started
        if not self.verbose:
            self.terminal.write(f"  {step.label:<28} {step.status:<7} {step.seconds:6.1f} s\n")
            self.terminal.flush()

    def close(self) -> None:
        """Write what is left of the last line."""
        if self._pending:
            self._line(self._pending)
            self._pending = ""
        self.flush()


@contextlib.contextmanager
def captured(console: Console) -> Iterator[Console]:
    """Send this process's output, and its log handlers' on stdout/stderr, to `console`."""
    real = {id(sys.stdout), id(sys.stderr), id(sys.__stdout__), id(sys.__stderr__)}
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and id(h.stream) in real
    ]
    streams = [h.setStream(console) for h in handlers]
    try:
        with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
            yield console
    finally:
        console.close()
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)
