"""The steps as plain functions on the project's sample data: what each task runs, no KFP.

Nothing here names a column, counts rows or pins a score of the sample: the tests hold for
whatever `make schema` made of the project's data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.contract import WARNINGS, Contract
from {{ cookiecutter.package_name }}.framework import Params
from {{ cookiecutter.package_name }}.model import Model, load_model
from {{ cookiecutter.package_name }}.ops.config import get_settings
from {{ cookiecutter.package_name }}.steps.evaluate import (
    DEFAULT_THRESHOLD,
    GateError,
    compute_metrics,
    evaluate,
    passes,
    resolve_gate,
)
from {{ cookiecutter.package_name }}.steps.export import export_model
from {{ cookiecutter.package_name }}.steps.ingest import ingest
from {{ cookiecutter.package_name }}.steps.io import DataError, local_path, read_table
from {{ cookiecutter.package_name }}.steps.predict import (
    FlaggedRowsError,
    predict,
    predict_file,
)
from {{ cookiecutter.package_name }}.steps.split import sample_table, split, split_file
from {{ cookiecutter.package_name }}.steps.train import candidate_grid, train
from {{ cookiecutter.package_name }}.steps.validate import validate_file
from {{ cookiecutter.package_name }}.synthetic import synthetic_table


def test_the_sample_data_follows_the_contract(sample: pd.DataFrame, contract: Contract) -> None:
    """data/sample.csv has every feature and the label, enough rows to train and test."""
    assert set(contract.feature_names) | {contract.label.name} <= set(sample.columns)
    assert len(sample) >= 100
    if contract.task != "regression":
        assert set(sample[contract.label.name]) == set(contract.class_keys)


def test_local_path_maps_cloud_storage_to_the_vertex_mount() -> None:
    """gs:// URIs are read through Vertex AI's /gcs mount; file:// is a plain path."""
    assert local_path("gs://bucket/a/b.csv") == Path("/gcs/bucket/a/b.csv")
    assert local_path("file:///data/x.csv") == Path("/data/x.csv")


def test_reading_a_missing_or_broken_table_says_which(tmp_path: Path) -> None:
    """No file, an empty file: one DataError naming it."""
    with pytest.raises(DataError, match="no data file"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match=r"empty\.csv"):
        read_table(tmp_path / "empty.csv")


