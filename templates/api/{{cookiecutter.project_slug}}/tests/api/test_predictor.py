"""Loading models: a folder or a file in it, local or gs://, the pipeline's export as is."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.api.predictor import (
    ModelLoadError,
    Predictor,
    load_folder,
)
from {{ cookiecutter.package_name }}.contract import Contract


@pytest.mark.parametrize("inside", [False, True], ids=["folder", "file"])
def test_model_uri_is_the_folder_or_a_file_in_it(
    model_dir: Path, contract: Contract, record: dict[str, Any], inside: bool
) -> None:
    """Both forms load the model, its metadata.json and its contract."""
    model_file = json.loads((model_dir / "metadata.json").read_text())["model_file"]
    predictor = load_folder(str(model_dir / model_file) if inside else str(model_dir))
    assert isinstance(predictor, Predictor)
    meta = predictor.metadata
    version = json.loads((model_dir / "metadata.json").read_text())["version"]
    assert (meta.name, meta.version) == ("{{ cookiecutter.project_slug }}-sample", version)
    assert predictor.contract == contract
    [answer] = predictor.predict([[record[name] for name in contract.feature_names]])
    assert "prediction" in answer


def test_an_older_pipeline_export_is_served_as_is(model_dir: Path, tmp_path: Path) -> None:
    """package_version and no version: the version is the package's."""
    export = tmp_path / "export"
    shutil.copytree(model_dir, export)
    meta = json.loads((export / "metadata.json").read_text())
    del meta["version"]
    meta.update(name="credit-pipeline", package_version="2.3.0", run="t")
    (export / "metadata.json").write_text(json.dumps(meta))
    predictor = load_folder(str(export))
    assert (predictor.metadata.name, predictor.metadata.version) == ("credit-pipeline", "2.3.0")
    assert predictor.metadata.extra["run"] == "t"


def test_a_folder_without_metadata_or_contract_is_refused(model_dir: Path, tmp_path: Path) -> None:
    """No metadata.json, or one without the contract: ModelLoadError naming what is missing."""
    with pytest.raises(ModelLoadError, match=r"metadata\.json"):
        load_folder(str(tmp_path / "nothing"))
    shutil.copytree(model_dir, tmp_path / "old")
    meta = json.loads((tmp_path / "old" / "metadata.json").read_text())
    del meta["contract"]
    (tmp_path / "old" / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="no 'contract'"):
        load_folder(str(tmp_path / "old"))


def test_a_gs_model_folder_is_downloaded_from_the_bucket(
    bucket: Any,
    model_dir: Path,
    contract: Contract,
    record: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """gs://: the folder (or a file in it) is read with google-cloud-storage, here from a
    bucket in the emulator: metadata.json, then the model file it names, nothing else; the
    download is gone once the model is loaded."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    prefix = "models/credit/v3"
    for path in model_dir.iterdir():
        bucket.blob(f"{prefix}/{path.name}").upload_from_filename(str(path))
    bucket.blob(f"{prefix}/notes/unrelated.txt").upload_from_string("not the model")
    model_file = json.loads((model_dir / "metadata.json").read_text())["model_file"]
    for uri in (f"gs://{bucket.name}/{prefix}", f"gs://{bucket.name}/{prefix}/{model_file}"):
        predictor = load_folder(uri)
        assert predictor.contract == contract
        [answer] = predictor.predict([list(record.values())])
        assert answer == load_folder(str(model_dir)).predict([list(record.values())])[0]
        assert list(temp.iterdir()) == []
    with pytest.raises(ModelLoadError, match=rf"no metadata\.json at gs://{bucket.name}/elsewhere"):
        load_folder(f"gs://{bucket.name}/elsewhere")


def test_starting_the_app_imports_nothing_heavy() -> None:
    """Building the app loads neither scikit-learn, numpy nor google.cloud (until a model)."""
    code = (
        "import sys\n"
        "from {{ cookiecutter.package_name }}.api.app import create_app\n"
        "from {{ cookiecutter.package_name }}.ops.config import Settings\n"
        "create_app(Settings())\n"
        "heavy = ('sklearn', 'joblib', 'google.cloud', 'pandas', 'scipy', 'numpy')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
