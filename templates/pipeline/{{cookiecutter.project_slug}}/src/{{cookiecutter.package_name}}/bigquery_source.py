"""BigQuery in and out: a table or a query read in chunks through the Storage Read API, and
batch predictions' shards loaded into a table by a load job.

Why the Storage Read API rather than an export to shards in a bucket: it streams Arrow record
batches straight from the table (or the query's result), with no bucket to manage, no export
job to wait for and no files to clean up; the chunks arrive as the step reads them, so memory
stays flat. Why a load job for the output rather than the Storage Write API: batch prediction
has already written its shards (the run's record, Parquet), a load job takes them in one
atomic step (all of the batch or none of it), costs nothing, and needs no protobuf schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.sources import QUERY, DataError

if TYPE_CHECKING:
    import pandas as pd

PART = re.compile(r"[\w-]+")


def bigquery_table(uri: str) -> str:
    """`bq://project.dataset.table` as project.dataset.table (DataError if it is not one)."""
    parts = uri.removeprefix("bq://").strip("/").split(".")
    if len(parts) != 3 or not all(PART.fullmatch(p) for p in parts):
        raise DataError(f"{uri!r} is not bq://project.dataset.table")
    return ".".join(parts)


def query_text(uri: str) -> str:
    """The query of a `.sql` file (local or gs://), or `uri` itself when it is one."""
    if QUERY.match(uri):
        return uri
    if uri.startswith("gs://"):
        from google.cloud import storage

        bucket, _, key = uri.removeprefix("gs://").partition("/")
        blob = storage.Client().bucket(bucket).get_blob(key)
        if blob is None:
            raise DataError(f"no query file {uri!r}")
        text: str = blob.download_as_text()
    else:
        path = Path(uri)
        if not path.is_file():
            raise DataError(f"no query file {uri!r}")
        text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise DataError(f"{uri!r} is empty: a .sql file holds one query")
    return text


def _client(project: str | None) -> Any:
    from google.cloud import bigquery

    from {{ cookiecutter.package_name }}.ops.config import get_settings

    return bigquery.Client(project=get_settings().gcp_project or project)


def read_bigquery(uri: str, rows: int) -> Iterator[pd.DataFrame]:
    """The table or the query's result in chunks of at most `rows` rows, as Arrow record
    batches from the Storage Read API, gathered into DataFrames."""
    import pyarrow as pa
    from google.cloud import bigquery_storage

    if uri.startswith("bq://"):
        table = bigquery_table(uri)
        iterator = _client(table.split(".")[0]).list_rows(table, page_size=rows)
    else:
        query = query_text(uri)  # refused before any client is made
        iterator = _client(None).query(query).result(page_size=rows)
    batches: list[Any] = []
    held = 0
    # Generated code, untyped in older releases.
    reader = bigquery_storage.BigQueryReadClient()  # type: ignore[no-untyped-call, unused-ignore]
    for batch in iterator.to_arrow_iterable(bqstorage_client=reader):
        while batch.num_rows:
            taken = batch.slice(0, rows - held)
            batches.append(taken)
            held += taken.num_rows
            batch = batch.slice(taken.num_rows)
            if held == rows:
                yield pa.Table.from_batches(batches).to_pandas()
                batches, held = [], 0
    if batches:
        yield pa.Table.from_batches(batches).to_pandas()


def write_bigquery(files: Sequence[str], uri: str, file_format: str) -> int:
    """Load the shards (gs:// URIs, or files of this machine) into the table at `uri`,
    replacing what it held, in one load job; the rows it then holds."""
    from google.cloud import bigquery

    table = bigquery_table(uri)
    client = _client(table.split(".")[0])
    config = bigquery.LoadJobConfig(
        source_format=(
            bigquery.SourceFormat.PARQUET if file_format == "parquet" else bigquery.SourceFormat.CSV
        ),
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        autodetect=True,
    )
    if file_format == "csv":
        config.skip_leading_rows = 1
    if all(f.startswith("gs://") for f in files):
        job = client.load_table_from_uri(list(files), table, job_config=config)
        job.result()
    else:  # local shards: one job per file, the first replaces the table, the others append
        for index, name in enumerate(files):
            if index:
                config.write_disposition = bigquery.WriteDisposition.WRITE_APPEND
            with Path(name).open("rb") as handle:
                client.load_table_from_file(handle, table, job_config=config).result()
    return int(client.get_table(table).num_rows)
