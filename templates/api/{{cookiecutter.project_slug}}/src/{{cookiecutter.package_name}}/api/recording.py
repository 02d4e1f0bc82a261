"""The prediction log: what the service served, recorded for monitoring (the pipeline's
`make monitor` and monitoring pipeline read it back and check it for drift).

Each answered request (a `prediction_log_sample_rate` share of them) becomes one JSON object:
`time`, `request_id`, `model_name`, `model_version`, `records` (the features, and ids, as
received, by contract name) and `answers` (as the service answered). `prediction_log_uri`
says where:

- a folder (the default, `prediction-log/`): JSON lines in files named
  `predictions-<UTC start>-<process>.jsonl`, a new file past `prediction_log_rotate_mb` or
  `prediction_log_rotate_minutes`; each worker process writes its own files;
- `log`: the service's log (JSON lines on stderr), one entry whose message is `prediction`:
  on Cloud Run a log sink routes these to BigQuery. `records` and `answers` are JSON text
  there: BigQuery would lowercase and rewrite the contract's names as column names;
- empty: nothing is recorded.

Off the hot path: a request only appends its rows and answers to a queue (no copy, no JSON);
a thread turns them into lines and writes them, every `prediction_log_flush_seconds` at most,
and once more when the service stops (the app's shutdown, after uvicorn has answered the
requests in flight: SIGTERM loses no served record). A sink that fails (a full disk, a folder
it cannot write) drops its records and says so in the log and in the metric
`prediction_log_records_total{outcome="dropped"}`; the service goes on answering.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from {{ cookiecutter.package_name }}.ops.logging import logger

LOG = "log"  # prediction_log_uri: entries in the service's log (Cloud Logging)
MESSAGE = "prediction"  # their message, which the log sink of infra/ routes to BigQuery
FILE_PREFIX = "predictions-"
# One request's recording: time, request id, model name and version, rows, answers.
Item = tuple[float, str, str, str, Sequence[Sequence[Any]], list[dict[str, Any]]]


class Sink(Protocol):
    """Where the entries go."""

    def write(self, entries: list[dict[str, Any]]) -> None:
        """Write some entries (the thread calls it, never a request)."""
        ...

    def close(self) -> None:
        """Flush and release what it holds."""
        ...


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).isoformat(timespec="microseconds")


class FolderSink:
    """JSON lines in rotated files of a folder."""

    def __init__(self, folder: Path, rotate_bytes: int, rotate_seconds: float) -> None:
        self.folder = folder
        self.rotate_bytes = rotate_bytes
        self.rotate_seconds = rotate_seconds
        self.dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        self._file: IO[str] | None = None
        self._opened = 0.0
        self._size = 0

    def _open(self) -> IO[str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{FILE_PREFIX}{stamp}-{os.getpid()}.jsonl"
        self._opened, self._size = time.monotonic(), 0
        return path.open("a", encoding="utf-8")

    def write(self, entries: list[dict[str, Any]]) -> None:
        """Append the entries as lines, in a new file when this one is full or old; flush."""
        file = self._file
        old = time.monotonic() - self._opened >= self.rotate_seconds
        if file is None or self._size >= self.rotate_bytes or old:
            if file is not None:
                file.close()
            file = self._file = self._open()
        text = "".join(self.dumps(entry) + "\n" for entry in entries)
        file.write(text)
        file.flush()  # to the operating system: a process that dies loses nothing written
        self._size += len(text)

    def close(self) -> None:
        """Close the current file."""
        if self._file is not None:
            self._file.close()
            self._file = None


class LogSink:
    """One entry per request in the service's log, `records` and `answers` as JSON text."""

    def __init__(self) -> None:
        self.dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    def write(self, entries: list[dict[str, Any]]) -> None:
        """Log each entry (message `prediction`)."""
        for entry in entries:
            fields = {k: v for k, v in entry.items() if k not in ("time", "records", "answers")}
            logger.info(
                MESSAGE,
                served_at=entry["time"],
                records=self.dumps(entry["records"]),
                answers=self.dumps(entry["answers"]),
                **fields,
            )

    def close(self) -> None:
        """Nothing to release: the log handler flushes each line."""


class Recorder:
    """The queue a request appends to, and the thread that writes it to a sink."""

    def __init__(
        self,
        sink: Sink,
        names: Sequence[str],
        flush_seconds: float,
        counted: Callable[[str, int], None] | None = None,
    ) -> None:
        self.sink = sink
        self.names = list(names)  # the records' columns: the contract's features, then ids
        self.flush_seconds = flush_seconds
        self.counted = counted or (lambda outcome, records: None)
        self._queue: collections.deque[Item] = collections.deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one writer at a time: the thread, or close()
        self._failing_since: float | None = None

    def start(self) -> None:
        """Start the writing thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
            self._thread.start()

    def record(
        self,
        request_id: str,
        model_name: str,
        model_version: str,
        rows: Sequence[Sequence[Any]],
        answers: list[dict[str, Any]],
    ) -> None:
        """Queue one answered request: called on the request's path, so it only appends."""
        self._queue.append((time.time(), request_id, model_name, model_version, rows, answers))

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        """Write what is queued (the thread does, every flush_seconds)."""
        with self._lock:
            items: list[Item] = []
            while self._queue:
                items.append(self._queue.popleft())
            if not items:
                return
            names = self.names
            entries = [
                {
                    "time": _iso(when),
                    "request_id": request_id,
                    "model_name": name,
                    "model_version": version,
                    "records": [dict(zip(names, row, strict=False)) for row in rows],
                    "answers": answers,
                }
                for when, request_id, name, version, rows, answers in items
            ]
            records = sum(len(entry["records"]) for entry in entries)
            try:
                self.sink.write(entries)
            except Exception as error:  # noqa: BLE001  # a sink fault never stops serving
                self.counted("dropped", records)
                now = time.monotonic()
                if self._failing_since is None or now - self._failing_since > 60:
                    self._failing_since = now  # at most a line a minute while it fails
                    logger.error(
                        "prediction log failed; records dropped", error=repr(error), records=records
                    )
                return
            self._failing_since = None
            self.counted("written", records)

    def close(self) -> None:
        """Stop the thread, write what is left, close the sink: the service is stopping."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, self.flush_seconds))
            self._thread = None
        self.flush()
        with self._lock:
            self.sink.close()


def open_recorder(
    uri: str,
    names: Sequence[str],
    flush_seconds: float,
    rotate_mb: float,
    rotate_minutes: float,
    counted: Callable[[str, int], None] | None = None,
) -> Recorder | None:
    """The recorder `prediction_log_uri` names (None when it is empty)."""
    if not uri.strip():
        return None
    sink: Sink
    if uri == LOG:
        sink = LogSink()
    else:
        sink = FolderSink(Path(uri), int(rotate_mb * 1024 * 1024), rotate_minutes * 60)
    return Recorder(sink, names, flush_seconds, counted)
