"""File helpers of the steps: URIs, tables read as the contract says, JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import (
    MISSING_TOKENS,
    Contract,
    ContractError,
    load_contract,
)

if TYPE_CHECKING:
    import pandas as pd


class DataError(ContractError):
    """A data file that cannot be read; the message names the file and the reason."""

    hint = "check the file: comma-separated, UTF-8, a header row, then data rows"


def local_path(uri: str | Path) -> Path:
    """A URI as a local path: gs://b/k is /gcs/b/k (Vertex AI's Cloud Storage mount)."""
    text = str(uri)
    if text.startswith("gs://"):
        return Path("/gcs") / text.removeprefix("gs://")
    return Path(text.removeprefix("file://"))


def table_file(path: str | Path) -> Path:
    """The CSV file of a table: the file itself, or the one CSV file of a folder (batch
    prediction writes its predictions as a folder holding predictions.csv)."""
    source = local_path(path)
    if source.is_dir():
        found = sorted(source.glob("*.csv"))
        if len(found) != 1:
            raise DataError(f"{str(path)!r} is a folder with {len(found)} CSV files, not one")
        return found[0]
    if not source.is_file():
        raise DataError(f"no data file {str(path)!r}")
    return source


def read_table(path: str | Path, contract: Contract | None = None) -> pd.DataFrame:
    """Read a CSV table; the contract's text columns (categories, ids, classes) stay text, and
    exactly the contract's MISSING_TOKENS are empty values (any other text is kept, so a
    numeric column's text is reported, never silently dropped)."""
    import pandas as pd

    contract = contract or load_contract()
    source = table_file(path)
    try:
        frame = pd.read_csv(
            source,
            dtype=dict.fromkeys(contract.text_columns(), str),
            keep_default_na=False,
            na_values=list(MISSING_TOKENS),
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"{str(path)!r} is empty: it needs a header row and data rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataError(f"cannot parse {str(path)!r} as CSV: {reason}") from None
    frame.columns = [str(c) for c in frame.columns]
    return frame


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
