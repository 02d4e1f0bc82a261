"""`make contract MODEL_URI=...`: the service adopts a model's contract, or refuses in one line."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }} import adopt
from {{ cookiecutter.package_name }}.contract import CONTRACT_FILE, Contract, read_contract
from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX
from {{ cookiecutter.package_name }}.registry import RegistryError, open_registry


def test_adopting_writes_the_models_contract_and_names_the_changes(
    task_service: tuple[Path, Path], task_contract: Contract, contract: Contract, tmp_path: Path
) -> None:
    """The service's contract becomes the model's; what changed in the inputs is listed."""
    model_dir, _ = task_service
    target = tmp_path / "service-contract.yaml"
    target.write_bytes(CONTRACT_FILE.read_bytes())
    changes = adopt.adopt(str(model_dir), target)
    assert read_contract(target) == task_contract
    assert changes == contract.same_inputs(task_contract)
    assert adopt.adopt(str(model_dir), target) == []  # again: nothing left to change


def test_adopting_from_a_folder_that_is_no_model_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One error line and what to do, exit code 2, the service's contract untouched."""
    before = CONTRACT_FILE.read_bytes()
    assert adopt.main(["--model-uri", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].startswith("error: no model folder at ")
    assert err[1].startswith("what to do: give MODEL_URI a model folder")
    assert CONTRACT_FILE.read_bytes() == before


def test_adopting_takes_the_registry_uris_the_service_serves(
    task_service: tuple[Path, Path],
    task_contract: Contract,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """models:/<name>@<alias> and models:/<name>/<version>, in the registry at registry_uri:
    what /ready advises when a model does not fit the contract works when pasted."""
    model_dir, _ = task_service
    registry = open_registry(str(tmp_path / "registry"))
    registry.register("churn", model_dir, {"metrics": {}, "lineage": {}})
    registry.set_alias("churn", "champion", 1)
    monkeypatch.setenv(f"{ENV_PREFIX}REGISTRY_URI", str(tmp_path / "registry"))
    target = tmp_path / "service-contract.yaml"
    for uri in ("models:/churn@champion", "models:/churn/1"):
        target.unlink(missing_ok=True)
        adopt.adopt(uri, target)
        assert read_contract(target) == task_contract


def test_adopting_the_champion_of_a_registry_in_a_bucket(
    task_service: tuple[Path, Path],
    task_contract: Contract,
    tmp_path: Path,
    bucket: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """registry_uri gs://: the champion's contract is read from the bucket (the emulator,
    the real client) and becomes the service's; the download does not outlive the read."""
    model_dir, _ = task_service
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    uri = f"gs://{bucket.name}/registry"
    registry = open_registry(uri)
    registry.register("churn", model_dir, {"metrics": {}, "lineage": {}})
    registry.set_alias("churn", "champion", 1)
    monkeypatch.setenv(f"{ENV_PREFIX}REGISTRY_URI", uri)
    target = tmp_path / "service-contract.yaml"
    target.write_bytes(CONTRACT_FILE.read_bytes())
    adopt.adopt("models:/churn@champion", target)
    assert read_contract(target) == task_contract
    assert list(temp.iterdir()) == []


def test_adopting_from_an_unknown_registry_says_which_setting_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default registry_uri names a folder the service does not have: the error says
    which setting points it at the pipeline's registry; nothing changes."""
    before = CONTRACT_FILE.read_bytes()
    assert adopt.main(["--model-uri", "models:/churn@champion"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert f"({ENV_PREFIX}REGISTRY_URI) names a folder that does not exist" in err[0]
    assert err[1] == f"what to do: {RegistryError.hint}"
    assert CONTRACT_FILE.read_bytes() == before
