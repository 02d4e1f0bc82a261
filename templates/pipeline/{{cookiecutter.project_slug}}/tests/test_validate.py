"""Data validation: the suites accept valid data and name every broken column, rule and value.

The broken tables are made from the contract (its first bounded numeric feature, its label),
so these tests hold for whatever data the project has.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.contract import Contract, Feature
from {{ cookiecutter.package_name }}.expectations import SUITES, get_suite
from {{ cookiecutter.package_name }}.gx_setup import defer_import
from {{ cookiecutter.package_name }}.steps.validate import (
    STDEV,
    DataValidationError,
    TableWide,
    validate_chunks,
    validate_dataframe,
    validate_file,
)
from {{ cookiecutter.package_name }}.synthetic import synthetic_table


def numeric_feature(contract: Contract) -> Feature:
    """The first numeric feature (every test contract has one)."""
    return next(f for f in contract.features if f.kind == "numeric")


@pytest.fixture
def valid(task_contract: Contract) -> pd.DataFrame:
    """A valid training table of the contract, as text columns are read (text)."""
    frame = pd.DataFrame(synthetic_table(task_contract, 200))
    return frame.astype({c: "string" for c in task_contract.text_columns() if c in frame})


def test_the_sample_passes_the_training_suite_offline(
    sample: pd.DataFrame, contract: Contract, no_network: list[Any]
) -> None:
    """The project's sample is valid, and Great Expectations makes no network call."""
    report = validate_dataframe(sample, get_suite("training", contract), contract)
    assert report.success, report.summary()
    assert "all" in report.summary()
    assert no_network == []


def test_features_suite_does_not_need_the_label(sample: pd.DataFrame, contract: Contract) -> None:
    """Batch-prediction input has no label: the features suite checks the rest."""
    frame = sample.drop(columns=[contract.label.name])
    report = validate_dataframe(frame, get_suite("features", contract), contract)
    assert report.success, report.summary()


def test_failures_name_the_column_the_rule_and_the_values(
    valid: pd.DataFrame, task_contract: Contract
) -> None:
    """Out of bounds, empty, unknown category, unknown class: each named with its values."""
    broken = valid.copy()
    numeric = numeric_feature(task_contract)
    assert numeric.max is not None
    broken[numeric.name] = broken[numeric.name].astype(float)
    broken.loc[0:1, numeric.name] = [numeric.max + 1, numeric.max + 1000]
    broken.loc[2, numeric.name] = None
    categorical = next(f for f in task_contract.features if f.kind == "categorical")
    broken.loc[3, categorical.name] = "not a category"
    label = task_contract.label.name
    if task_contract.task != "regression":
        broken.loc[4, label] = "not a class"
    report = validate_dataframe(broken, get_suite("training", task_contract), task_contract)
    assert not report.success
    failed = {(f.expectation, f.column) for f in report.failures}
    assert ("expect_column_values_to_be_between", numeric.name) in failed
    assert ("expect_column_values_to_not_be_null", numeric.name) in failed
    assert ("expect_column_values_to_be_in_set", categorical.name) in failed
    message = str(DataValidationError(report))
    assert f"column {numeric.name!r}" in message
    assert str(numeric.max + 1000) in message
    assert "'not a category'" in message
    if task_contract.task != "regression":
        assert ("expect_column_values_to_be_in_set", label) in failed
        assert "'not a class'" in message


def test_text_in_a_numeric_column_is_shown(valid: pd.DataFrame, task_contract: Contract) -> None:
    """The offending text is reported (not `observed None`), and the rest still runs."""
    numeric = numeric_feature(task_contract)
    broken = valid.astype({numeric.name: object})
    broken.loc[0, numeric.name] = "n/a"
    broken.loc[1, numeric.name] = "12,5"
    report = validate_dataframe(broken, get_suite("training", task_contract), task_contract)
    [types] = [f for f in report.failures if f.expectation == "values_are_numbers"]
    assert types.column == numeric.name
    assert types.unexpected_values == ["n/a", "12,5"]
    assert "2 value(s) are not numbers, e.g. ['n/a', '12,5']" in report.summary()
    assert "observed None" not in report.summary()
    # Read as empty for GX, the text is not also reported as empty values; real ones are.
    nulls = [f for f in report.failures if f.expectation == "expect_column_values_to_not_be_null"]
    assert [f for f in nulls if f.column == numeric.name] == [] or numeric.nullable
    broken.loc[2, numeric.name] = None
    again = validate_dataframe(broken, get_suite("training", task_contract), task_contract)
    empty = [f for f in again.failures if f.expectation == "expect_column_values_to_not_be_null"]
    if not numeric.nullable:
        assert [(f.column, f.unexpected_count) for f in empty] == [(numeric.name, 1)]


