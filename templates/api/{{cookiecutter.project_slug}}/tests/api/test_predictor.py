"""Loading models: folder or file, local or gs://, the pipeline template's export as is."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest

from {{ cookiecutter.package_name }}.api.predictor import (
    InvalidRecordError,
    ModelLoadError,
    ModelMetadata,
    Predictor,
    SklearnPredictor,
    load_sklearn,
)
from {{ cookiecutter.package_name }}.sample_model import FEATURES, SAMPLE_RECORD


@pytest.mark.parametrize("file", ["", "model.joblib"], ids=["folder", "file"])
def test_model_uri_is_the_folder_or_the_joblib_file(model_dir: Path, file: str) -> None:
    """Both forms load the model and its metadata.json."""
    predictor = load_sklearn(str(model_dir / file) if file else str(model_dir))
    assert isinstance(predictor, Predictor)
    meta = predictor.metadata
    assert (meta.name, meta.version) == ("{{ cookiecutter.project_slug }}-sample", "0.1.0")
    assert meta.features == FEATURES
    assert (meta.output, meta.positive_class) == ("probability", "1")
    [value] = predictor.predict([SAMPLE_RECORD])
    assert 0.0 < value < 1.0


def test_pipeline_template_export_is_served_as_is(model_dir: Path, tmp_path: Path) -> None:
    """The pipeline's metadata.json (package_version, no version, no example) is enough."""
    export = tmp_path / "export"
    shutil.copytree(model_dir, export)
    meta = json.loads((export / "metadata.json").read_text())
    assert "version" not in meta
    assert "example" not in meta
    meta.update(name="credit-pipeline", package_version="2.3.0", run="t")
    (export / "metadata.json").write_text(json.dumps(meta))
    predictor = load_sklearn(str(export))
    assert (predictor.metadata.name, predictor.metadata.version) == ("credit-pipeline", "2.3.0")
    assert predictor.metadata.extra["run"] == "t"
    with warnings.catch_warnings(record=True) as caught:
        assert len(predictor.predict([SAMPLE_RECORD] * 3)) == 3
    assert not [w for w in caught if "feature names" in str(w.message)]  # not per request


def test_version_falls_back_to_unknown_and_name_to_the_folder(
    model_dir: Path, tmp_path: Path
) -> None:
    """No metadata.json: the features come from the estimator, the version is 'unknown'."""
    folder = tmp_path / "churn"
    folder.mkdir()
    shutil.copy(model_dir / "model.joblib", folder)
    meta = load_sklearn(str(folder)).metadata
    assert (meta.name, meta.version, meta.features) == ("churn", "unknown", FEATURES)


def test_missing_feature_is_a_client_error(model_dir: Path) -> None:
    """A record without a feature raises InvalidRecordError naming record and feature."""
    predictor = load_sklearn(str(model_dir))
    with pytest.raises(InvalidRecordError) as error:
        predictor.predict([SAMPLE_RECORD, {"age": 1.0}])
    assert (error.value.index, error.value.field) == (1, "income_k")


def test_metadata_features_must_match_the_estimator(model_dir: Path, tmp_path: Path) -> None:
    """metadata.json naming other features than the model was fitted on is refused."""
    shutil.copy(model_dir / "model.joblib", tmp_path)
    (tmp_path / "metadata.json").write_text(json.dumps({"features": ["a", "b"]}))
    with pytest.raises(ModelLoadError, match="differ"):
        load_sklearn(str(tmp_path))


def test_missing_model_and_non_model_are_refused(tmp_path: Path) -> None:
    """No file, or a pickle of something that cannot predict: ModelLoadError."""
    with pytest.raises(ModelLoadError, match="no model file"):
        load_sklearn(str(tmp_path / "nothing"))
    joblib.dump({"not": "a model"}, tmp_path / "dict.joblib")
    with pytest.raises(ModelLoadError, match="no predict"):
        load_sklearn(str(tmp_path / "dict.joblib"))


def test_regressor_answers_its_prediction(tmp_path: Path) -> None:
    """An estimator without predict_proba answers predict() as floats."""
    from sklearn.linear_model import LinearRegression

    x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]])
    model = LinearRegression().fit(x, [1.0, 2.0, 4.0])
    predictor = SklearnPredictor(model, ModelMetadata(name="r", version="1", features=["a", "b"]))
    assert predictor.metadata.output == "prediction"
    [value] = predictor.predict([{"a": 1.0, "b": 0.0}])
    assert value == pytest.approx(2.0)


def test_gs_uri_uses_the_storage_client_lazily(
    monkeypatch: pytest.MonkeyPatch, model_dir: Path
) -> None:
    """gs:// goes through google.cloud.storage (a fake here: no network, no account)."""
    downloads: list[str] = []

    class Blob:
        def __init__(self, name: str) -> None:
            self.name = name

        def exists(self) -> bool:
            return (model_dir / Path(self.name).name).exists()

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

    predictor = load_sklearn("gs://my-bucket/models/credit/v3")
    assert downloads == ["models/credit/v3/model.joblib", "models/credit/v3/metadata.json"]
    assert predictor.metadata.features == FEATURES
    downloads.clear()
    load_sklearn("gs://my-bucket/models/credit/v3/model.joblib")
    assert downloads == ["models/credit/v3/model.joblib", "models/credit/v3/metadata.json"]


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
