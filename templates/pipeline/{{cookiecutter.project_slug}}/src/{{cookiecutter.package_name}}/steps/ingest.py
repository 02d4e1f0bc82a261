"""Ingest: read the source in chunks (`sources.py`) and write it as the pipeline's dataset, a
folder of Parquet shards, with its rows, columns and sha256; memory stays flat."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.sources import DataError, read_chunks
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path

SHARD = "part-{:05d}.parquet"  # the dataset's shards, in order


@reported()
def ingest(source: str, dest: str | Path) -> dict[str, Any]:
    """Write `source` (any source of `sources.py`) as Parquet shards into the folder `dest`;
    return its metadata (the sha256 is of the shards' bytes, in order)."""
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    out = local_path(dest)
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    rows = 0
    columns: list[str] = []
    written = 0
    for chunk in read_chunks(source, rows=get_settings().chunk_rows):
        if written and not len(chunk):
            continue
        shard = out / SHARD.format(written)
        chunk.to_parquet(shard, index=False)
        digest.update(shard.read_bytes())
        rows += len(chunk)
        columns = list(chunk.columns)
        written += 1
    if not columns:
        raise DataError(f"{source!r} gave no rows and no columns")
    info: dict[str, Any] = {
        "source": source,
        "rows": rows,
        "columns": columns,
        "shards": written,
        "format": "parquet",
        "sha256": digest.hexdigest(),
    }
    logger.info("ingested", source=source, rows=rows, columns=len(columns), shards=written)
    return info
