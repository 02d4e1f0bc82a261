"""The records the service served, read back for the drift check, in chunks, for a window.

The api template records each answered request (its `prediction_log_uri` setting) as one JSON
object: `time`, `request_id`, `model_name`, `model_version`, `records` (the features as
received, by contract name) and `answers` (one per record, as the service answered). Read from:

- a local folder (or one file): the service's files, `*.jsonl` (and `*.jsonl.gz`), rotated;
- `gs://bucket/prefix`: the same files copied there, or what a Cloud Logging sink to Cloud
  Storage writes (one log entry per line: the object is its `jsonPayload`);
- `bq://project.dataset.table`: the table a Cloud Logging sink to BigQuery fills (Cloud Run's
  JSON lines on stderr: `run_googleapis_com_stderr`, the default when only the dataset is
  given). In log entries `records` and `answers` are JSON text: BigQuery lowercases field
  names and replaces what is not a letter, digit or underscore, so the contract's names
  ("Age", "income / month %") survive only as text.

A line that is not JSON (a file cut short while written) is skipped and counted. Records are
yielded `CHUNK` at a time: the check's memory does not grow with the window.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.contract import ContractError

CHUNK = 20_000  # records per chunk
FILE_PATTERNS = ("*.jsonl", "*.jsonl.gz", "*.json")
BIGQUERY_TABLE = "run_googleapis_com_stderr"  # Cloud Run's stderr log, routed by a sink
COLUMNS = (
    "timestamp, jsonPayload.model_name AS model_name, jsonPayload.model_version AS model_version, "
    "jsonPayload.records AS records, jsonPayload.answers AS answers"
)
DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class SourceError(ContractError):
    """The served records' source cannot be read, or the window is malformed."""

    hint = (
        "give SOURCE= a folder of the service's prediction_log_uri, gs://bucket/prefix or "
        "bq://project.dataset.table, and SINCE= as 30m, 12h, 7d, 2w or an ISO date"
    )


