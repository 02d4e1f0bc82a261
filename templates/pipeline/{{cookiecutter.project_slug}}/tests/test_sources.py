"""Data sources (sources.py, bigquery_source.py): every source reads as data/sample.csv does.

Files and folders are real (Parquet and CSV written here); BigQuery is faked (no emulator
exists): the fake records the table names and queries the project would send, and streams
Arrow record batches as the Storage Read API does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.bigquery_source import write_bigquery
from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.framework import Params
from {{ cookiecutter.package_name }}.ops.config import get_settings
from {{ cookiecutter.package_name }}.sources import (
    DataError,
    absolute,
    read_chunks,
    read_frame,
)
from {{ cookiecutter.package_name }}.steps.ingest import ingest
from {{ cookiecutter.package_name }}.steps.predict import predict_file
from {{ cookiecutter.package_name }}.steps.train import train


def shards(frame: pd.DataFrame, folder: Path, parts: int, suffix: str = "parquet") -> Path:
    """`frame` as `parts` shards in `folder` (Parquet or CSV)."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(frame) // parts)
    for index in range(parts):
        part = frame.iloc[index * size : (index + 1) * size]
        path = folder / f"part-{index}.{suffix}"
        if suffix == "parquet":
            part.to_parquet(path, index=False)
        else:
            part.to_csv(path, index=False)
    return folder


def test_a_parquet_folder_reads_as_the_csv_does(
    sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """Parquet shards of the sample (typed columns: a class label as a number) give the same
    table as the CSV: the contract's text columns as text, the same values."""
    raw = pd.read_csv(sample_path)  # as pandas types it: numbers stay numbers
    folder = shards(raw, tmp_path / "shards", 3)
    pd.testing.assert_frame_equal(read_frame(folder, contract), sample)
    pd.testing.assert_frame_equal(read_frame(f"{folder}/part-*.parquet", contract), sample)


def test_chunks_are_at_most_the_asked_rows_and_cover_the_table(
    sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """A folder of CSV shards streams in chunks no larger than asked, every row once."""
    folder = shards(sample, tmp_path / "csv", 2, "csv")
    chunks = list(read_chunks(folder, contract, rows=37))
    assert max(len(c) for c in chunks) <= 37
    assert len(chunks) > 2
    assert sum(len(c) for c in chunks) == len(sample)


def test_only_the_missing_tokens_are_empty_in_parquet_too(tmp_path: Path) -> None:
    """In a Parquet file's text, exactly MISSING_TOKENS read as empty: other text is kept."""
    pd.DataFrame({"x": ["NA", "null", "n/a", "ok", None]}).to_parquet(tmp_path / "t.parquet")
    read = read_frame(tmp_path / "t.parquet")
    assert read["x"].isna().tolist() == [True, True, False, False, True]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "holds no .csv or .parquet file"),
        ({"a.csv": "x,y\n1,2\n", "b.parquet": None}, "mixes CSV and Parquet shards"),
        ({"a.csv": "x,y\n1,2\n", "b.csv": "x\n3\n"}, "every shard of"),
    ],
)
def test_a_folder_that_breaks_a_rule_is_one_error_naming_it(
    tmp_path: Path, files: dict[str, str | None], message: str
) -> None:
    """An empty folder, mixed formats, a shard missing a column: one DataError line that
    names the source and the rule."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in files.items():
        if text is None:
            pd.DataFrame({"x": [1], "y": [2]}).to_parquet(folder / name)
        else:
            (folder / name).write_text(text)
    with pytest.raises(DataError, match=message) as raised:
        read_frame(folder)
    assert "\n" not in str(raised.value)
    assert "data" in str(raised.value)


def test_a_missing_source_is_named(tmp_path: Path) -> None:
    """No such file, folder or glob: the error says which."""
    with pytest.raises(DataError, match="no data file, folder or glob"):
        read_frame(tmp_path / "nothing")
    assert absolute("bq://p.d.t") == "bq://p.d.t"
    assert absolute("SELECT 1") == "SELECT 1"
    assert absolute("data") == str(Path("data").resolve())


def test_a_bigquery_table_streams_in_chunks_as_the_contract_says(
    bigquery_tables: Any, sample: pd.DataFrame, contract: Contract
) -> None:
    """bq://project.dataset.table: the table's own project, its name as sent, the record
    batches gathered into chunks of the asked size, read as the CSV is."""
    chunks = list(read_chunks("bq://acme-ml.sales.returns_2026", contract, rows=50))
    assert bigquery_tables.asked == [
        ("client", "acme-ml"),
        ("list_rows", "acme-ml.sales.returns_2026"),
    ]
    assert [len(c) for c in chunks[:-1]] == [50] * (len(chunks) - 1)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), sample)


def test_a_query_file_or_text_is_sent_as_written(
    bigquery_tables: Any, sample: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .sql file's query, or the query's text, is sent as written, billed to gcp_project."""
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}GCP_PROJECT", "billing-project")
    query = "SELECT * FROM `acme-ml.sales.returns_2026` WHERE year = 2026"
    (tmp_path / "train.sql").write_text(query + "\n")
    assert len(read_frame(tmp_path / "train.sql")) == len(sample)
    assert bigquery_tables.asked == [("client", "billing-project"), ("query", query + "\n")]
    assert len(read_frame(query)) == len(sample)
    assert bigquery_tables.asked[-1] == ("query", query)


