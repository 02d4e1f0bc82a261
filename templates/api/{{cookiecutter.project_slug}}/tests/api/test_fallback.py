"""A model that fails never makes a 500: fallback answers, /ready degraded, logs, metrics.

The fallback is meaningful per task: the training base rate (or mean) of the model, else the
contract's, else `fallback_prediction`; never a silent 0.0 that reads as a confident answer.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.api.app import configured_fallback, create_app
from {{ cookiecutter.package_name }}.api.predictor import ModelMetadata
from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.ops.config import Settings

from .conftest import ClientFactory, JsonLogs, metric_value

pytestmark = pytest.mark.anyio


class FlakyPredictor:
    """Answers `answer` for every row, or raises while `broken` is set."""

    def __init__(self, contract: Contract) -> None:
        self.broken = False
        self.answer: dict[str, Any] = contract.fallback_answer()
        self._contract = contract
        self._metadata = ModelMetadata(name="flaky", version="7", framework="flaky")

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    @property
    def contract(self) -> Contract:
        return self._contract

    def predict(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        if self.broken:
            raise RuntimeError("model exploded")
        return [dict(self.answer) for _ in rows]

    def fallback(self) -> dict[str, Any]:
        return {"prediction": "the model's own fallback"}


@pytest.fixture
def batch(record: dict[str, Any]) -> dict[str, Any]:
    return {"records": [record]}


@pytest.mark.parametrize("model_uri", ["/does/not/exist", None], ids=["bad-uri", "unset"])
async def test_predict_falls_back_when_the_model_fails_to_load(
    make_client: ClientFactory,
    json_logs: JsonLogs,
    contract: Contract,
    record: dict[str, Any],
    model_uri: str | None,
) -> None:
    """No model: 200 with the contract's base-rate answer per record, /ready 503, logged."""
    async with make_client(model_uri=model_uri) as client:
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/ready")
        info = (await client.get("/model")).json()
        response = await client.post(
            "/predict", json={"records": [record, record]}, headers={"x-request-id": "fb-1"}
        )
        text = (await client.get("/metrics")).text
    assert ready.status_code == 503
    assert ready.json()["status"] == "degraded"
    assert ready.json()["reason"]
    assert (info["loaded"], info["reason"]) == (False, ready.json()["reason"])
    assert info["fallback"] == contract.fallback_answer()
    assert response.status_code == 200
    assert response.json() == {
        "predictions": [contract.fallback_answer() | {"warnings": []}] * 2,
        "model_name": "fallback",
        "model_version": "fallback",
        "fallback": True,
        "request_id": "fb-1",
    }
    assert metric_value(text, "model_fallbacks_total", reason="model_not_loaded") == 1
    assert metric_value(text, "model_predictions_total", fallback="true") == 2
    assert metric_value(text, "model_ready") == 0
    [line] = json_logs.messages("model not loaded; serving fallback")
    assert (line["request_id"], line["severity"]) == ("fb-1", "ERROR")


async def test_without_a_model_requests_are_still_checked_against_the_contract(
    make_client: ClientFactory, contract: Contract, record: dict[str, Any]
) -> None:
    """In fallback, an unknown field, or a feature left out that is not nullable, is still a
    422, not a fallback answer."""
    required = [f.name for f in contract.features if not f.nullable]
    bodies = [[{**record, "x?": 1}]]
    for name in required[:1]:  # a contract may have no required feature
        bodies.append([{k: v for k, v in record.items() if k != name}])
    async with make_client(model_uri=None) as client:
        for records in bodies:
            response = await client.post("/predict", json={"records": records})
            assert response.status_code == 422, records


