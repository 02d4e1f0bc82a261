"""`make schema`: the contract inferred from a table, written with the sample data, or refused
with one line that names the problem while nothing in the project changes."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import cli, schema
from {{ cookiecutter.package_name }} import contract as contract_module
from {{ cookiecutter.package_name }}.contract import (
    Contract,
    ContractError,
    Drift,
    read_contract,
    write_contract,
)
from {{ cookiecutter.package_name }}.synthetic import synthetic_table


def table_of(contract: Contract, rows: int = 300) -> pd.DataFrame:
    return pd.DataFrame(synthetic_table(contract, rows, seed=3))


def test_inference_recovers_the_contract_of_its_data(task_contract: Contract) -> None:
    """Kinds, categories, emptiness, the task and its classes come back from the data."""
    frame = table_of(task_contract)
    inferred = schema.infer_contract(frame, task_contract.label.name, ids=task_contract.ids)
    got = inferred.contract
    assert got.task == task_contract.task
    assert got.feature_names == task_contract.feature_names
    for feature, expected in zip(got.features, task_contract.features, strict=True):
        assert feature.kind == expected.kind
        assert feature.nullable == expected.nullable
        if expected.kind == "categorical":
            assert set(feature.categories or []) == set(expected.categories or [])
        else:  # the observed range lies within the inferred bounds
            values = frame[feature.name].dropna()
            assert feature.min is not None
            assert feature.max is not None
            assert feature.min <= values.min() <= values.max() <= feature.max
    if task_contract.task != "regression":
        assert got.class_keys == sorted(task_contract.class_keys)
        assert sum((got.label.shares or {}).values()) == pytest.approx(1.0, abs=1e-3)
    text = "\n".join(schema.describe(inferred))
    assert f"task: {task_contract.task}" in text


def test_the_task_follows_the_label() -> None:
    """Two values: binary; a few whole numbers or labels: multiclass; other numbers: regression."""
    frame = pd.DataFrame({"x": range(40), "y": [0, 1] * 20})
    assert schema.infer_contract(frame, "y").contract.task == "binary"
    frame["y"] = [1, 2, 3, 4] * 10
    assert schema.infer_contract(frame, "y").contract.task == "multiclass"
    frame["y"] = [i * 1.5 for i in range(40)]
    assert schema.infer_contract(frame, "y").contract.task == "regression"
    frame["y"] = ["yes", "no"] * 20
    inferred = schema.infer_contract(frame, "y").contract
    assert (inferred.task, inferred.label.positive_class) == ("binary", "yes")
    frame["y"] = [i % 25 for i in range(40)]  # 25 whole numbers: a value, unless told classes
    assert schema.infer_contract(frame, "y").contract.task == "regression"
    assert schema.infer_contract(frame, "y", task="multiclass").contract.task == "multiclass"


def test_columns_that_are_not_features_are_skipped_or_ids() -> None:
    """Free text is skipped, with the reason; an id-like unique column is passed through."""
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(80)],
            "comment": [f"free text {i}" for i in range(80)],
            "empty": [None] * 80,
            "x": range(80),
            "y": [0, 1] * 40,
        }
    )
    inferred = schema.infer_contract(frame, "y")
    assert inferred.contract.ids == ["customer_id"]
    assert inferred.contract.feature_names == ["x"]
    assert any("'comment'" in s for s in inferred.skipped)
    assert any("'empty'" in s for s in inferred.skipped)
    assert schema.infer_contract(frame, "y", ids=[]).contract.ids == []


def test_bounds_are_widened_and_rounded() -> None:
    """Half the range on each side, not below zero for a column with no negative value."""
    assert schema.bounds(pd.Series([21.0, 75.0]), integer=True) == (0.0, 102.0)
    low, high = schema.bounds(pd.Series([-1.0, 1.0]), integer=False)
    assert (low, high) == (-2.0, 2.0)


@pytest.mark.parametrize(
    ("frame", "label", "task", "message"),
    [
        (pd.DataFrame({"x": [1, 2], "y": [0, 1]}), "target", None, "'target' is not a column"),
        (pd.DataFrame({"x": [1, 2], "y": [1, 1]}), "y", None, "one value only"),
        (pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}), "y", "regression", "numeric label"),
        (pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 2]}), "y", "binary", "use task multiclass"),
        (pd.DataFrame({"x": [1, 2], "y": [0, None]}), "y", None, "empty on 1 of 2 rows"),
        (pd.DataFrame({"x": range(60), "y": [f"t{i}" for i in range(60)]}), "y", None, "60"),
        (pd.DataFrame({"y": [0, 1]}), "y", None, "no usable feature"),
        (
            pd.DataFrame({"x": range(60), "y": [i * 1.5 for i in range(60)]}),
            "y",
            "multiclass",
            "60 distinct values: too many classes .* TASK=regression",
        ),
        (
            pd.DataFrame({"x": [1, 2], "y": [0, 1], "warnings": [3, 4]}),
            "y",
            None,
            "'warnings' has the name of a column the predictions add",
        ),
    ],
)
def test_a_table_that_cannot_make_a_contract_is_refused(
    frame: pd.DataFrame, label: str, task: str | None, message: str
) -> None:
    """One ContractError naming the column and the rule."""
    with pytest.raises(ContractError, match=message):
        schema.infer_contract(frame, label, task)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"a,b,y\n", "no data rows"),
        (b"a,b\n1,2\n3,4,5,6\n", "cannot parse"),
        (b"\xff\xfe\x00\x00garbage\x00\n\x81,\x82\n", "cannot parse"),
    ],
)
def test_an_unusable_file_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    """Empty, header only, ragged or not UTF-8: one error naming the file."""
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(ContractError, match=message):
        schema.read_data(path)


def test_write_schema_writes_the_contract_and_synthetic_sample(
    task_contract: Contract, tmp_path: Path
) -> None:
    """Both files, the sample satisfying the contract and never a row of the user's data."""
    frame = table_of(task_contract)
    inferred = schema.infer_contract(frame, task_contract.label.name, ids=task_contract.ids)
    contract_path, sample_path = tmp_path / "contract.yaml", tmp_path / "data" / "sample.csv"
    schema.write_schema(inferred, "demo", contract_path, sample_path, rows=120)
    assert read_contract(contract_path) == inferred.contract
    sample = pd.read_csv(sample_path)
    assert len(sample) == 120
    assert list(sample.columns) == [
        *inferred.contract.ids,
        *inferred.contract.feature_names,
        inferred.contract.label.name,
    ]
    assert [f for f in tmp_path.rglob("*") if f.name.startswith(".")] == []
    umask = os.umask(0o022)
    os.umask(umask)
    modes = {oct(stat.S_IMODE(p.stat().st_mode)) for p in (contract_path, sample_path)}
    assert modes == {oct(0o666 & ~umask)}  # as any new file: readable in the image
    contract_path.chmod(0o640)
    schema.write_schema(inferred, "demo", contract_path, sample_path, rows=120)
    assert stat.S_IMODE(contract_path.stat().st_mode) == 0o640  # a file's own mode kept


