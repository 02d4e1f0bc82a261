"""`make contract MODEL_URI=...`: the service adopts a model's contract, or refuses in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from {{ cookiecutter.package_name }} import adopt
from {{ cookiecutter.package_name }}.contract import CONTRACT_FILE, Contract, read_contract


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
    """One error line, exit code 2, the service's contract untouched."""
    before = CONTRACT_FILE.read_bytes()
    assert adopt.main(["--model-uri", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: no model folder at ")
    assert CONTRACT_FILE.read_bytes() == before