async def test_a_tampered_model_file_is_refused_and_the_fallback_answers(
    make_client: ClientFactory, model_dir: Path, tmp_path: Path, batch: dict[str, Any]
) -> None:
    """A model file changed after export (its sha256 is not metadata.json's): not loaded,
    /ready says why, the fallback answers."""
    broken = tmp_path / "broken"
    shutil.copytree(model_dir, broken)
    model_file = json.loads((broken / "metadata.json").read_text())["model_file"]
    (broken / model_file).write_bytes((broken / model_file).read_bytes() + b"tampered")
    async with make_client(model_uri=str(broken)) as client:
        ready = await client.get("/ready")
        response = await client.post("/predict", json=batch)
    assert ready.status_code == 503
    assert "sha256 differs" in ready.json()["reason"]
    assert response.json()["fallback"] is True


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"framework": "torch"}, "'torch' model and this project has"),
        ({"model_file": "model.joblib"}, "is a pickle, which runs code when loaded"),
    ],
    ids=["other-framework", "pickle"],
)
async def test_a_model_the_service_cannot_load_safely_is_refused(
    make_client: ClientFactory,
    model_dir: Path,
    tmp_path: Path,
    batch: dict[str, Any],
    change: dict[str, str],
    reason: str,
) -> None:
    """A framework this image lacks, or a pickle (allow_pickle_models is off): fallback, and
    the reason in /ready."""
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata.update(change)
    metadata.pop("sha256")
    (folder / "metadata.json").write_text(json.dumps(metadata))
    (folder / "model.joblib").write_bytes(b"a pickle would run code")
    async with make_client(model_uri=str(folder)) as client:
        ready = await client.get("/ready")
        response = await client.post("/predict", json=batch)
    assert ready.status_code == 503
    assert reason in ready.json()["reason"]
    assert response.json()["fallback"] is True


async def test_a_model_of_another_contract_is_refused_with_the_way_out(
    make_client: ClientFactory,
    task_service: tuple[Path, Path],
    contract: Contract,
    batch: dict[str, Any],
) -> None:
    """Features or task other than the service's: not served; /ready says what differs and
    how to adopt the model's contract."""
    other_model, _ = task_service
    async with make_client(model_uri=str(other_model)) as client:
        ready = await client.get("/ready")
        response = await client.post("/predict", json=batch)
    reason = ready.json()["reason"]
    assert ready.status_code == 503
    assert reason.startswith("the model does not fit the service's contract: ")
    assert f"make contract MODEL_URI={other_model}" in reason
    assert response.json()["fallback"] is True


async def test_model_failing_its_warm_up_is_not_ready(
    make_client: ClientFactory, contract: Contract
) -> None:
    """The model must answer one record at start-up, else the service is degraded."""
    flaky = FlakyPredictor(contract)
    flaky.broken = True
    async with make_client(loader=lambda uri: flaky) as client:
        ready = await client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["reason"] == "model failed to load (RuntimeError: model exploded)"


async def test_predict_falls_back_to_the_models_base_rate_when_it_fails(
    make_client: ClientFactory, json_logs: JsonLogs, contract: Contract, batch: dict[str, Any]
) -> None:
    """A prediction that raises: 200 with the model's fallback, /ready 503 until a good one."""
    flaky = FlakyPredictor(contract)
    async with make_client(loader=lambda uri: flaky) as client:
        assert (await client.get("/ready")).status_code == 200
        flaky.broken = True
        response = await client.post("/predict", json=batch, headers={"x-request-id": "pf-1"})
        ready = await client.get("/ready")
        text = (await client.get("/metrics")).text
        flaky.broken = False
        recovered = await client.post("/predict", json=batch)
        assert (await client.get("/ready")).status_code == 200
    assert response.status_code == 200
    assert response.json() == {
        "predictions": [flaky.fallback() | {"warnings": []}],
        "model_name": "flaky",
        "model_version": "7",
        "fallback": True,
        "request_id": "pf-1",
    }
    assert ready.status_code == 503
    assert ready.json()["reason"] == "prediction failed (RuntimeError)"
    assert (ready.json()["model_name"], ready.json()["model_version"]) == ("flaky", "7")
    assert metric_value(text, "model_fallbacks_total", reason="predict_error") == 1
    status_200 = {"method": "POST", "route": "/predict", "status": "200"}
    assert metric_value(text, "http_requests_total", **status_200) == 1
    assert recovered.json()["fallback"] is False
    [error] = json_logs.messages("prediction failed; serving fallback")
    assert (error["request_id"], error["severity"]) == ("pf-1", "ERROR")
    assert "model exploded" in error["exception"]


