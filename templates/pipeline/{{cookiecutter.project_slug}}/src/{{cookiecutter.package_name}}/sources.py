"""Data sources: a URI as a stream of table chunks (pandas DataFrames), read as the contract says.

- a CSV or Parquet file, or a folder or glob of shards of either (`data/`, `data/part-*.parquet`),
  on this machine or in Cloud Storage (`gs://bucket/prefix/`, read with google-cloud-storage,
  which honours `STORAGE_EMULATOR_HOST`);
- a BigQuery table (`bq://project.dataset.table`) or query (a `.sql` file, or the text itself:
  `SELECT ...`), read with the BigQuery Storage Read API: Arrow record batches streamed in
  parallel from the table, never one Python list of rows (and no export job to a bucket).

Every source is read the same way: the contract's text columns (categories, ids, classes) as
text, exactly MISSING_TOKENS as empty values, every shard with the first shard's columns. A
source that breaks a rule is one DataError line naming the URI and the rule.
"""

from __future__ import annotations

import fnmatch
import glob
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import (
    MISSING_TOKENS,
    Contract,
    ContractError,
)

if TYPE_CHECKING:
    import pandas as pd

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
CHUNK_ROWS = 100_000  # the chunk_rows setting's default
GLOB = re.compile(r"[*?\[]")
QUERY = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


class DataError(ContractError):
    """A data source that cannot be read; the message names the source and the reason."""

    hint = (
        "give a CSV or Parquet file, a folder or glob of shards of one format with the same "
        "columns, gs://bucket/prefix, bq://project.dataset.table or a query (.sql)"
    )


@dataclass(frozen=True)
class Shard:
    """One file of a source: its name, its format, and how to open it for reading."""

    name: str
    format: str
    bucket: Any = None  # a google.cloud.storage Bucket for gs:// shards

    def open(self) -> IO[bytes]:
        """The file, open for binary reading (seekable, as Parquet needs)."""
        if self.bucket is not None:
            key = self.name.removeprefix(f"gs://{self.bucket.name}/")
            handle: IO[bytes] = self.bucket.blob(key).open("rb")
            return handle
        return Path(self.name).open("rb")


def is_bigquery(uri: str | Path) -> bool:
    """Whether `uri` is read from BigQuery: bq://, a .sql file or a query's text."""
    text = str(uri)
    return text.startswith("bq://") or text.endswith(".sql") or bool(QUERY.match(text))


def absolute(uri: str | Path) -> str:
    """A local path made absolute (a pipeline's tasks run elsewhere); other URIs as they are."""
    text = str(uri)
    if "://" in text or is_bigquery(text):
        return text
    return str(Path(text).resolve())


def check_exists(uri: str | Path) -> None:
    """Refuse a local source that is not there, or a folder without shards of one format
    (DataError), before anything runs; remote ones are checked as they are read."""
    text = str(uri)
    if "://" in text or is_bigquery(text):
        return
    shards(text)


def _glob(pattern: str) -> list[str]:
    """The files a glob matches, in name order (absolute patterns too, which Path.glob refuses)."""
    return sorted(glob.glob(pattern))  # noqa: PTH207


def _format(name: str) -> str | None:
    return FORMATS.get(Path(name.removesuffix(".gz")).suffix.lower())


def _local_shards(uri: str) -> list[Shard]:
    path = Path(uri.removeprefix("file://"))
    if GLOB.search(str(path)):
        names = _glob(str(path))
    elif path.is_dir():
        names = sorted(str(p) for p in path.iterdir() if not p.name.startswith((".", "_")))
    elif path.is_file():
        return [Shard(str(path), _format(path.name) or "csv")]  # a file: CSV unless .parquet
    else:
        raise DataError(f"no data file, folder or glob {uri!r}")
    return [Shard(name, fmt) for name in names if (fmt := _format(name)) and Path(name).is_file()]


def _gcs_shards(uri: str) -> list[Shard]:
    from google.cloud import storage

    bucket_name, _, key = uri.removeprefix("gs://").partition("/")
    bucket = storage.Client().bucket(bucket_name)
    pattern = GLOB.search(key)
    if pattern is None and key and not key.endswith("/"):
        blob = bucket.get_blob(key)
        if blob is not None:  # a file: CSV unless .parquet
            return [Shard(f"gs://{bucket_name}/{key}", _format(key) or "csv", bucket)]
        key += "/"  # else a folder
    prefix = key[: pattern.start()] if pattern else key
    names = [b.name for b in bucket.list_blobs(prefix=prefix)]
    if pattern:
        names = [n for n in names if fnmatch.fnmatchcase(n, key)]
    names = [n for n in names if not n.rsplit("/", 1)[-1].startswith((".", "_"))]
    return [
        Shard(f"gs://{bucket_name}/{name}", fmt, bucket)
        for name in sorted(names)
        if (fmt := _format(name))
    ]


def shards(uri: str | Path) -> list[Shard]:
    """The files of a file, folder or glob source, local or gs://, in name order; DataError
    when there are none, or when they mix CSV and Parquet."""
    text = str(uri)
    found = _gcs_shards(text) if text.startswith("gs://") else _local_shards(text)
    if not found:
        raise DataError(f"{text!r} holds no .csv or .parquet file: a data folder needs shards")
    formats = sorted({shard.format for shard in found})
    if len(formats) > 1:
        raise DataError(f"{text!r} mixes CSV and Parquet shards: a source has one format")
    return found


