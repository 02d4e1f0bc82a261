"""Ingest: copy the source table as the pipeline's dataset, and describe it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.model import file_sha256
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path, read_table


@reported()
def ingest(source: str, dest: str | Path) -> dict[str, Any]:
    """Copy `source` (a local path or gs:// URI) to `dest` byte for byte; return its metadata."""
    frame = read_table(source)  # refuses a file that is not a readable CSV
    out = local_path(dest)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(local_path(source), out)
    info: dict[str, Any] = {
        "source": source,
        "rows": len(frame),
        "columns": list(frame.columns),
        "sha256": file_sha256(out),
    }
    logger.info("ingested", source=source, rows=info["rows"], columns=len(frame.columns))
    return info
