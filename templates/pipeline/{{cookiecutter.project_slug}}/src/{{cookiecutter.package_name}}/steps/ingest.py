"""Ingest: read the source table and store it as the pipeline's dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.steps.io import (
    file_sha256,
    local_path,
    read_table,
    write_table,
)


def ingest(source: str, dest: str | Path) -> dict[str, Any]:
    """Copy `source` (a local path or gs:// URI) to `dest` as CSV; return its metadata."""
    frame = read_table(source)
    write_table(frame, dest)
    info: dict[str, Any] = {
        "source": source,
        "rows": len(frame),
        "columns": list(frame.columns),
        "sha256": file_sha256(local_path(source)),
    }
    logger.info("ingested", source=source, rows=info["rows"], columns=len(frame.columns))
    return info
