"""Fixtures of the service's tests: the sample model, in-process clients, JSON log capture."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.api.predictor import Loader
from {{ cookiecutter.package_name }}.contract import Contract, write_contract
from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX, Settings, get_settings
from {{ cookiecutter.package_name }}.ops.logging import JsonFormatter
from {{ cookiecutter.package_name }}.sample_model import build

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
PLAIN_VARIABLES = ("MODEL_URI", "PORT", "GOOGLE_CLOUD_PROJECT")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """The async tests run on asyncio, as uvicorn does."""
    return "asyncio"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample model (the pipeline template's export format), built once per session."""
    return build(tmp_path_factory.mktemp("models") / "sample")


@pytest.fixture(scope="session")
def record(contract: Contract) -> dict[str, Any]:
    """A valid record of the service's contract (its documented example)."""
    return contract.example_record()


@pytest.fixture(scope="session")
def task_service(
    task_contract: Contract, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """A model folder trained on `task_contract`, and that contract as the service's file
    (once per task and session; tests only read them)."""
    root = tmp_path_factory.mktemp(f"service-{task_contract.task}")
    contract_path = write_contract(task_contract, root / "contract.yaml")
    return build(root / "model", rows=400, contract=task_contract), contract_path


@pytest.fixture(autouse=True)
def _no_service_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No variable of the shell reaches a test, nor a config.yaml of the working directory."""
    for name in [n for n in os.environ if n.startswith(ENV_PREFIX) or n in PLAIN_VARIABLES]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (the model loads) and talk to it through httpx, in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
def make_client(model_dir: Path) -> ClientFactory:
    """`async with make_client(max_batch_size=2) as client:` settings given as keywords."""

    def factory(
        *, loader: Loader | None = None, **settings: Any
    ) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        settings.setdefault("model_uri", str(model_dir))
        return serve_in_process(create_app(Settings(**settings), loader=loader))

    return factory


class JsonLogs:
    """Log lines exactly as the service writes them (JSON), parsed."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        """Every line written so far."""
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def messages(self, message: str) -> list[dict[str, Any]]:
        """The lines with this message."""
        return [line for line in self.lines() if line.get("message") == message]


@pytest.fixture
def json_logs() -> Iterator[JsonLogs]:
    """Capture the root logger's INFO lines in the service's JSON format."""
    logs = JsonLogs()
    handler = logging.StreamHandler(logs.stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield logs
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _flat(answer: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """An answer's values by path ("probabilities.<class>"), nested dicts unfolded."""
    found: dict[str, Any] = {}
    for key, value in answer.items():
        if isinstance(value, dict):
            found |= _flat(value, f"{prefix}{key}.")
        else:
            found[f"{prefix}{key}"] = value
    return found


def assert_same_answers(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """The same answers, whatever the task: the same keys and classes, text equal, numbers
    equal to within float rounding (JSON's round trip)."""
    assert len(actual) == len(expected)
    for got, want in zip(map(_flat, actual), map(_flat, expected), strict=True):
        assert got.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
            else:
                assert got[key] == value, key


def metric_value(text: str, metric: str, /, **labels: str) -> float:
    """The value of one sample in Prometheus' text format; fails if there is none."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == metric and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    raise AssertionError(f"no sample {metric} {labels}")
