{% extends "tests/conftest.py.j2" %}
{%- block plain_imports %}import importlib
import os
import socket
import sys
import threading
import types
import uuid
{% endblock %}
{%- block from_imports %}from typing import Any
{% endblock %}
{%- block third_party_imports %}import pandas as pd
{% endblock %}
{%- block first_party_imports %}from {{ cookiecutter.package_name }}.contract import (
    Contract,
    load_contract,
    parse_contract,
)
from {{ cookiecutter.package_name }}.ops.config import get_settings
from {{ cookiecutter.package_name }}.steps.io import read_table{% endblock %}
{%- block fixtures %}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to resolve a name or open a connection fails, and is recorded."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (whole local runs) first: with several workers (-n auto), they start
    at once, and the many short ones fill in behind them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _no_project_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The shell's {{ cookiecutter.__env_prefix }}* variables never reach a test; settings are re-read;
    models are registered in the test's own folder, never in the project's registry/."""
    for key in [k for k in os.environ if k.startswith("{{ cookiecutter.__env_prefix }}")]:
        monkeypatch.delenv(key)
    registry = str(tmp_path / "registry")
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}REGISTRY_URI", registry)
{%- if cookiecutter.tracking == "clearml" %}
    # Tracking is off unless a test asks for it (`tracking_dir`): the tests stay fast and
    # write nothing outside their temporary folders. Pipeline tasks inherit the variable.
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}TRACKING_MODE", "disabled")
{%- endif %}
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def sample_path() -> Path:
    """The project's sample data (data/sample.csv): what `make schema` last wrote."""
    return ROOT / "data" / "sample.csv"


@pytest.fixture(scope="session")
def sample(sample_path: Path, contract: Contract) -> pd.DataFrame:
    """The sample data, read as the pipeline reads it."""
    return read_table(sample_path, contract)
{% include "tests/contract_fixtures.py.j2" %}


class FakeBigQuery:
    """google.cloud.bigquery's query calls, in memory: the rows a query returns, and what
    was asked (the project, the query, its parameters)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.asked: dict[str, Any] = {}

    def client(self, project: str) -> Any:
        self.asked["project"] = project
        return types.SimpleNamespace(query=self.query)

    def query(self, query: str, job_config: Any) -> Any:
        self.asked |= {"query": query, "parameters": job_config.query_parameters}
        return types.SimpleNamespace(result=lambda page_size: iter(self.rows))


@pytest.fixture
def bigquery(monkeypatch: pytest.MonkeyPatch) -> FakeBigQuery:
    """google.cloud.bigquery faked: no account, no network."""
    fake = FakeBigQuery()
    module = fake_module(monkeypatch, "google.cloud.bigquery")
    module.Client = fake.client  # type: ignore[attr-defined]
    module.QueryJobConfig = lambda query_parameters: types.SimpleNamespace(  # type: ignore[attr-defined]
        query_parameters=query_parameters
    )
    module.ScalarQueryParameter = lambda name, kind, value: (name, kind, value)  # type: ignore[attr-defined]
    return fake
{%- if cookiecutter.tracking == "clearml" %}


@pytest.fixture
def tracking_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Offline tracking into a temporary folder, for the tests of what is tracked."""
    path = tmp_path / "tracking"
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}TRACKING_MODE", "offline")
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}TRACKING_DIR", str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # ClearML writes ~/.clearml
    get_settings.cache_clear()
    return path
{%- endif %}
{%- endblock %}
