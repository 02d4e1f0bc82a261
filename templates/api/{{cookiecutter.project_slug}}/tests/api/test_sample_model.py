"""The sample model: the pipeline template's export format, written by `make sample-model`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.sample_model import FEATURES, main


def test_sample_model_has_the_pipeline_export_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """model.joblib and metadata.json, as the pipeline's `make run` exports them."""
    out = tmp_path / "sample"
    main(["--out", str(out)])
    assert capsys.readouterr().out.strip() == f"model_uri: {out}"
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["features"] == FEATURES
    assert (meta["label"], meta["framework"]) == ("default", "scikit-learn")
    assert meta["outputs"] == ["prediction", "probability"]
    assert meta["package_version"] == "0.1.0"
    assert meta["sha256"] == hashlib.sha256((out / "model.joblib").read_bytes()).hexdigest()
    assert meta["metrics"]["roc_auc"] > 0.6