@dataclass
class Chunk:
    """Served records: each record's features (by contract name), its answer, and the model
    (name and version, as the service named them) that answered it."""

    records: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """What reading found besides the records: skipped lines, entries out of the window."""

    entries: int = 0
    records: int = 0
    unreadable: int = 0
    outside_window: int = 0
    files: int = 0


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The window's start: `30m`, `12h`, `7d`, `2w` before `now`, or an ISO date or time
    (UTC unless it says otherwise); '' or `all` for no start."""
    now = now or dt.datetime.now(dt.UTC)
    text = text.strip()
    if text in ("", "all"):
        return None
    if found := DURATION.match(text):
        return now - dt.timedelta(**{UNITS[found[2]]: int(found[1])})
    try:
        since = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SourceError(
            f"SINCE={text!r} is not a duration (30m, 12h, 7d, 2w) or a date"
        ) from None
    return since if since.tzinfo else since.replace(tzinfo=dt.UTC)


def read_served(
    source: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    tally: Tally | None = None,
    chunk: int = CHUNK,
) -> Iterator[Chunk]:
    """The records served between `since` and `until`, `chunk` records at a time."""
    tally = tally if tally is not None else Tally()
    if source.startswith("bq://"):
        entries = _bigquery(source, since, until)
    elif source.startswith("gs://"):
        entries = _parsed(_gcs_lines(source, since, tally), tally)
    else:
        entries = _parsed(_local_lines(Path(source), since, tally), tally)
    current = Chunk()
    for entry in entries:
        found = _served(entry)
        if found is None:
            continue
        when, name, version, records, answers = found
        tally.entries += 1
        if when is not None and ((since and when < since) or (until and when >= until)):
            tally.outside_window += 1
            continue
        current.records += records
        current.answers += answers
        current.versions += [version] * len(records)
        current.names += [name] * len(records)
        tally.records += len(records)
        if len(current.records) >= chunk:
            yield current
            current = Chunk()
    if current.records:
        yield current


Served = tuple[dt.datetime | None, str, str, list[Any], list[Any]]


def _served(entry: dict[str, Any]) -> Served | None:
    """(time, model name, model version, records, answers) of one entry; None if it is not
    a record."""
    payload = entry.get("jsonPayload")
    if isinstance(payload, dict):  # a Cloud Logging entry (a sink to Cloud Storage)
        entry = {**payload, "time": entry.get("timestamp") or payload.get("time")}
    records, answers = entry.get("records"), entry.get("answers")
    if records is None or answers is None:
        return None
    records = json.loads(records) if isinstance(records, str) else records
    answers = json.loads(answers) if isinstance(answers, str) else answers
    if not isinstance(records, list) or not isinstance(answers, list):
        return None
    name, version = str(entry.get("model_name") or ""), str(entry.get("model_version") or "")
    return _time(entry.get("time")), name, version, records, answers


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not value:
        return None
    try:
        found = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _parsed(lines: Iterable[str], tally: Tally) -> Iterator[dict[str, Any]]:
    for line in lines:
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:  # a line cut short (the file was being written), or not ours
            tally.unreadable += 1
            continue
        if isinstance(entry, dict):
            yield entry


def _local_lines(path: Path, since: dt.datetime | None, tally: Tally) -> Iterator[str]:
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted({f for pattern in FILE_PATTERNS for f in path.rglob(pattern)})
    else:
        raise SourceError(f"no folder or file {str(path)!r} of served records")
    for file in files:
        # A file last written before the window holds no record of it.
        if since is not None and file.stat().st_mtime < since.timestamp():
            continue
        tally.files += 1
        opener = gzip.open if file.suffix == ".gz" else open
        with opener(file, "rt", encoding="utf-8", errors="replace") as handle:
            yield from handle


def _gcs_lines(uri: str, since: dt.datetime | None, tally: Tally) -> Iterator[str]:
    from google.cloud import storage

    bucket_name, _, prefix = uri.removeprefix("gs://").partition("/")
    bucket = storage.Client().bucket(bucket_name)
    for blob in bucket.list_blobs(prefix=prefix):
        if not blob.name.endswith((".jsonl", ".json", ".jsonl.gz")):
            continue
        updated = getattr(blob, "updated", None)
        if since is not None and updated is not None and updated < since:
            continue
        tally.files += 1
        if blob.name.endswith(".gz"):
            yield from gzip.decompress(blob.download_as_bytes()).decode().splitlines()
        else:
            yield from blob.download_as_text().splitlines()


def bigquery_table(uri: str) -> str:
    """`bq://project.dataset[.table]` as project.dataset.table (the table: Cloud Run's)."""
    parts = uri.removeprefix("bq://").strip("/").split(".")
    if len(parts) == 2:
        parts.append(BIGQUERY_TABLE)
    if len(parts) != 3 or not all(re.fullmatch(r"[\w-]+", p) for p in parts):
        raise SourceError(f"{uri!r} is not bq://project.dataset.table")
    return ".".join(parts)


def _bigquery(
    uri: str, since: dt.datetime | None, until: dt.datetime | None
) -> Iterator[dict[str, Any]]:
    from google.cloud import bigquery

    table = bigquery_table(uri)
    where = ["jsonPayload.message = 'prediction'"]
    parameters = []
    if since is not None:
        where.append("timestamp >= @since")
        parameters.append(bigquery.ScalarQueryParameter("since", "TIMESTAMP", since))
    if until is not None:
        where.append("timestamp < @until")
        parameters.append(bigquery.ScalarQueryParameter("until", "TIMESTAMP", until))
    # The table's name is checked (bigquery_table); the values are query parameters.
    query = f"SELECT {COLUMNS} FROM `{table}` WHERE {' AND '.join(where)} ORDER BY timestamp"  # noqa: S608
    client = bigquery.Client(project=table.split(".")[0])
    job = client.query(query, job_config=bigquery.QueryJobConfig(query_parameters=parameters))
    for row in job.result(page_size=CHUNK):
        yield {
            "time": row["timestamp"],
            "model_name": row["model_name"],
            "model_version": row["model_version"],
            "records": row["records"],
            "answers": row["answers"],
        }
