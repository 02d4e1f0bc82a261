"""The steps as plain functions: what each pipeline task runs, tested without KFP."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.sample_data import main as write_sample
from {{ cookiecutter.package_name }}.sample_data import make_sample
from {{ cookiecutter.package_name }}.schema import FEATURES, LABEL, PREDICTION, PROBABILITY
from {{ cookiecutter.package_name }}.steps.evaluate import (
    compute_metrics,
    evaluate,
    evaluate_model,
    passes,
)
from {{ cookiecutter.package_name }}.steps.export import export_model
from {{ cookiecutter.package_name }}.steps.ingest import ingest
from {{ cookiecutter.package_name }}.steps.io import load_model, local_path, read_table
from {{ cookiecutter.package_name }}.steps.predict import predict, predict_file
from {{ cookiecutter.package_name }}.steps.train import TrainParams, fit, split, train


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> pd.DataFrame:
    return pd.read_csv(sample_path)


def test_sample_data_has_the_schema_and_a_learnable_label(sample: pd.DataFrame) -> None:
    """data/sample.csv has the schema's columns, a few hundred rows and both classes."""
    assert list(sample.columns) == [*FEATURES, LABEL]
    assert 300 <= len(sample) <= 1000
    assert 0.2 < sample[LABEL].mean() < 0.8


def test_sample_generator_is_deterministic(tmp_path: Path) -> None:
    """The generator gives the same table for the same seed, and writes it as CSV."""
    pd.testing.assert_frame_equal(make_sample(50, seed=1), make_sample(50, seed=1))
    assert write_sample([str(tmp_path / "s.csv")]) == 0
    assert len(read_table(tmp_path / "s.csv")) == 400


def test_local_path_maps_cloud_storage_to_the_vertex_mount() -> None:
    """gs:// URIs are read through Vertex AI's /gcs mount; file:// is a plain path."""
    assert local_path("gs://bucket/a/b.csv") == Path("/gcs/bucket/a/b.csv")
    assert local_path("file:///data/x.csv") == Path("/data/x.csv")


def test_ingest_copies_and_describes(sample_path: Path, tmp_path: Path) -> None:
    """The dataset is a copy of the source; its metadata has rows, columns and sha256."""
    info = ingest(str(sample_path), tmp_path / "dataset")
    assert info["rows"] == len(read_table(tmp_path / "dataset"))
    assert info["columns"] == [*FEATURES, LABEL]
    assert len(info["sha256"]) == 64


def test_split_is_stratified_and_reproducible(sample: pd.DataFrame) -> None:
    """The same seed gives the same split; both parts keep the class balance."""
    train_a, test_a = split(sample, 0.25, seed=1)
    _, test_b = split(sample, 0.25, seed=1)
    assert test_a.index.equals(test_b.index)
    assert len(test_a) == len(sample) // 4
    assert abs(train_a[LABEL].mean() - test_a[LABEL].mean()) < 0.05


def test_fit_and_the_evaluation_gate(sample: pd.DataFrame) -> None:
    """The model learns the sample (AUC > 0.75); the gate compares one metric to a threshold."""
    train_part, test_part = split(sample, 0.25, seed=42)
    model = fit(train_part, TrainParams())
    scores = compute_metrics(model, test_part)
    assert set(scores) == {"roc_auc", "accuracy", "f1", "precision", "recall"}
    assert scores["roc_auc"] > 0.75
    assert passes(scores, "roc_auc", 0.7)
    assert not passes(scores, "roc_auc", 0.99)
    with pytest.raises(ValueError, match="unknown metric"):
        passes(scores, "auc", 0.5)
    result = evaluate_model(model, test_part, "accuracy", 0.5)
    assert result.passed
    assert sum(map(sum, result.confusion_matrix)) == len(test_part)


def test_train_evaluate_export_give_a_servable_folder(sample_path: Path, tmp_path: Path) -> None:
    """model.joblib and metadata.json: the folder and the file both load as the model."""
    info = train(sample_path, tmp_path / "model", tmp_path / "test.csv", TrainParams())
    assert info["estimator"] == "LogisticRegression"
    assert info["train_rows"] + info["test_rows"] == 400
    result = evaluate(tmp_path / "model", tmp_path / "test.csv", "roc_auc", 0.7)
    assert result.passed
    out = export_model(tmp_path / "model", tmp_path / "export", result.metrics, {"run": "t"})
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["features"] == list(FEATURES)
    assert metadata["metrics"]["roc_auc"] == result.metrics["roc_auc"]
    assert metadata["run"] == "t"
    for uri in (out, out / "model.joblib"):  # both forms a serving API's MODEL_URI takes
        assert hasattr(load_model(uri), "predict_proba")


def test_predict_adds_probability_and_prediction(
    sample: pd.DataFrame, sample_path: Path, tmp_path: Path
) -> None:
    """Predictions keep the input's rows and add a probability and a 0/1 prediction."""
    model = fit(sample, TrainParams())
    out = predict(model, sample.drop(columns=[LABEL]))
    assert {PREDICTION, PROBABILITY} <= set(out.columns)
    assert out[PROBABILITY].between(0, 1).all()
    assert set(out[PREDICTION]) <= {0, 1}
    train(sample_path, tmp_path / "model", tmp_path / "test.csv", TrainParams())
    info = predict_file(tmp_path / "model", sample_path, tmp_path / "pred.csv")
    assert info["rows"] == len(sample)
    assert 0 < info["positive_rate"] < 1
