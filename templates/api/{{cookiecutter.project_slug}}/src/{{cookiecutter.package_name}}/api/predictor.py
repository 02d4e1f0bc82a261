"""The predictor interface, and the joblib/scikit-learn implementation of it.

A model is a folder holding `model.joblib` (a fitted scikit-learn estimator, usually a
Pipeline) and `metadata.json` (`name`, `features`, ...), as the pipeline template exports and
`make sample-model` writes; or the `.joblib` file itself; locally or on `gs://`. Another
framework plugs in by implementing `Predictor` and passing `create_app(settings, loader=...)`.
numpy, joblib, scikit-learn and google-cloud-storage are imported only when a model loads.
"""

from __future__ import annotations

import json
import posixpath
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from {{ cookiecutter.package_name }}.ops.logging import logger

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


class ModelMetadata(BaseModel):
    """What the service knows about the loaded model (metadata.json and the estimator)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    features: list[str]
    framework: str = "scikit-learn"
    output: Literal["probability", "prediction"] = "prediction"
    positive_class: str | None = None
    uri: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class InvalidRecordError(ValueError):
    """A client's mistake in a record (answered 422, not with the fallback)."""

    def __init__(self, index: int, field: str, msg: str = "Field required") -> None:
        super().__init__(f"records[{index}].{field}: {msg}")
        self.index = index
        self.field = field
        self.msg = msg


class ModelLoadError(RuntimeError):
    """The model artefact is missing or unusable."""


@runtime_checkable
class Predictor(Protocol):
    """One small interface for every framework.

    `predict` takes records (feature name -> number) and returns one float per record. It
    raises `InvalidRecordError` for bad input; any other exception is a model fault, which the
    service answers with the fallback.
    """

    @property
    def metadata(self) -> ModelMetadata:
        """Name, version and features of the model."""
        ...

    def predict(self, records: Sequence[Mapping[str, float]]) -> list[float]:
        """One value per record, in order."""
        ...


Loader = Callable[[str], Predictor]


class SklearnPredictor:
    """A fitted scikit-learn estimator behind the `Predictor` interface.

    Records become one float64 array in the model's feature order (no DataFrame per request).
    A binary classifier with `predict_proba` answers the probability of its positive class
    (`classes_[1]`); any other estimator answers `predict` as floats.
    """

    def __init__(self, estimator: Any, metadata: ModelMetadata) -> None:
        import numpy as np

        self._np = np
        self.estimator = estimator
        self._features = tuple(metadata.features)
        classes = getattr(estimator, "classes_", None)
        self._proba = (
            hasattr(estimator, "predict_proba") and classes is not None and len(classes) == 2
        )
        if self._proba and classes is not None:
            update = {"output": "probability", "positive_class": str(classes[1])}
            metadata = metadata.model_copy(update=update)
        self._metadata = metadata
        if getattr(estimator, "feature_names_in_", None) is not None:
            # Fitted on a DataFrame: the names were checked against metadata at load and
            # the array's columns follow them, so sklearn's warning about an array without
            # names would only be noise on every request.
            warnings.filterwarnings(
                "ignore", message="X does not have valid feature names", category=UserWarning
            )

    @property
    def metadata(self) -> ModelMetadata:
        """Name, version, features and output of the model."""
        return self._metadata

    def to_array(self, records: Sequence[Mapping[str, float]]) -> npt.NDArray[np.float64]:
        """The records as a (rows, features) float64 array in the model's feature order."""
        features = self._features
        try:
            rows = [[record[f] for f in features] for record in records]
        except KeyError:
            for index, record in enumerate(records):
                for feature in features:
                    if feature not in record:
                        raise InvalidRecordError(index, feature) from None
            raise
        array = self._np.array(rows, dtype=self._np.float64)
        return array.reshape(len(rows), len(features))

    def predict(self, records: Sequence[Mapping[str, float]]) -> list[float]:
        """Positive-class probabilities of a binary classifier, else `predict` as floats."""
        x = self.to_array(records)
        # Extreme inputs may overflow: the service answers non-finite values with the
        # fallback, so numpy's warnings would only repeat that in the log.
        with self._np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self._proba:
                y = self.estimator.predict_proba(x)[:, 1]
            else:
                y = self._np.asarray(self.estimator.predict(x), dtype=self._np.float64)
        values: list[float] = y.reshape(-1).tolist()
        return values


