"""Micro-batching: concurrent requests share model calls, and each still gets its own answers.

The requests here are sent concurrently to the app in-process, so they reach the queue in the
same turn of the event loop, as requests arriving together at a busy server do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from {{ cookiecutter.package_name }}.api.batching import MicroBatcher
from {{ cookiecutter.package_name }}.api.predictor import ModelPredictor, load_folder
from {{ cookiecutter.package_name }}.contract import Contract, Feature

from .conftest import ClientFactory, assert_same_answers, metric_value

pytestmark = pytest.mark.anyio
# Valid values (an unseen category is accepted) that CountingPredictor refuses.
BREAKS_THE_MODEL = {"numeric": 123456.0, "categorical": "breaks-the-model"}


class CountingPredictor:
    """The real model, recording the rows of every call; a row holding BREAKS_THE_MODEL
    makes the whole call raise, as a model fault does."""

    def __init__(self, inner: ModelPredictor) -> None:
        self.inner = inner
        self.calls: list[int] = []  # rows per call
        self.metadata = inner.metadata
        self.contract = inner.contract

    def predict(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        self.calls.append(len(rows))
        if any(value in BREAKS_THE_MODEL.values() for row in rows for value in row):
            raise RuntimeError("a record broke the model")
        return self.inner.predict(rows)

    def fallback(self) -> dict[str, Any]:
        return self.inner.fallback()


def varied(contract: Contract) -> Feature:
    """The feature the records differ in: the first numeric one, else the first (whatever
    the contract: a team's own may have no numeric feature)."""
    return next((f for f in contract.features if f.kind == "numeric"), contract.features[0])


def varied_records(contract: Contract, count: int) -> list[dict[str, Any]]:
    """`count` valid records that differ in one feature."""
    feature = varied(contract)
    values = [float(i) if feature.kind == "numeric" else f"value-{i}" for i in range(count)]
    return [contract.example_record() | {feature.name: value} for value in values]


async def post_together(client: httpx.AsyncClient, bodies: list[Any]) -> list[httpx.Response]:
    return list(await asyncio.gather(*(client.post("/predict", json=b) for b in bodies)))


async def test_concurrent_requests_share_a_model_call_and_keep_their_own_answers(
    make_client: ClientFactory, model_dir: Path, contract: Contract
) -> None:
    model = CountingPredictor(load_folder(str(model_dir)))
    records = varied_records(contract, 8)
    async with make_client(loader=lambda uri: model) as client:
        model.calls.clear()  # the warm-up call at load
        responses = await post_together(client, [{"records": [r]} for r in records])
        text = (await client.get("/metrics")).text
    assert len(model.calls) < len(records), f"calls per request: {model.calls}"
    alone = [model.inner.predict([list(r.values())])[0] for r in records]
    for response, expected, record in zip(responses, alone, records, strict=True):
        assert response.status_code == 200
        body = response.json()
        assert body["fallback"] is False, record
        assert_same_answers(body["predictions"], [expected])
    calls = metric_value(text, "model_batch_requests_count")
    assert calls == len(model.calls)
    assert metric_value(text, "model_batch_requests_sum") == len(records)


async def test_a_request_that_breaks_the_model_gets_the_fallback_alone(
    make_client: ClientFactory, model_dir: Path, contract: Contract
) -> None:
    model = CountingPredictor(load_folder(str(model_dir)))
    records = varied_records(contract, 4)
    feature = varied(contract)
    records[2] = records[2] | {feature.name: BREAKS_THE_MODEL[feature.kind]}
    async with make_client(loader=lambda uri: model, degrade_after_failures=5) as client:
        responses = await post_together(client, [{"records": [r]} for r in records])
        text = (await client.get("/metrics")).text
    assert [r.json()["fallback"] for r in responses] == [False, False, True, False]
    assert metric_value(text, "model_fallbacks_total", reason="predict_error") == 1


async def test_one_record_per_call_scores_every_request_alone(
    make_client: ClientFactory, model_dir: Path, contract: Contract
) -> None:
    model = CountingPredictor(load_folder(str(model_dir)))
    records = varied_records(contract, 5)
    async with make_client(loader=lambda uri: model, micro_batch_records=1) as client:
        model.calls.clear()
        responses = await post_together(client, [{"records": [r]} for r in records])
    assert [r.status_code for r in responses] == [200] * 5
    assert model.calls == [1] * 5


@pytest.mark.parametrize(("max_records", "calls"), [(3, [2, 2, 2, 5]), (4, [4, 2, 5]), (100, [11])])
async def test_calls_hold_at_most_max_records_unless_one_request_is_larger(
    max_records: int, calls: list[int]
) -> None:
    seen: list[int] = []

    def predict(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        seen.append(len(rows))
        return [{"prediction": row[0]} for row in rows]

    batcher = MicroBatcher(predict, max_records=max_records)
    requests = [[[i, 0], [i, 1]] for i in range(3)] + [[[9, k] for k in range(5)]]
    answers = await asyncio.gather(*(batcher.predict(rows) for rows in requests))
    assert seen == calls
    assert answers == [[{"prediction": row[0]} for row in rows] for rows in requests]
