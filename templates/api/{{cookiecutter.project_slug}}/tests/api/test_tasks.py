"""Every task served: binary, multiclass and regression models answer what batch prediction
writes for the same rows; with no model, the contract's base rate answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.model import load_model
from {{ cookiecutter.package_name }}.profile import describe
from {{ cookiecutter.package_name }}.synthetic import synthetic_table

from .conftest import ClientFactory

pytestmark = pytest.mark.anyio


def records(contract: Contract, count: int) -> list[dict[str, Any]]:
    """Valid records of the contract (empty values left out, as a client may), with their
    ids, as a row of the team's table has them."""
    table = synthetic_table(contract, count, seed=11)
    names = contract.feature_names + contract.ids
    return [
        {name: table[name][i] for name in names if table[name][i] is not None} for i in range(count)
    ]


async def test_each_task_answers_what_batch_prediction_writes(
    make_client: ClientFactory, task_service: tuple[Path, Path], task_contract: Contract
) -> None:
    """The answers equal the model's batch columns for the same rows, per task."""
    model_dir, contract_path = task_service
    batch = records(task_contract, 5)
    async with make_client(model_uri=str(model_dir), contract_path=contract_path) as client:
        assert (await client.get("/ready")).status_code == 200
        response = await client.post("/predict", json={"records": batch})
        info = (await client.get("/model")).json()
    assert response.status_code == 200, response.text
    answers = response.json()["predictions"]
    table = {name: [r.get(name) for r in batch] for name in task_contract.feature_names}
    columns = load_model(model_dir).predict_table(table)
    assert [a["prediction"] for a in answers] == columns["prediction"]
    assert [describe(a["warnings"]) for a in answers] == columns["warnings"]
    for record, answer in zip(batch, answers, strict=True):  # the ids first, as in batch
        ids = {name: record[name] for name in task_contract.ids}
        assert list(answer.items())[: len(ids)] == list(ids.items())
    if task_contract.task == "binary":
        assert [a["probability"] for a in answers] == pytest.approx(columns["probability"])
        assert info["positive_class"] == task_contract.label.positive_class
    if task_contract.task == "multiclass":
        for key in task_contract.class_keys:
            got = [a["probabilities"][key] for a in answers]
            assert got == pytest.approx(columns[f"probability_{key}"])
    assert info["task"] == task_contract.task


async def test_each_task_falls_back_to_the_contracts_base_rate(
    make_client: ClientFactory, task_service: tuple[Path, Path], task_contract: Contract
) -> None:
    """No model: the shape of the task's answer, from the contract's shares or mean."""
    _, contract_path = task_service
    async with make_client(model_uri=None, contract_path=contract_path) as client:
        response = await client.post("/predict", json={"records": records(task_contract, 2)})
    body = response.json()
    assert body["fallback"] is True
    for record, answer in zip(records(task_contract, 2), body["predictions"], strict=True):
        ids = {name: record[name] for name in task_contract.ids}
        assert answer == ids | task_contract.fallback_answer() | {"warnings": []}
