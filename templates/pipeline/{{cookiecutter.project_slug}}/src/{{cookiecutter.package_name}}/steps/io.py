"""File helpers of the steps: URIs, tables, JSON, models."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


def local_path(uri: str | Path) -> Path:
    """A URI as a local path: gs://b/k is /gcs/b/k (Vertex AI's Cloud Storage mount)."""
    text = str(uri)
    if text.startswith("gs://"):
        return Path("/gcs") / text.removeprefix("gs://")
    return Path(text.removeprefix("file://"))


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV table."""
    return pd.read_csv(local_path(path))


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV (no index), creating the folder."""
    out = local_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    return out


def write_json(obj: Any, path: str | Path) -> Path:
    """Write indented JSON, creating the folder."""
    out = local_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(obj, indent=2, default=str) + "\n", encoding="utf-8")
    return out


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes."""
    with local_path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def save_model(model: Pipeline, path: str | Path) -> Path:
    """Save a fitted model with joblib."""
    import joblib

    out = local_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out)
    return out


def load_model(uri: str | Path) -> Pipeline:
    """Load a fitted model from a joblib file or an exported model folder."""
    import joblib

    path = local_path(uri)
    if path.is_dir():
        path = path / MODEL_FILE
    model: Pipeline = joblib.load(path)
    return model
