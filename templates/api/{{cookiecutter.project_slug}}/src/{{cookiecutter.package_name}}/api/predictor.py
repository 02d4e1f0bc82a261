"""The predictor interface, and the default loader: a model folder (`model.Model`).

A model is a folder holding the model file and `metadata.json` (with the data contract it was
trained on), as the pipeline template exports and `make sample-model` writes; locally or on
`gs://`. Another framework plugs in by implementing `Predictor` and passing
`create_app(settings, loader=...)`. numpy, scikit-learn and google-cloud-storage are imported
only when a model loads.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from {{ cookiecutter.package_name }}.contract import Contract

if TYPE_CHECKING:
    from {{ cookiecutter.package_name }}.registry import Version

METADATA_FILE = "metadata.json"
LEGACY_MODEL_FILE = "model.joblib"  # older exports name no model_file


class ModelMetadata(BaseModel):
    """What the service tells about the loaded model."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    framework: str
    uri: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class ModelLoadError(RuntimeError):
    """The model is missing, unusable, or does not fit the service's contract."""


@runtime_checkable
class Predictor(Protocol):
    """One small interface for every framework.

    `predict` takes rows whose values follow `contract.features` and returns one answer per
    row: `{"prediction": ...}`, plus `probability` (binary) or `probabilities` (multiclass),
    and optionally `warnings` (what the row had that the model never saw: profile.py).
    Any exception is a model fault, which the service answers with the fallback.
    """

    @property
    def metadata(self) -> ModelMetadata:
        """Name, version and framework of the model."""
        ...

    @property
    def contract(self) -> Contract:
        """The data contract the model was trained with."""
        ...

    def predict(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """One answer per row, in order."""
        ...

    def fallback(self) -> dict[str, Any]:
        """The answer when the model cannot give one (its training base rate or mean)."""
        ...


Loader = Callable[[str], Predictor]


class ModelPredictor:
    """A model folder behind the `Predictor` interface."""

    def __init__(self, model: Any, metadata: ModelMetadata) -> None:
        self.model = model
        self._metadata = metadata

    @property
    def metadata(self) -> ModelMetadata:
        """Name, version and framework of the model."""
        return self._metadata

    @property
    def contract(self) -> Contract:
        """The contract in the model's metadata.json."""
        contract: Contract = self.model.contract
        return contract

    def predict(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """The model's answers (the same as batch prediction's columns for these rows)."""
        answers: list[dict[str, Any]] = self.model.predict_rows(rows)
        return answers

    def fallback(self) -> dict[str, Any]:
        """The model's training base rate (or mean)."""
        answer: dict[str, Any] = self.model.fallback()
        return answer

    def training_range(self, name: str) -> tuple[float, float] | None:
        """A numeric feature's range in the model's training data (the OpenAPI docs say it)."""
        found: tuple[float, float] | None = self.model.profile.training_range(name)
        return found


def download_gcs(uri: str, dest: Path) -> Path:
    """Copy the model folder `gs://bucket/folder` (or the folder of `gs://.../file`) into
    `dest`: metadata.json, then the model file it names. Return `dest`."""
    # The optional `gcs` extra (the image has it); untyped in its older releases.
    from google.cloud import storage  # type: ignore[attr-defined, unused-ignore]

    bucket_name, _, blob_path = uri.removeprefix("gs://").partition("/")
    prefix = blob_path.strip("/")
    if posixpath.splitext(prefix)[1] and not prefix.endswith(METADATA_FILE):
        prefix = posixpath.dirname(prefix)  # a file in the folder was named
    bucket = storage.Client().bucket(bucket_name)
    meta = bucket.blob(posixpath.join(prefix, METADATA_FILE) if prefix else METADATA_FILE)
    if not meta.exists():
        raise ModelLoadError(f"no {METADATA_FILE} at gs://{bucket_name}/{prefix}")
    meta.download_to_filename(str(dest / METADATA_FILE))
    model_file = json.loads((dest / METADATA_FILE).read_text()).get("model_file", LEGACY_MODEL_FILE)
    name = posixpath.join(prefix, model_file) if prefix else model_file
    bucket.blob(name).download_to_filename(str(dest / posixpath.basename(model_file)))
    return dest


def local_folder(uri: str, download: Path) -> Path:
    """The local model folder of a URI (a gs:// folder is downloaded into `download`)."""
    if uri.startswith("gs://"):
        return download_gcs(uri, download)
    path = Path(uri).expanduser()
    folder = path.parent if path.is_file() else path
    if not (folder / METADATA_FILE).is_file():
        raise ModelLoadError(f"no model folder at {uri} (it needs {METADATA_FILE})")
    return folder


@contextlib.contextmanager
def model_folder(
    uri: str, registry_uri: str = "registry", **options: Any
) -> Iterator[tuple[Path, Version | None]]:
    """The local model folder of every MODEL_URI the service takes: a folder (or a file in
    it), local or on gs://, or a registered version (`models:/<name>/<version>`,
    `models:/<name>@<alias>`) of the registry at `registry_uri`, resolved now; and the
    registered version, if it is one. A remote model is downloaded into a temporary folder
    that is removed when the block ends: read what you need inside it. ContractError
    (RegistryError...) names what is wrong."""
    from {{ cookiecutter.package_name }}.registry import (
        is_model_uri,
        open_registry,
        resolve,
    )

    with tempfile.TemporaryDirectory(prefix="model-") as temp:
        download = Path(temp)
        if is_model_uri(uri):
            registered, folder = resolve(uri, open_registry(registry_uri, **options), download)
            yield folder, registered
        else:
            yield local_folder(uri, download), None


def load_folder(
    uri: str, allow_pickle: bool = False, registry_uri: str = "registry", **options: Any
) -> ModelPredictor:
    """The default loader: the model at `uri` (see `model_folder`); a pickle (older
    exports) only with `allow_pickle`."""
    from {{ cookiecutter.package_name }}.contract import ContractError
    from {{ cookiecutter.package_name }}.model import load_model

    try:
        with model_folder(uri, registry_uri, **options) as (folder, registered):
            model = load_model(folder, allow_pickle=allow_pickle)  # all in memory
    except ContractError as error:  # RegistryError and the model's own errors too
        raise ModelLoadError(str(error)) from None
    raw = model.metadata
    known = {"name", "version", "framework"}
    extra = {k: v for k, v in raw.items() if k not in known}
    if registered is not None:  # the registry's name and version are the model's identity
        extra["registry"] = {
            "requested": uri,
            "resolved": registered.uri,
            "aliases": registered.aliases,
        }
    metadata = ModelMetadata(
        name=registered.name if registered else str(raw.get("name") or folder.name),
        # Older pipeline exports have package_version and no version.
        version=str(registered.version)
        if registered
        else str(raw.get("version") or raw.get("package_version") or "unknown"),
        framework=str(raw.get("framework") or "unknown"),
        uri=registered.uri if registered else uri,
        extra=extra,
    )
    return ModelPredictor(model, metadata)