def download_gcs(uri: str, dest: Path) -> Path:
    """Copy `gs://bucket/folder` or `gs://bucket/folder/x.joblib` (and the folder's
    metadata.json, if any) into `dest`; return the local model file."""
    from google.cloud import storage  # the optional `gcs` extra; the image has it

    bucket_name, _, blob_path = uri.removeprefix("gs://").partition("/")
    if blob_path.endswith(".joblib"):
        model_blob = blob_path
        meta_blob = posixpath.join(posixpath.dirname(blob_path), METADATA_FILE)
    else:
        prefix = blob_path.strip("/")
        model_blob = posixpath.join(prefix, MODEL_FILE) if prefix else MODEL_FILE
        meta_blob = posixpath.join(prefix, METADATA_FILE) if prefix else METADATA_FILE
    bucket = storage.Client().bucket(bucket_name)
    local_model = dest / posixpath.basename(model_blob)
    bucket.blob(model_blob).download_to_filename(str(local_model))
    meta = bucket.blob(meta_blob)
    if meta.exists():
        meta.download_to_filename(str(dest / METADATA_FILE))
    return local_model


def resolve_local(path: Path) -> tuple[Path, Path | None]:
    """The model file and the metadata file (if any) of a folder or file path."""
    model_file = path / MODEL_FILE if path.is_dir() else path
    if not model_file.is_file():
        raise ModelLoadError(f"no model file at {model_file}")
    meta_file = model_file.parent / METADATA_FILE
    return model_file, meta_file if meta_file.is_file() else None


def _features(estimator: Any, listed: Sequence[str]) -> list[str]:
    """The feature columns, in the order the estimator was fitted with."""
    fitted_names = getattr(estimator, "feature_names_in_", None)
    fitted = [] if fitted_names is None else [str(f) for f in fitted_names]
    features = [str(f) for f in listed] or fitted
    if not features:
        raise ModelLoadError("feature names unknown: list them as 'features' in metadata.json")
    if fitted and sorted(fitted) != sorted(features):
        raise ModelLoadError("metadata.json's features differ from the estimator's")
    features = fitted or features  # the estimator's column order is the truth
    expected = getattr(estimator, "n_features_in_", None)
    if expected is not None and expected != len(features):
        raise ModelLoadError(
            f"the estimator takes {expected} features, metadata lists {len(features)}"
        )
    return features


def load_sklearn(uri: str) -> SklearnPredictor:
    """The default loader: a joblib file or a folder, local or on gs://.

    joblib files are pickles: load only models you trust.
    """
    if uri.startswith("gs://"):
        local = download_gcs(uri, Path(tempfile.mkdtemp(prefix="model-")))
    else:
        local = Path(uri).expanduser()
    model_file, meta_file = resolve_local(local)
    raw: dict[str, Any] = json.loads(meta_file.read_text()) if meta_file else {}

    import joblib
    import sklearn

    trained_with = raw.get("sklearn_version")
    if trained_with and trained_with != sklearn.__version__:
        logger.warning(
            "model trained with another scikit-learn version",
            trained_with=trained_with,
            serving_with=sklearn.__version__,
        )
    estimator = joblib.load(model_file)
    if not hasattr(estimator, "predict"):
        raise ModelLoadError(f"{type(estimator).__name__} has no predict()")
    default_name = model_file.parent.name if model_file.name == MODEL_FILE else model_file.stem
    known = {"name", "version", "features", "framework"}
    metadata = ModelMetadata(
        name=str(raw.get("name") or default_name),
        # The pipeline template's export has package_version and no version.
        version=str(raw.get("version") or raw.get("package_version") or "unknown"),
        features=_features(estimator, raw.get("features") or []),
        framework=str(raw.get("framework") or "scikit-learn"),
        uri=uri,
        extra={k: v for k, v in raw.items() if k not in known},
    )
    return SklearnPredictor(estimator, metadata)