def test_a_missing_column_is_one_line(valid: pd.DataFrame, task_contract: Contract) -> None:
    """A dropped column is reported once, as missing, not once per expectation on it."""
    column = numeric_feature(task_contract).name
    report = validate_dataframe(
        valid.drop(columns=[column]), get_suite("training", task_contract), task_contract
    )
    lines = [line for line in report.summary().splitlines() if repr(column) in line]
    assert lines == [f"  - column {column!r}: missing from the table (expect_column_to_exist)"]


def test_validate_file_writes_the_report_then_raises(
    valid: pd.DataFrame, task_contract: Contract, tmp_path: Path
) -> None:
    """The JSON report is written even when validation fails; failing is optional."""
    numeric = numeric_feature(task_contract)
    assert numeric.min is not None
    bad = valid.copy()
    bad[numeric.name] = bad[numeric.name].astype(float)
    bad.loc[0, numeric.name] = numeric.min - 1
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(
        DataValidationError, match=numeric.name.replace("(", r"\(").replace(")", r"\)")
    ):
        validate_file(tmp_path / "bad.csv", "training", tmp_path / "r.json", contract=task_contract)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["success"] is False
    assert report["failures"][0]["column"] == numeric.name
    assert report["result"]["results"]  # the full GX result is kept
    kept = validate_file(
        tmp_path / "bad.csv", "training", fail_on_error=False, contract=task_contract
    )
    assert not kept.success