def test_the_schema_command_refuses_without_changing_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A label that is not a column: exit 2, one error line at the end, files untouched."""
    data = tmp_path / "table.csv"
    pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 0]}).to_csv(data, index=False)
    project_contract = contract_module.CONTRACT_FILE.read_bytes()
    sample = schema.source_tree_root() / "data" / "sample.csv"
    project_sample = sample.read_bytes()
    assert cli.main(["schema", "--data", str(data), "--label", "target"]) == cli.EXIT_REFUSED
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("error: label 'target' is not a column")
    assert err[-1].startswith("what to do:")
    assert contract_module.CONTRACT_FILE.read_bytes() == project_contract
    assert sample.read_bytes() == project_sample


def test_the_schema_command_writes_and_prints_what_it_inferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a project folder: contract.yaml and data/sample.csv written, the inference printed."""
    project = tmp_path / "project"
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    target = project / "src" / "pkg" / "contract.yaml"
    monkeypatch.setattr(contract_module, "CONTRACT_FILE", target)
    monkeypatch.setattr(schema, "CONTRACT_FILE", target)
    data = tmp_path / "table.csv"
    frame = pd.DataFrame({"size (m²)": range(60), "kind": ["a", "b", "c"] * 20, "y": [0, 1] * 30})
    frame.to_csv(data, index=False)
    assert cli.main(["schema", "--data", str(data), "--label", "y"]) == 0
    out = capsys.readouterr().out
    assert "task: binary" in out
    assert "'size (m²)': numeric" in out
    assert "'kind': categorical, 3 categories" in out
    assert read_contract(target).feature_names == ["size (m²)", "kind"]
    assert len(pd.read_csv(project / "data" / "sample.csv")) == schema.SAMPLE_ROWS

    # Day two: a person describes a feature, sets a threshold and describes the label; the data
    # changes ("kind" becomes a number, a column is new) and make schema runs again.
    edited = read_contract(target)
    size, kind = edited.features
    drift = Drift(warn=0.3, alert=0.6)
    edited = edited.model_copy(
        update={
            "features": [
                size.model_copy(update={"description": "floor area", "drift": drift}),
                kind.model_copy(update={"description": "the kind, as text"}),
            ],
            "label": edited.label.model_copy(update={"description": "sold within a month"}),
        }
    )
    write_contract(edited, target)
    frame.assign(kind=range(60), rooms=[1, 2, 3] * 20).to_csv(data, index=False)
    assert cli.main(["schema", "--data", str(data), "--label", "y"]) == 0
    out = capsys.readouterr().out
    again = read_contract(target)
    assert [(f.name, f.kind, f.description) for f in again.features] == [
        ("size (m²)", "numeric", "floor area"),
        ("kind", "numeric", ""),  # another kind: nothing of the text column's is kept
        ("rooms", "numeric", ""),
    ]
    assert again.features[0].drift == drift
    assert again.label.description == "sold within a month"
    assert "kept from the previous contract: the description and drift thresholds of " in out
    assert "'size (m²)', the label 'y'" in out


@pytest.mark.parametrize(
    ("label", "message", "hint"),
    [
        ("", "LABEL is required: the column of the table to predict, one of ", "give LABEL="),
        (
            "Churned",
            "label 'Churned' is not a column of the table (did you mean 'churned'?)",
            "give LABEL=",
        ),
        ("churnd", "(did you mean 'churned'?)", "give LABEL="),
    ],
    ids=["missing", "case", "typo"],
)
def test_a_missing_or_mistyped_label_gets_advice_that_fits(
    label: str, message: str, hint: str
) -> None:
    """No LABEL says it is required and lists the columns; a label in the wrong case or with a
    typo suggests the column; the hint is about LABEL, not about the contract."""
    frame = pd.DataFrame({"Age (years)": [30, 40, 50], "churned": ["yes", "no", "yes"]})
    with pytest.raises(ContractError, match=re.escape(message)) as raised:
        schema.infer_contract(frame, label, None)
    assert raised.value.hint.startswith(hint)
