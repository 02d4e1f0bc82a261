"""The sample model: the pipeline template's export format, written by `make sample-model`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.framework import FRAMEWORK
from {{ cookiecutter.package_name }}.sample_model import build, main


def test_sample_model_has_the_pipeline_export_format(
    tmp_path: Path, contract: Contract, capsys: pytest.CaptureFixture[str]
) -> None:
    """The model file and metadata.json, as the pipeline's `make run` exports them."""
    out = tmp_path / "sample"
    main(["--out", str(out)])
    assert capsys.readouterr().out.strip() == f"model_uri: {out}"
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["features"] == contract.feature_names
    assert (meta["label"], meta["task"]) == (contract.label.name, contract.task)
    assert meta["outputs"] == contract.output_columns
    assert meta["framework"] == FRAMEWORK.name
    assert meta["package_version"] == "0.1.0"
    model_bytes = (out / meta["model_file"]).read_bytes()
    assert meta["sha256"] == hashlib.sha256(model_bytes).hexdigest()
    # Its own version, from its file: the package's version names no model.
    assert meta["version"] == f"sample-{meta['sha256'][:12]}"


def test_the_sample_model_beats_guessing_for_every_task(
    task_contract: Contract, tmp_path: Path
) -> None:
    """Trained on synthetic data of any contract, it scores well on held-out rows: better
    than always answering the commonest class, or than the mean (r2 0)."""
    folder = build(tmp_path, rows=600, contract=task_contract)
    metrics = json.loads((folder / "metadata.json").read_text())["metrics"]
    if task_contract.task == "regression":
        assert metrics["r2"] > 0.5
    else:
        commonest = max(task_contract.base_rates().values())
        assert metrics["accuracy"] > commonest + 0.1
