"""File helpers of the steps: URIs, tables read as the contract says, JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import Contract, load_contract
from {{ cookiecutter.package_name }}.sources import DataError, read_frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DataError", "local_path", "read_json", "read_table", "write_json", "write_table"]


def local_path(uri: str | Path) -> Path:
    """A URI as a local path: gs://b/k is /gcs/b/k (Vertex AI's Cloud Storage mount)."""
    text = str(uri)
    if text.startswith("gs://"):
        return Path("/gcs") / text.removeprefix("gs://")
    return Path(text.removeprefix("file://"))


def read_table(path: str | Path, contract: Contract | None = None) -> pd.DataFrame:
    """Read a whole table from any source (`sources.py`: a CSV or Parquet file, a folder or
    glob of shards, gs://, bq://); the contract's text columns (categories, ids, classes) stay
    text, and exactly the contract's MISSING_TOKENS are empty values (any other text is kept,
    so a numeric column's text is reported, never silently dropped)."""
    return read_frame(path, contract or load_contract())


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


def read_json(path: str | Path) -> Any:
    """Read a JSON file."""
    return json.loads(local_path(path).read_text(encoding="utf-8"))