async def test_a_configured_fallback_wins(
    make_client: ClientFactory, contract: Contract, batch: dict[str, Any]
) -> None:
    """fallback_prediction, when set, is what every fallback answers."""
    value: float | str = 7.5 if contract.task == "regression" else 0.25
    if contract.task == "multiclass":
        value = contract.class_keys[-1]
    async with make_client(model_uri=None, fallback_prediction=value) as client:
        response = await client.post("/predict", json=batch)
    [answer] = response.json()["predictions"]
    assert answer == {**(configured_fallback(contract, value) or {}), "warnings": []}
    if contract.task == "multiclass":
        assert answer["prediction"] == contract.classes[-1]
    elif contract.task == "binary":  # below one half: the other class
        assert answer == {"prediction": contract.classes[0], "probability": 0.25, "warnings": []}
    else:
        assert answer == {"prediction": 7.5, "warnings": []}


def test_a_fallback_setting_that_does_not_fit_the_task_is_refused(
    task_contract: Contract,
) -> None:
    """A probability outside 0..1, text for a number, or an unknown class: one clear error."""
    bad = "no such class" if task_contract.task == "multiclass" else "high"
    with pytest.raises(ValueError, match="fallback_prediction"):
        configured_fallback(task_contract, bad)
    if task_contract.task == "binary":
        with pytest.raises(ValueError, match="not a probability"):
            configured_fallback(task_contract, 1.5)


async def test_degraded_only_after_consecutive_failures(
    make_client: ClientFactory, contract: Contract, batch: dict[str, Any]
) -> None:
    """degrade_after_failures=2: one failure leaves /ready green, the second turns it red."""
    flaky = FlakyPredictor(contract)
    async with make_client(loader=lambda uri: flaky, degrade_after_failures=2) as client:
        flaky.broken = True
        assert (await client.post("/predict", json=batch)).json()["fallback"] is True
        assert (await client.get("/ready")).status_code == 200
        assert (await client.post("/predict", json=batch)).json()["fallback"] is True
        assert (await client.get("/ready")).status_code == 503


async def test_degraded_state_expires(
    make_client: ClientFactory, contract: Contract, batch: dict[str, Any]
) -> None:
    """After degraded_ttl_seconds the service reports ready again."""
    flaky = FlakyPredictor(contract)
    async with make_client(loader=lambda uri: flaky, degraded_ttl_seconds=0.0) as client:
        flaky.broken = True
        assert (await client.post("/predict", json=batch)).json()["fallback"] is True
        assert (await client.get("/ready")).status_code == 200


async def test_non_finite_warm_up_is_a_load_failure(
    make_client: ClientFactory, contract: Contract, batch: dict[str, Any]
) -> None:
    """A model that answers NaN at start-up is not served."""
    flaky = FlakyPredictor(contract)
    flaky.answer = {"prediction": float("nan")}
    async with make_client(loader=lambda uri: flaky) as client:
        assert (await client.get("/ready")).status_code == 503
        assert (await client.post("/predict", json=batch)).json()["fallback"] is True


async def test_non_finite_output_falls_back_without_degrading(
    make_client: ClientFactory, json_logs: JsonLogs, contract: Contract, batch: dict[str, Any]
) -> None:
    """A model answering NaN for a request: the fallback for it, /ready stays green."""
    flaky = FlakyPredictor(contract)
    async with make_client(loader=lambda uri: flaky) as client:
        flaky.answer = {"prediction": float("inf")}  # e.g. extreme inputs overflowing the model
        response = await client.post("/predict", json=batch, headers={"x-request-id": "nf"})
        assert (await client.get("/ready")).status_code == 200
        text = (await client.get("/metrics")).text
    assert response.json()["fallback"] is True
    assert response.json()["predictions"] == [flaky.fallback() | {"warnings": []}]
    assert metric_value(text, "model_fallbacks_total", reason="non_finite_output") == 1
    [line] = json_logs.messages("model gave non-finite values; serving fallback")
    assert line["request_id"] == "nf"


async def test_a_broken_contract_stops_the_app_from_being_built(tmp_path: Path) -> None:
    """The service cannot check requests without its contract: create_app refuses, naming it."""
    from {{ cookiecutter.package_name }}.contract import ContractError

    broken = tmp_path / "contract.yaml"
    broken.write_text("task: binary\n")
    with pytest.raises(ContractError, match=r"contract\.yaml"):
        create_app(Settings(contract_path=broken))