def test_a_bad_table_name_or_empty_query_is_refused(bigquery_tables: Any, tmp_path: Path) -> None:
    """Not project.dataset.table, or an empty .sql file: one error, nothing sent."""
    with pytest.raises(DataError, match=r"is not bq://project\.dataset\.table"):
        read_frame("bq://acme-ml.sales")
    (tmp_path / "empty.sql").write_text("  \n")
    with pytest.raises(DataError, match=r"a \.sql file holds one query"):
        read_frame(tmp_path / "empty.sql")
    assert bigquery_tables.asked == []


def test_predictions_load_into_a_table_in_one_job_or_file_by_file(
    bigquery_tables: Any, sample: pd.DataFrame, tmp_path: Path
) -> None:
    """Shards in Cloud Storage: one load job replacing the table; shards of this machine:
    the first replaces it, the others append."""
    uris = ["gs://b/p/predictions-00000.parquet", "gs://b/p/predictions-00001.parquet"]
    write_bigquery(uris, "bq://acme-ml.scores.returns", "parquet")
    assert bigquery_tables.loaded == [("acme-ml.scores.returns", u, "WRITE_TRUNCATE") for u in uris]
    bigquery_tables.loaded.clear()
    folder = shards(sample, tmp_path / "local", 2)
    files = sorted(str(p) for p in folder.iterdir())
    assert write_bigquery(files, "bq://acme-ml.scores.returns", "parquet") == len(sample)
    dispositions = [d for _, _, d in bigquery_tables.loaded]
    assert dispositions == ["WRITE_TRUNCATE", "WRITE_APPEND"]


def test_batch_predictions_of_a_table_load_into_a_table(
    bigquery_tables: Any, sample_path: Path, sample: pd.DataFrame, tmp_path: Path
) -> None:
    """bq:// in, bq:// out: the input table streamed, each chunk's predictions a shard of the
    run's folder, then loaded into the output table, which predictions_uri names."""
    train(sample_path, tmp_path / "model", Params())
    out = "bq://acme-ml.scores.returns"
    info = predict_file(
        tmp_path / "model",
        "bq://acme-ml.sales.returns_2026",
        tmp_path / "pred",
        1.0,
        "parquet",
        out,
    )
    assert info["predictions_uri"] == out
    shards = sorted(str(p) for p in (tmp_path / "pred").iterdir())
    assert [(table, name) for table, name, _ in bigquery_tables.loaded] == [
        ("acme-ml.scores.returns", name) for name in shards
    ]
    assert bigquery_tables.written == info["rows"] == len(sample)


def test_ingest_writes_one_parquet_shard_per_chunk(
    sample_path: Path,
    sample: pd.DataFrame,
    contract: Contract,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """chunk_rows rows at a time: the dataset is several shards that read back as the source."""
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}CHUNK_ROWS", str(len(sample) // 3))
    get_settings.cache_clear()
    info = ingest(str(sample_path), tmp_path / "dataset")
    assert info["shards"] == len(list((tmp_path / "dataset").glob("part-*.parquet"))) >= 3
    assert info["rows"] == len(sample)
    pd.testing.assert_frame_equal(read_frame(tmp_path / "dataset", contract), sample)


def test_cloud_storage_shards_read_as_the_csv_does(
    bucket: Any, sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """gs:// through the real client and the Cloud Storage emulator: a file, a folder of
    Parquet shards and a glob read as data/sample.csv does; an empty prefix is one error."""
    folder = shards(pd.read_csv(sample_path), tmp_path / "shards", 3)
    for shard in sorted(folder.iterdir()):
        bucket.blob(f"tables/returns/{shard.name}").upload_from_filename(str(shard))
    bucket.blob("tables/returns.csv").upload_from_filename(str(sample_path))
    base = f"gs://{bucket.name}/tables"
    for uri in (f"{base}/returns.csv", f"{base}/returns/", f"{base}/returns/part-*.parquet"):
        pd.testing.assert_frame_equal(read_frame(uri, contract), sample)
    with pytest.raises(DataError, match="nothing/"):
        read_frame(f"gs://{bucket.name}/nothing/", contract)


def test_batch_prediction_from_and_into_cloud_storage(
    bucket: Any, sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """Shards in a bucket in, each chunk's predictions a shard delivered to a bucket, every
    row with its outputs: what predictions_uri names."""
    train(sample_path, tmp_path / "model", Params())
    features = pd.read_csv(sample_path).drop(columns=[contract.label.name])
    for shard in sorted(shards(features, tmp_path / "new", 2).iterdir()):
        bucket.blob(f"new/{shard.name}").upload_from_filename(str(shard))
    out = f"gs://{bucket.name}/predictions/"
    info = predict_file(
        tmp_path / "model", f"gs://{bucket.name}/new/", tmp_path / "pred", 1.0, "parquet", out
    )
    assert info["predictions_uri"].rstrip("/") == out.rstrip("/")
    delivered = sorted(b.name for b in bucket.list_blobs(prefix="predictions/"))
    assert delivered == [f"predictions/{p.name}" for p in sorted((tmp_path / "pred").iterdir())]
    back = read_frame(out)
    assert len(back) == len(sample)
    assert set(contract.output_columns) <= set(back.columns)