def test_ingest_writes_parquet_shards_and_describes_them(
    sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """The dataset is a folder of Parquet shards that reads back as the source does; its
    metadata has rows, columns, shards and their sha256."""
    info = ingest(str(sample_path), tmp_path / "dataset")
    assert [p.name for p in (tmp_path / "dataset").iterdir()] == ["part-00000.parquet"]
    pd.testing.assert_frame_equal(read_table(tmp_path / "dataset", contract), sample)
    assert info["rows"] == len(sample)
    assert info["shards"] == 1
    assert info["columns"] == list(sample.columns)
    assert len(info["sha256"]) == 64


def test_split_is_reproducible_and_keeps_every_class(
    sample: pd.DataFrame, contract: Contract
) -> None:
    """The same seed gives the same split; classification keeps each class in both parts."""
    train_a, test_a = split(sample, contract, 0.25, seed=1)
    _, test_b = split(sample, contract, 0.25, seed=1)
    assert test_a.index.equals(test_b.index)
    assert len(test_a) == pytest.approx(len(sample) / 4, abs=1)
    if contract.task != "regression":
        label = contract.label.name
        assert set(train_a[label]) == set(test_a[label]) == set(contract.class_keys)


def test_training_reads_a_seeded_sample_of_a_larger_table(
    sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """train_sample_rows: a table with more rows gives a uniform sample of that many, read
    chunk by chunk, the same for the same seed, another for another; what was read is
    reported. A table with fewer rows is read whole."""
    rows = len(sample) // 2
    chunk_rows = len(sample) // 7

    def drawn(seed: int) -> pd.DataFrame:
        return sample_table(sample_path, contract, rows, seed, chunk_rows)[0]

    first, total = sample_table(sample_path, contract, rows, 1, chunk_rows)
    assert (len(first), total) == (rows, len(sample))
    pd.testing.assert_frame_equal(first, drawn(1))
    assert not first.equals(drawn(2))
    assert len(first.merge(sample).drop_duplicates()) == len(first.drop_duplicates())  # its rows
    info = split_file(
        sample_path, tmp_path / "train.csv", tmp_path / "test.csv", seed=1, sample_rows=rows
    )
    assert info["sample"] == {"rows_read": rows, "rows_total": len(sample), "seed": 1}
    assert info["train_rows"] + info["test_rows"] == rows
    everything = split_file(
        sample_path, tmp_path / "a.csv", tmp_path / "b.csv", sample_rows=len(sample) * 2
    )
    assert everything["sample"]["rows_read"] == everything["sample"]["rows_total"] == len(sample)


def test_the_model_passes_the_default_gate_on_the_sample(
    sample: pd.DataFrame, contract: Contract
) -> None:
    """Trained on the sample, the model reaches the task's default gate on held-out rows."""
    train_part, test_part = split(sample, contract, 0.25, seed=42)
    model = Model.fit(contract, train_part, Params())
    metric, threshold = resolve_gate(contract)
    scores = compute_metrics(model, test_part)
    assert passes(scores, metric, threshold), (metric, scores)
    assert threshold == DEFAULT_THRESHOLD[metric]


def test_candidates_are_a_grid_of_the_main_hyper_parameter() -> None:
    """Three candidates by default; the values given; one when the parameter is fixed."""
    assert len(candidate_grid([], {})) == 3
    grid = candidate_grid([1.0, 2.0], {"other": "x"})
    assert [sorted(c) for c in grid] == [
        sorted({"other", next(iter(grid[0].keys() - {"other"}))})
    ] * 2
    fixed = {next(iter(grid[0].keys() - {"other"})): "5"}
    assert candidate_grid([1.0, 2.0], fixed) == [fixed]


def test_the_gate_checks_the_metric_and_its_direction(contract: Contract) -> None:
    """A metric of another task is refused; an error metric must stay at or below."""
    with pytest.raises(GateError, match="not a metric of a"):
        resolve_gate(contract, "no_such_metric")
    assert passes({"rmse": 1.0}, "rmse", 2.0)
    assert not passes({"rmse": 3.0}, "rmse", 2.0)
    assert passes({"r2": 0.5}, "r2", 0.5)
    with pytest.raises(GateError, match="unknown metric"):
        passes({"r2": 0.5}, "auc", 0.5)


def test_train_evaluate_export_give_a_servable_folder(
    sample_path: Path, contract: Contract, tmp_path: Path
) -> None:
    """Split, then train writes a model folder; export adds the name, version and scores."""
    sizes = split_file(sample_path, tmp_path / "train.csv", tmp_path / "test.csv")
    assert sizes["train_rows"] + sizes["test_rows"] == len(read_table(sample_path))
    info = train(tmp_path / "train.csv", tmp_path / "model", Params())
    assert info["train_rows"] == sizes["train_rows"]
    result = evaluate(tmp_path / "model", tmp_path / "test.csv", report_path=tmp_path / "ev.json")
    assert result.passed
    report = json.loads((tmp_path / "ev.json").read_text())
    out = export_model(tmp_path / "model", tmp_path / "export", report, {"run": "t"})
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["contract"]["features"][0]["name"] == contract.feature_names[0]
    assert metadata["metrics"] == result.metrics
    assert metadata["gate"]["passed"] is True
    assert metadata["run"] == "t"
    assert isinstance(metadata["training"]["train_rows"], int)
    assert load_model(out).contract == contract


def test_predictions_have_the_ids_or_the_input_then_the_outputs(
    sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """One row per input row; the contract's output columns, then each row's warnings."""
    train(sample_path, tmp_path / "model", Params())
    out = predict(load_model(tmp_path / "model"), sample.drop(columns=[contract.label.name]))
    outputs = [*contract.output_columns, "warnings"]
    assert list(out.columns)[-len(outputs) :] == outputs
    assert len(out) == len(sample)
    info = predict_file(tmp_path / "model", sample_path, tmp_path / "pred")
    assert info["rows"] == len(sample)
    written = pd.read_parquet(tmp_path / "pred")
    expected_inputs = contract.ids or list(sample.columns)
    assert list(written.columns) == [*expected_inputs, *outputs]


def test_batch_prediction_streams_chunks_into_shards(
    sample_path: Path,
    sample: pd.DataFrame,
    contract: Contract,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A folder of Parquet shards is read chunk_rows at a time; each chunk's predictions are
    one shard, together the whole table's, flags counted across chunks; CSV shards on
    request, delivered to predictions_uri when given."""
    train(sample_path, tmp_path / "model", Params())
    whole = predict(load_model(tmp_path / "model"), sample)
    folder = tmp_path / "in"
    folder.mkdir()
    half = len(sample) // 2
    pd.read_csv(sample_path).iloc[:half].to_parquet(folder / "a.parquet", index=False)
    pd.read_csv(sample_path).iloc[half:].to_parquet(folder / "b.parquet", index=False)
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}CHUNK_ROWS", str(len(sample) // 5))
    get_settings.cache_clear()

    info = predict_file(tmp_path / "model", folder, tmp_path / "pred", 1.0)
    written = sorted((tmp_path / "pred").iterdir())
    assert len(written) == info["shards"] >= 5
    assert {p.suffix for p in written} == {".parquet"}
    assert info["predictions_uri"] == str(tmp_path / "pred")
    expected = _as_read(whole.reset_index(drop=True), contract, tmp_path)
    got = read_table(tmp_path / "pred", contract)
    # Types aside: Parquet keeps a column of empty warnings as text, CSV reads it as numbers
    # (and pandas before 2.2 tells None from NaN there): an empty warning is "" in both.
    for frame in (got, expected):
        frame[WARNINGS] = frame[WARNINGS].astype(object).where(frame[WARNINGS].notna(), "")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert info["flagged_rows"] == sum(bool(w) for w in whole["warnings"])
    assert info["rows"] == len(sample)

    delivered = tmp_path / "delivered"
    info = predict_file(tmp_path / "model", folder, tmp_path / "csv", 1.0, "csv", str(delivered))
    assert info["predictions_uri"] == str(delivered.resolve())
    assert sorted(p.name for p in delivered.iterdir()) == sorted(
        p.name for p in (tmp_path / "csv").iterdir()
    )
    assert {p.suffix for p in delivered.iterdir()} == {".csv"}
    assert len(read_table(delivered, contract)) == len(sample)


def _as_read(frame: pd.DataFrame, contract: Contract, tmp_path: Path) -> pd.DataFrame:
    """`frame` as the pipeline reads it back from a CSV of it."""
    frame.to_csv(tmp_path / "expected.csv", index=False)
    return read_table(tmp_path / "expected.csv", contract)


def test_batch_prediction_flags_rows_and_fails_only_past_the_share(
    sample_path: Path, sample: pd.DataFrame, contract: Contract, tmp_path: Path
) -> None:
    """Rows holding what the model never saw are answered, and `warnings` names the column
    and the value (the service's words); past max_flagged_share the step fails, naming them,
    after writing the predictions to look at (and without delivering them)."""
    train(sample_path, tmp_path / "model", Params())
    model = load_model(tmp_path / "model")
    feature = contract.features[0]
    seen = model.metadata["profile"]["features"][feature.name]
    odd = "Atlantis" if feature.kind == "categorical" else seen["max"] * 1000 + 1
    frame = sample.drop(columns=[contract.label.name]).head(20).astype(object)
    for count, share in ((3, 0.25), (6, 0.25)):
        table = frame.copy()
        table.loc[table.index[:count], feature.name] = odd
        table.to_csv(tmp_path / "odd.csv", index=False)
        out = tmp_path / f"out-{count}"
        if count / len(table) <= share:
            info = predict_file(tmp_path / "model", tmp_path / "odd.csv", out, share)
            assert info["flagged_rows"] == count
        else:
            delivered = tmp_path / "delivered"  # a failed batch stays in the run's folder
            with pytest.raises(FlaggedRowsError, match=f"{count} of 20 rows flagged") as raised:
                predict_file(
                    tmp_path / "model", tmp_path / "odd.csv", out, share, "parquet", str(delivered)
                )
            assert not delivered.exists()
            assert f"{feature.name}: " in str(raised.value)
            assert repr(odd) in str(raised.value)
        written = pd.read_parquet(out)
        flagged = [text for text in written["warnings"] if text]
        assert len(flagged) == count
        assert all(text.startswith(f"{feature.name}: ") and str(odd) in text for text in flagged)


def test_only_the_contracts_missing_tokens_are_empty_values(
    task_contract: Contract, tmp_path: Path
) -> None:
    """NA, N/A, null... read as empty, in numeric and categorical columns alike; other text in
    a numeric column (n/a, ?) is kept, and validation reports it as not a number."""
    numeric = next(f.name for f in task_contract.features if f.kind == "numeric")
    categorical = next(f.name for f in task_contract.features if f.kind == "categorical")
    table = pd.DataFrame(synthetic_table(task_contract, 40)).astype(object)
    table.loc[table.index[:4], numeric] = ["NA", "null", "n/a", "?"]
    table.loc[table.index[:2], categorical] = ["N/A", "None"]
    table.to_csv(tmp_path / "tokens.csv", index=False)
    read = read_table(tmp_path / "tokens.csv", task_contract)
    assert read[numeric].iloc[:2].isna().all()
    assert list(read[numeric].iloc[2:4]) == ["n/a", "?"]
    assert read[categorical].iloc[:2].isna().all()
    report = validate_file(tmp_path / "tokens.csv", "training", None, False, task_contract)
    assert f"column {numeric!r}: 2 value(s) are not numbers, e.g. ['n/a', '?']" in report.summary()


def test_every_export_has_a_version_of_its_own(sample_path: Path, tmp_path: Path) -> None:
    """The run's name, or a new unique id outside a run: never the package's version."""
    train(sample_path, tmp_path / "model", Params())
    report = evaluate(tmp_path / "model", sample_path).to_json()
    named = export_model(tmp_path / "model", tmp_path / "a", report, version="run-7")
    first = export_model(tmp_path / "model", tmp_path / "b", report)
    second = export_model(tmp_path / "model", tmp_path / "c", report)
    versions = [
        json.loads((p / "metadata.json").read_text())["version"] for p in (named, first, second)
    ]
    assert versions[0] == "run-7"
    assert len(set(versions)) == 3
