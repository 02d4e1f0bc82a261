"""Loading models: a folder or a file in it, local or gs://, the pipeline's export as is."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
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


def test_gs_uri_uses_the_storage_client_lazily(
    monkeypatch: pytest.MonkeyPatch, model_dir: Path, contract: Contract
) -> None:
    """gs:// goes through google.cloud.storage (a fake here: no network, no account)."""
    downloads: list[str] = []

    class Blob:
        def __init__(self, name: str) -> None:
            self.name = name

        def exists(self) -> bool:
            folder, _, name = self.name.rpartition("/")
            return folder == "models/credit/v3" and (model_dir / name).exists()

        def download_to_filename(self, filename: str) -> None:
            downloads.append(self.name)
            shutil.copy(model_dir / Path(self.name).name, filename)

    class Bucket:
        def __init__(self, name: str) -> None:
            assert name == "my-bucket"

        def blob(self, name: str) -> Blob:
            return Blob(name)

    class Client:
        def bucket(self, name: str) -> Bucket:
            return Bucket(name)

    storage = types.ModuleType("google.cloud.storage")
    storage.Client = Client  # type: ignore[attr-defined]
    cloud = types.ModuleType("google.cloud")
    cloud.storage = storage  # type: ignore[attr-defined]
    google = types.ModuleType("google")
    google.cloud = cloud  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.cloud", cloud)
    monkeypatch.setitem(sys.modules, "google.cloud.storage", storage)

    model_file = json.loads((model_dir / "metadata.json").read_text())["model_file"]
    predictor = load_folder("gs://my-bucket/models/credit/v3")
    assert downloads == ["models/credit/v3/metadata.json", f"models/credit/v3/{model_file}"]
    assert predictor.contract == contract
    downloads.clear()
    load_folder(f"gs://my-bucket/models/credit/v3/{model_file}")
    assert downloads == ["models/credit/v3/metadata.json", f"models/credit/v3/{model_file}"]
    with pytest.raises(ModelLoadError, match=r"no metadata\.json at gs://my-bucket/elsewhere"):
        load_folder("gs://my-bucket/elsewhere")


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
