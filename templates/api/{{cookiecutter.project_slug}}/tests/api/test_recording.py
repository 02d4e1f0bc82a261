"""The prediction log (api/recording.py): what the service served, by the contract's names,
where prediction_log_uri says, written off the request's path and all of it by the stop."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.api.recording import FolderSink, Recorder
from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.ops.config import Settings

from .conftest import (
    ClientFactory,
    JsonLogs,
    metric_value,
    serve_in_process,
)

pytestmark = pytest.mark.anyio


def entries(folder: Path) -> list[dict[str, Any]]:
    """Every entry of the prediction log's files, oldest file first."""
    lines = []
    for path in sorted(folder.glob("*.jsonl")):
        lines += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return lines


def records_of(contract: Contract, count: int) -> list[dict[str, Any]]:
    """`count` valid records of the contract, each with its ids, none alike."""
    example = contract.example_record()
    found = []
    for i in range(count):
        record: dict[str, Any] = dict(example)
        numeric = [f.name for f in contract.features if f.kind == "numeric"]
        if numeric:
            record[numeric[0]] = float(example[numeric[0]]) + i / 1000
        found.append(record | {name: f"{name}-{i}" for name in contract.ids})
    return found


async def test_the_folder_gets_every_served_record_by_its_contract_names(
    task_service: tuple[Path, Path], task_contract: Contract, tmp_path: Path
) -> None:
    """Each request is one entry: the records under the contract's names (awkward ones and
    ids too) as received, the answers the client got, the model's version and the request's
    id; all of it written by the time the service has stopped."""
    model_dir, contract_path = task_service
    folder = tmp_path / "served"
    settings = Settings(
        model_uri=str(model_dir), contract_path=contract_path, prediction_log_uri=str(folder)
    )
    sent = [records_of(task_contract, 2) for _ in range(3)]
    async with serve_in_process(create_app(settings)) as client:
        answered = []
        for i, records in enumerate(sent):
            headers = {"x-request-id": f"r{i}"}
            response = await client.post("/predict", json={"records": records}, headers=headers)
            answered.append(response.json())
    found = entries(folder)
    assert [e["request_id"] for e in found] == ["r0", "r1", "r2"]
    for entry, records, answer in zip(found, sent, answered, strict=True):
        assert entry["records"] == records
        assert entry["answers"] == answer["predictions"]
        assert (entry["model_name"], entry["model_version"]) == (
            answer["model_name"],
            answer["model_version"],
        )
        assert entry["time"].endswith("+00:00")


async def test_records_reach_the_file_while_the_service_runs(
    make_client: ClientFactory, tmp_path: Path, record: dict[str, Any]
) -> None:
    """Flushed within prediction_log_flush_seconds, not only at the stop."""
    folder = tmp_path / "served"
    async with make_client(prediction_log_uri=str(folder), prediction_log_flush_seconds=0.05) as c:
        await c.post("/predict", json={"records": [record]})
        for _ in range(100):
            if entries(folder) if folder.exists() else []:
                break
            await asyncio.sleep(0.02)
        assert len(entries(folder)) == 1


def test_files_rotate_by_size_and_by_age(tmp_path: Path) -> None:
    """A new file past rotate_bytes, and past rotate_seconds; no line is lost in between."""
    by_size = FolderSink(tmp_path / "size", rotate_bytes=300, rotate_seconds=3600)
    by_age = FolderSink(tmp_path / "age", rotate_bytes=10**9, rotate_seconds=0)
    for sink in (by_size, by_age):
        recorder = Recorder(sink, ["x"], flush_seconds=60)
        for i in range(12):
            recorder.record(f"r{i}", "m", "v1", [[i]], [{"prediction": i}])
            recorder.flush()
        recorder.close()
    for folder in (tmp_path / "size", tmp_path / "age"):
        assert len(list(folder.glob("*.jsonl"))) > 3
        assert [e["records"] for e in entries(folder)] == [[{"x": i}] for i in range(12)]


async def test_a_sampling_rate_records_that_share_of_the_requests(
    make_client: ClientFactory,
    tmp_path: Path,
    record: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """prediction_log_sample_rate 0.5 records the requests its draw lets through."""
    draws = itertools.cycle([0.2, 0.7])  # below the rate, above it, ...
    monkeypatch.setattr(random, "random", lambda: next(draws))
    folder = tmp_path / "served"
    async with make_client(prediction_log_uri=str(folder), prediction_log_sample_rate=0.5) as c:
        for i in range(6):
            await c.post("/predict", json={"records": [record]}, headers={"x-request-id": f"{i}"})
    assert [e["request_id"] for e in entries(folder)] == ["0", "2", "4"]


async def test_a_log_that_cannot_be_written_never_fails_a_request(
    make_client: ClientFactory, tmp_path: Path, record: dict[str, Any], json_logs: JsonLogs
) -> None:
    """A prediction_log_uri under a file, not a folder: every request is answered, the
    records are counted as dropped (prediction_log_records_total), and the log says why."""
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    uri = str(blocked / "log")
    async with make_client(prediction_log_uri=uri, prediction_log_flush_seconds=0.05) as client:
        for _ in range(3):
            assert (await client.post("/predict", json={"records": [record]})).status_code == 200
        dropped = 0.0
        for _ in range(100):
            text = (await client.get("/metrics")).text
            if 'prediction_log_records_total{outcome="dropped"}' in text:
                dropped = metric_value(text, "prediction_log_records_total", outcome="dropped")
                if dropped == 3:
                    break
            await asyncio.sleep(0.02)
    assert dropped == 3
    [failed] = json_logs.messages("prediction log failed; records dropped")
    assert "NotADirectoryError" in failed["error"]