def test_the_predictions_suite_catches_degenerate_output(task_contract: Contract) -> None:
    """Monitoring: constant scores, or values outside the classes or bounds, fail."""
    suite = get_suite("predictions", task_contract)
    rows = 100
    if task_contract.task == "regression":
        low, high = task_contract.label.min or 0.0, task_contract.label.max or 1.0
        good = pd.DataFrame({"prediction": [low + (high - low) * i / rows for i in range(rows)]})
        bad, broken = pd.DataFrame({"prediction": [high + 1.0] * rows}), {"prediction"}
    elif task_contract.task == "binary":
        keys = task_contract.class_keys
        good = pd.DataFrame(
            {
                "prediction": [keys[i % 2] for i in range(rows)],
                "probability": [i / rows for i in range(rows)],
            }
        )
        bad = pd.DataFrame({"prediction": ["other"] * rows, "probability": [0.99] * rows})
        broken = {"prediction", "probability"}
    else:
        columns = task_contract.probability_columns
        good = pd.DataFrame(
            {
                "prediction": task_contract.class_keys * (rows // len(columns)),
                **dict.fromkeys(columns, 1 / len(columns)),
            }
        )
        bad, broken = good.assign(**{columns[0]: 1.5}), {columns[0]}
    assert validate_dataframe(good, suite, task_contract).success
    report = validate_dataframe(bad, suite, task_contract)
    assert {f.column for f in report.failures} == broken, report.summary()


def chunks(frame: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    """`frame` in chunks of `rows` rows, as a source gives them."""
    return (frame.iloc[start : start + rows] for start in range(0, len(frame), rows))


def test_a_table_in_chunks_is_judged_as_a_whole(
    valid: pd.DataFrame, task_contract: Contract
) -> None:
    """A chunk too small for the row count, and chunks holding one class only (the table
    sorted by its label): the table passes, as it does in one piece."""
    by_label = valid.sort_values(task_contract.label.name, ignore_index=True)
    report = validate_chunks(chunks(by_label, 95), "training", task_contract)  # the last: 10
    assert report.success, report.summary()
    assert report.result["chunks"] == 3
    assert (
        report.evaluated
        == validate_dataframe(
            by_label, get_suite("training", task_contract), task_contract
        ).evaluated
    )


def test_failures_in_chunks_add_up_to_the_whole_tables(
    valid: pd.DataFrame, task_contract: Contract
) -> None:
    """Broken values spread over chunks: the same failures, with the same counts, as the
    table in one piece; a class missing from the whole table is still caught."""
    broken = valid.copy()
    numeric = numeric_feature(task_contract)
    assert numeric.max is not None
    broken[numeric.name] = broken[numeric.name].astype(float)
    broken.loc[[0, 75, 180], numeric.name] = numeric.max + 1
    broken.loc[[1, 120], numeric.name] = None
    if task_contract.task != "regression":
        label = task_contract.label.name
        broken = broken[broken[label] != task_contract.class_keys[0]].reset_index(drop=True)
    whole = validate_dataframe(broken, get_suite("training", task_contract), task_contract)
    chunked = validate_chunks(chunks(broken, 70), "training", task_contract)

    def counted(report: Any) -> set[tuple[Any, ...]]:
        return {(f.expectation, f.column, f.unexpected_count) for f in report.failures}

    assert counted(chunked) == counted(whole), chunked.summary()
    assert not chunked.success


def test_the_spread_of_a_column_is_the_whole_tables() -> None:
    """Constant within each chunk, not across them: the standard deviation is the table's."""
    import great_expectations.expectations as gxe

    frame = pd.DataFrame({"score": [0.2] * 50 + [0.4] * 30 + [0.9] * 20})
    wide = TableWide([gxe.ExpectColumnStdevToBeBetween(column="score", min_value=1.0)])
    for chunk in chunks(frame, 50):
        wide.add(chunk)
    [failure] = wide.failures({"score"})
    assert failure.expectation == STDEV
    assert failure.observed_value == pytest.approx(frame["score"].std())


def test_a_file_is_validated_chunk_by_chunk(
    sample_path: Path, sample: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """validate_file reads chunk_rows rows at a time; the report says how many chunks."""
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}CHUNK_ROWS", str(len(sample) // 2))
    get_settings.cache_clear()
    report = validate_file(sample_path, "training", tmp_path / "r.json")
    assert report.success, report.summary()
    assert json.loads((tmp_path / "r.json").read_text())["result"]["chunks"] == 2


def test_unknown_suite_is_refused() -> None:
    """Only the three suites exist."""
    assert set(SUITES) == {"training", "features", "predictions"}
    with pytest.raises(ValueError, match="unknown expectation suite"):
        get_suite("nope")


def test_a_deferred_module_loads_whole_when_first_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """defer_import makes a module that runs nothing until one of its names is read, through
    its parent (`from package import module`, as GX imports DEFERRED) or by name."""
    package = tmp_path / "deferred_probe"
    package.mkdir()
    (package / "__init__.py").write_text("RUNS = []\n")
    (package / "heavy.py").write_text(
        "from deferred_probe import RUNS\nRUNS.append('heavy')\nVALUE = 42\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        defer_import("deferred_probe.heavy")
        from deferred_probe import RUNS, heavy  # type: ignore[import-not-found]

        assert RUNS == []
        assert heavy.VALUE == 42
        from deferred_probe.heavy import VALUE  # type: ignore[import-not-found]

        assert (RUNS, VALUE) == (["heavy"], 42)
    finally:
        for name in ("deferred_probe.heavy", "deferred_probe"):
            sys.modules.pop(name, None)
    defer_import("no_such_module_anywhere.inside")  # not installed: nothing happens
    assert "no_such_module_anywhere.inside" not in sys.modules


@pytest.mark.slow  # a new interpreter, importing GX
def test_gx_imports_without_the_deferred_modules() -> None:
    """After configure_gx, GX's import leaves each of DEFERRED unloaded (a GX release that
    reads them at import would undo the saving, not break anything: this test says so)."""
    code = (
        "import sys, types; "
        "from {{ cookiecutter.package_name }}.gx_setup import DEFERRED, configure_gx; "
        "configure_gx(); import great_expectations; "
        "print([n for n in DEFERRED if type(sys.modules[n]) is types.ModuleType])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"  # none loaded