def _as_text(column: pd.Series[Any]) -> pd.Series[Any]:
    """A column as text, empty values kept empty (whole floats as integers: 1.0 is '1')."""
    import pandas as pd

    if pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
        column = column.astype("Int64")
    kept = column.astype(object).where(column.notna(), None)
    text = kept.map(lambda v: v if v is None else str(v))
    return _as_csv_text(pd.Series(text, index=column.index, dtype=object))


def _as_csv_text(column: pd.Series[Any]) -> pd.Series[Any]:
    """Text values (None or NaN for empty ones) in the dtype read_csv(dtype=str) gives: object
    before pandas 3, its string dtype from 3 on. Never `dtype=str` on the values themselves:
    pandas before 2.2 turns an empty value into the text 'nan' or 'None' there."""
    import pandas as pd

    target = pd.Series([], dtype=str).dtype  # what dtype=str makes of a Series
    return column if pd.api.types.is_object_dtype(target) else column.astype(target)


def conform(frame: pd.DataFrame, contract: Contract | None) -> pd.DataFrame:
    """A chunk read from typed storage (Parquet, BigQuery) as a CSV of it is read: the
    contract's text columns as text, exactly MISSING_TOKENS in any text as empty values."""
    import pandas as pd

    frame.columns = [str(c) for c in frame.columns]
    text = set(contract.text_columns()) if contract is not None else set()
    for name in frame.columns:
        column = frame[name]
        if name in text:
            column = _as_text(column)
        if pd.api.types.is_string_dtype(column):  # text, as read_csv gives it
            column = _as_csv_text(column.astype(object).where(~column.isin(MISSING_TOKENS)))
        elif pd.api.types.is_object_dtype(column):  # text with empty values, before pandas 2.2
            column = column.where(~column.isin(MISSING_TOKENS))
        frame[name] = column
    return frame


def _csv_chunks(
    handle: IO[bytes], name: str, contract: Contract | None, rows: int
) -> Iterator[pd.DataFrame]:
    import pandas as pd

    dtype = dict.fromkeys(contract.text_columns(), str) if contract is not None else None
    try:
        reader = pd.read_csv(
            handle, dtype=dtype, keep_default_na=False, na_values=list(MISSING_TOKENS),
            chunksize=rows,
        )  # fmt: skip
        for chunk in reader:
            chunk.columns = [str(c) for c in chunk.columns]
            yield chunk
    except pd.errors.EmptyDataError:
        raise DataError(f"{name!r} is empty: it needs a header row and data rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataError(f"cannot parse {name!r} as CSV: {reason}") from None


def _parquet_chunks(
    handle: IO[bytes], name: str, contract: Contract | None, rows: int
) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(handle)
    except (pa.ArrowInvalid, OSError) as error:
        raise DataError(f"cannot read {name!r} as Parquet: {error}") from None
    if file.metadata.num_rows == 0:  # still its columns, for the column checks
        yield conform(file.schema_arrow.empty_table().to_pandas(), contract)
        return
    for batch in file.iter_batches(batch_size=rows):
        yield conform(batch.to_pandas(), contract)


def _file_chunks(
    uri: str, contract: Contract | None, rows: int
) -> Iterator[tuple[str, pd.DataFrame]]:
    read = {"csv": _csv_chunks, "parquet": _parquet_chunks}
    for shard in shards(uri):
        with shard.open() as handle:
            for chunk in read[shard.format](handle, shard.name, contract, rows):
                yield shard.name, chunk


def read_chunks(
    uri: str | Path, contract: Contract | None = None, rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """The table at `uri` in chunks of at most `rows` rows (the steps that stream pass the
    chunk_rows setting), read as `contract` says (none: as the data says, for `make schema`).
    Every shard must have the first one's columns."""
    text = str(uri)
    if is_bigquery(text):
        from {{ cookiecutter.package_name }}.bigquery_source import read_bigquery

        for chunk in read_bigquery(text, rows):
            yield conform(chunk, contract)
        return
    columns: list[str] | None = None
    first = ""
    for name, chunk in _file_chunks(text, contract, rows):
        if columns is None:
            columns, first = list(chunk.columns), name
        elif list(chunk.columns) != columns:
            missing = [c for c in columns if c not in chunk.columns]
            extra = [c for c in chunk.columns if c not in columns]
            raise DataError(
                f"{name!r} has other columns than {first!r} (missing {missing}, extra "
                f"{extra}, or another order): every shard of {text!r} needs the same columns"
            )
        yield chunk


def read_frame(uri: str | Path, contract: Contract | None = None) -> pd.DataFrame:
    """The whole table at `uri` in one DataFrame (for what needs it all: schema, training)."""
    import pandas as pd

    chunks = list(read_chunks(uri, contract))
    if len(chunks) == 1:
        return chunks[0]
    if not chunks:
        raise DataError(f"{str(uri)!r} gave no rows and no columns")
    return pd.concat(chunks, ignore_index=True)
