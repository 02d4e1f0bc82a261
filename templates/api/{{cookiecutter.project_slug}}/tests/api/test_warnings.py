"""One rule for one row: what a record has that the model never saw in training (a category,
a number outside the training range, an empty value where training had none) is answered by
the model, named in the answer's `warnings` and counted, with the same words as batch
prediction's `warnings` column for the same row. Whatever the contract: the odd values are
made from the model's own training profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.model import Model, load_model
from {{ cookiecutter.package_name }}.profile import (
    MISSING,
    OUT_OF_RANGE,
    UNSEEN_CATEGORY,
    describe,
)

from .conftest import ClientFactory, metric_value

pytestmark = pytest.mark.anyio


def ordinary_record(model: Model) -> dict[str, Any]:
    """A record well inside what the model saw: the middle of each training range, a seen
    category, the ids a row of the team's table carries."""
    seen = model.metadata["profile"]["features"]
    record: dict[str, Any] = {}
    for feature in model.contract.features:
        found = seen[feature.name]
        if feature.kind == "numeric":
            record[feature.name] = (found["min"] + found["max"]) / 2
        else:
            record[feature.name] = found["categories"][0]
    return record | {name: f"{name}-0001" for name in model.contract.ids}


def odd_values(model: Model) -> dict[str, tuple[Any, str]]:
    """For each kind the contract allows, one feature and a value the model never saw."""
    seen = model.metadata["profile"]["features"]
    odd: dict[str, tuple[Any, str]] = {}
    numeric = [f for f in model.contract.features if f.kind == "numeric"]
    categorical = [f for f in model.contract.features if f.kind == "categorical"]
    if numeric:  # far above the range: a unit changed upstream
        low, high = seen[numeric[0].name]["min"], seen[numeric[0].name]["max"]
        odd[numeric[0].name] = (high + 1000 * (high - low + 1), OUT_OF_RANGE)
    if categorical:
        odd[categorical[0].name] = ("a category nobody has seen ✓", UNSEEN_CATEGORY)
    never_empty = [f for f in model.contract.features if not seen[f.name]["missing"]]
    if never_empty and never_empty[-1].name not in odd:
        odd[never_empty[-1].name] = (None, MISSING)
    assert odd, "every contract has a feature"
    return odd


async def test_values_the_model_never_saw_are_answered_named_and_counted(
    make_client: ClientFactory, task_service: tuple[Path, Path], task_contract: Contract
) -> None:
    """Each odd record: the model's answer (no fallback), one warning naming the column, the
    kind and the value; a metric counts them by kind and column; an ordinary record has no
    warning. The words are batch prediction's for the same rows."""
    model_dir, contract_path = task_service
    model = load_model(model_dir)
    base, odd = ordinary_record(model), odd_values(model)
    batch = [base] + [base | {column: value} for column, (value, _) in odd.items()]
    async with make_client(model_uri=str(model_dir), contract_path=contract_path) as client:
        response = await client.post("/predict", json={"records": batch})
        text = (await client.get("/metrics")).text
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fallback"] is False
    answers = body["predictions"]
    assert answers[0]["warnings"] == []
    for answer, (column, (value, kind)) in zip(answers[1:], odd.items(), strict=True):
        [warning] = answer["warnings"]
        assert (warning["column"], warning["kind"], warning["value"]) == (column, kind, value)
        assert warning["message"].startswith(f"{column}: ")
        assert metric_value(text, "model_input_warnings_total", kind=kind, column=column) == 1
    table = {name: [r[name] for r in batch] for name in task_contract.feature_names}
    assert [describe(a["warnings"]) for a in answers] == model.predict_table(table)["warnings"]


async def test_a_record_keeps_its_ids_and_may_leave_them_out(
    make_client: ClientFactory, task_service: tuple[Path, Path], task_contract: Contract
) -> None:
    """The contract's id columns are accepted and come back first in the answer, as in the
    batch predictions; a record without them is answered without them."""
    model_dir, contract_path = task_service
    model = load_model(model_dir)
    with_ids = ordinary_record(model)
    without = {k: v for k, v in with_ids.items() if k not in task_contract.ids}
    async with make_client(model_uri=str(model_dir), contract_path=contract_path) as client:
        response = await client.post("/predict", json={"records": [with_ids, without]})
    assert response.status_code == 200, response.text
    first, second = response.json()["predictions"]
    ids = {name: with_ids[name] for name in task_contract.ids}
    assert ids, "the test contracts have an id column"
    assert dict(list(first.items())[: len(ids)]) == ids
    assert not set(task_contract.ids) & set(second)
    assert {k: v for k, v in first.items() if k not in ids} == second


async def test_the_docs_give_the_training_range_and_call_the_bounds_what_they_are(
    make_client: ClientFactory, task_service: tuple[Path, Path], task_contract: Contract
) -> None:
    """Once the model is loaded, each numeric feature's description gives the range the
    model saw in training, and the contract's wider bounds as validation bounds."""
    model_dir, contract_path = task_service
    model = load_model(model_dir)
    async with make_client(model_uri=str(model_dir), contract_path=contract_path) as client:
        schema = (await client.get("/openapi.json")).json()
    described = schema["components"]["schemas"]["Record"]["properties"]
    numeric = [f for f in task_contract.features if f.kind == "numeric"]
    assert numeric, "the test contracts have numeric features"
    for feature in numeric:
        low, high = model.profile.training_range(feature.name) or (None, None)
        text = described[feature.name]["description"]
        assert f"training range: {low:g} to {high:g}" in text
        if feature.min is not None:
            assert "validation bounds of the training data" in text


async def test_a_huge_value_is_named_as_people_write_it(
    make_client: ClientFactory, model_dir: Path, contract: Contract, record: dict[str, Any]
) -> None:
    """1e30 out of range reads `1e+30`, not its 31 digits."""
    numeric = next((f.name for f in contract.features if f.kind == "numeric"), None)
    if numeric is None:
        pytest.skip("the contract has no numeric feature")
    async with make_client(model_uri=str(model_dir)) as client:
        response = await client.post("/predict", json={"records": [record | {numeric: 1e30}]})
    [warning] = response.json()["predictions"][0]["warnings"]
    assert warning["message"].startswith(f"{numeric}: 1e+30 is outside the training range")
