"""`MODEL_URI=models:/<name>@<alias>` (or `/<version>`): resolved in the registry at start-up,
`/model` shows the version; an unknown one or an unreadable registry is the fallback, with
the reason in `/ready`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.registry import CHAMPION, LocalRegistry, open_registry

from .conftest import ClientFactory

pytestmark = pytest.mark.anyio


@pytest.fixture
def registry(model_dir: Path, tmp_path: Path) -> Path:
    """A registry with two versions of the sample model; version 1 is the champion."""
    root = tmp_path / "registry"
    registry = LocalRegistry(root)
    for _ in range(2):
        registry.register("churn", model_dir, {"metrics": {"accuracy": 0.9}, "lineage": {}})
    registry.set_alias("churn", CHAMPION, 1)
    return root


async def test_the_champion_is_served_by_its_alias(
    make_client: ClientFactory, registry: Path, record: dict[str, Any]
) -> None:
    """The alias resolves to its version; the answers and /model name it."""
    async with make_client(
        model_uri="models:/churn@champion", registry_uri=str(registry)
    ) as client:
        ready = await client.get("/ready")
        info = (await client.get("/model")).json()
        answer = (await client.post("/predict", json={"records": [record]})).json()
    assert ready.json()["model_version"] == "1"
    assert info["metadata"]["registry"]["resolved"] == "models:/churn/1"
    assert info["metadata"]["registry"]["aliases"] == [CHAMPION]
    assert (answer["model_name"], answer["model_version"], answer["fallback"]) == (
        "churn",
        "1",
        False,
    )


async def test_the_champion_is_served_from_a_registry_in_a_bucket(
    make_client: ClientFactory, model_dir: Path, bucket: Any, record: dict[str, Any]
) -> None:
    """registry_uri gs://: the pipeline's registry in Cloud Storage (here the emulator, with
    the real client); the service resolves the alias there and serves that version."""
    uri = f"gs://{bucket.name}/registry"
    registry = open_registry(uri)
    for _ in range(2):
        registry.register("churn", model_dir, {"metrics": {"accuracy": 0.9}, "lineage": {}})
    registry.set_alias("churn", CHAMPION, 2)
    async with make_client(model_uri="models:/churn@champion", registry_uri=uri) as client:
        ready = await client.get("/ready")
        answer = (await client.post("/predict", json={"records": [record]})).json()
    assert ready.json()["model_version"] == "2"
    assert (answer["model_version"], answer["fallback"]) == ("2", False)


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("models:/churn@stable", "has no alias 'stable'"),
        ("models:/churn/7", "has no version 7"),
        ("models:/other@champion", "no model 'other'"),
        ("models:/churn", "is not a model URI"),
    ],
)
async def test_an_unknown_model_uri_is_the_fallback_with_the_reason(
    make_client: ClientFactory, registry: Path, record: dict[str, Any], uri: str, reason: str
) -> None:
    """The service starts, answers with its fallback, and /ready names what is unknown."""
    async with make_client(model_uri=uri, registry_uri=str(registry)) as client:
        ready = await client.get("/ready")
        answer = (await client.post("/predict", json={"records": [record]})).json()
    assert ready.status_code == 503
    assert reason in ready.json()["reason"]
    assert answer["fallback"] is True


async def test_a_registry_it_cannot_read_is_the_fallback(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    """A registry folder that is not there: not ready, and the reason says where."""
    missing = tmp_path / "nowhere"
    async with make_client(model_uri="models:/churn@champion", registry_uri=str(missing)) as client:
        ready = await client.get("/ready")
    assert ready.status_code == 503
    assert f"no registry at {missing}" in ready.json()["reason"]
