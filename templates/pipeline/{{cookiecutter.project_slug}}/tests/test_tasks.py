"""Every task, end to end through the steps (no KFP): binary, multiclass and regression,
with the column names real tables have and a categorical, nullable column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.expectations import get_suite
from {{ cookiecutter.package_name }}.framework import Params
from {{ cookiecutter.package_name }}.model import load_model
from {{ cookiecutter.package_name }}.steps.evaluate import METRICS, evaluate
from {{ cookiecutter.package_name }}.steps.export import export_model
from {{ cookiecutter.package_name }}.steps.io import read_table
from {{ cookiecutter.package_name }}.steps.predict import (
    predict_file,
)
from {{ cookiecutter.package_name }}.steps.split import split_file
from {{ cookiecutter.package_name }}.steps.train import train
from {{ cookiecutter.package_name }}.steps.validate import validate_dataframe
from {{ cookiecutter.package_name }}.synthetic import synthetic_table


def test_each_task_trains_passes_its_gate_exports_and_predicts(
    task_contract: Contract, tmp_path: Path
) -> None:
    """The synthetic table validates, trains, passes the task's default gate, and the exported
    model predicts one row per input, with the ids and the task's output columns."""
    data = tmp_path / "data.csv"
    pd.DataFrame(synthetic_table(task_contract, 400)).to_csv(data, index=False)
    frame = read_table(data, task_contract)
    report = validate_dataframe(frame, get_suite("training", task_contract), task_contract)
    assert report.success, report.summary()

    split_file(data, tmp_path / "train.csv", tmp_path / "test.csv", contract=task_contract)
    train(tmp_path / "train.csv", tmp_path / "model", Params(), contract=task_contract)
    result = evaluate(tmp_path / "model", tmp_path / "test.csv")
    assert set(result.metrics) == set(METRICS[task_contract.task])
    assert result.passed, result.metrics
    exported = export_model(tmp_path / "model", tmp_path / "export", result.to_json())
    assert load_model(exported).contract == task_contract

    info = predict_file(exported, data, tmp_path / "predictions")
    predictions = read_table(tmp_path / "predictions", task_contract)
    columns = [*task_contract.ids, *task_contract.output_columns, "warnings"]
    assert list(predictions.columns) == columns
    assert info["rows"] == len(frame)
    if task_contract.task != "regression":
        assert set(predictions["prediction"]) <= set(task_contract.class_keys)
