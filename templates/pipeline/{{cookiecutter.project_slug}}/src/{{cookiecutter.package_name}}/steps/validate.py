"""Validate a table against an expectation suite (Great Expectations 1.x, ephemeral context).

Before GX runs, the contract's numeric columns are checked for values that are not numbers
(text in a numeric column): those are reported with the offending text, then read as empty,
so the ranges and the other expectations still run and report properly.

A table is read in chunks (`sources.py`, chunk_rows rows each). A table of one chunk is
validated as a whole, GX's full result kept. A larger one: the row-by-row expectations run on
each chunk and their failures are merged (counts added, the first offending values kept); the
table-wide ones (the row count, every class present, a score that is not constant) are judged
once, on counts gathered chunk by chunk, so memory stays flat. An expectation of your own in
`checks.py` that is table-wide but not one of TABLE_WIDE sees one chunk at a time.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import (
    PREDICTION,
    Contract,
    ContractError,
    load_contract,
)
from {{ cookiecutter.package_name }}.expectations import get_suite
from {{ cookiecutter.package_name }}.gx_setup import configure_gx
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.sources import read_chunks
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import write_json

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations import ExpectationSuite
    from great_expectations.expectations import Expectation

MAX_VALUES_SHOWN = 10
NUMBERS_RULE = "values_are_numbers"  # the contract's own check, run before GX
MISSING_RULE = "expect_column_to_exist"
NOT_NULL_RULE = "expect_column_values_to_not_be_null"
ROW_COUNT = "expect_table_row_count_to_be_between"
ALL_CLASSES = "expect_column_distinct_values_to_contain_set"
STDEV = "expect_column_stdev_to_be_between"
TABLE_WIDE = (ROW_COUNT, ALL_CLASSES, STDEV)  # judged on the whole table, chunk by chunk


@dataclass(frozen=True)
class Failure:
    """One failed expectation: which, on which column, and the offending values."""

    expectation: str
    column: str | None
    kwargs: dict[str, Any]
    unexpected_count: int | None = None
    unexpected_values: list[Any] = field(default_factory=list)
    observed_value: Any = None
    error: str | None = None

    def describe(self) -> str:
        """The rule, and what broke it, in words."""
        if self.expectation == MISSING_RULE:
            return f"missing from the table ({MISSING_RULE})"
        shown = self.unexpected_values[:MAX_VALUES_SHOWN]
        if self.expectation == NUMBERS_RULE:
            return f"{self.unexpected_count} value(s) are not numbers, e.g. {shown!r}"
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items() if k != "column")
        text = f"{self.expectation}({args})"
        if self.error:
            return f"{text}: error: {self.error}"
        if self.unexpected_count:
            return f"{text}: {self.unexpected_count} unexpected value(s), e.g. {shown!r}"
        if self.observed_value is not None:
            return f"{text}: observed {self.observed_value!r}"
        return f"{text}: failed"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one table with one suite."""

    suite: str
    success: bool
    evaluated: int
    failures: list[Failure]
    result: dict[str, Any]  # the full GX validation result (JSON-serialisable)

    def summary(self) -> str:
        """One line when all passed, else one line per failed expectation."""
        if self.success:
            return f"suite {self.suite!r}: all {self.evaluated} expectations passed"
        lines = [
            f"suite {self.suite!r}: {len(self.failures)} of {self.evaluated} expectations failed:"
        ]
        lines += [
            f"  - {'table' if f.column is None else f'column {f.column!r}'}: {f.describe()}"
            for f in self.failures
        ]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data, GX's full result included."""
        return {
            "suite": self.suite,
            "success": self.success,
            "evaluated": self.evaluated,
            "failed": len(self.failures),
            "summary": self.summary(),
            "failures": [f.__dict__ | {"message": f.describe()} for f in self.failures],
            "result": self.result,
        }


class DataValidationError(ContractError):
    """Raised when a table fails its suite; the message lists every failure."""

    hint = "fix the data, or the contract (contract.yaml) if the data is right, then run again"

    def __init__(self, report: ValidationReport) -> None:
        super().__init__("Data validation failed: " + report.summary())
        self.report = report


def _failure(item: dict[str, Any]) -> Failure:
    config = item.get("expectation_config") or {}
    kwargs = {k: v for k, v in (config.get("kwargs") or {}).items() if k != "batch_id"}
    result = item.get("result") or {}
    exception = item.get("exception_info") or {}
    error = exception.get("exception_message") if exception.get("raised_exception") else None
    values: list[Any] = []  # each offending value once, in the order found
    for found in result.get("unexpected_list", result.get("partial_unexpected_list")) or []:
        if found not in values:
            values.append(found)
    return Failure(
        expectation=str(config.get("type", "?")),
        column=kwargs.get("column"),
        kwargs=kwargs,
        unexpected_count=result.get("unexpected_count"),
        unexpected_values=values,
        observed_value=result.get("observed_value"),
        error=error,
    )


def numeric_columns(contract: Contract, frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` that the contract says hold numbers."""
    names = [f.name for f in contract.features if f.kind == "numeric"]
    if contract.task == "regression":
        names += [contract.label.name, PREDICTION]
    return [name for name in names if name in frame.columns]


def coerce_numbers(frame: pd.DataFrame, contract: Contract) -> tuple[pd.DataFrame, list[Failure]]:
    """`frame` with its numeric columns as numbers (text read as empty), and the text found."""
    import pandas as pd

    failures = []
    frame = frame.copy()
    for column in numeric_columns(contract, frame):
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[column][numbers.isna() & frame[column].notna()]
        if len(bad):
            failures.append(
                Failure(
                    expectation=NUMBERS_RULE,
                    column=column,
                    kwargs={"column": column},
                    unexpected_count=len(bad),
                    unexpected_values=[str(v) for v in bad.unique()[:MAX_VALUES_SHOWN]],
                )
            )
        frame[column] = numbers
    return frame, failures


def _without_coerced_text(failures: list[Failure], type_failures: list[Failure]) -> list[Failure]:
    """GX's not-null failures less the text that `coerce_numbers` reported and had to read as
    empty: one problem, reported once, as text; a column's real empty values still count."""
    coerced = {f.column: f.unexpected_count or 0 for f in type_failures}
    kept = []
    for failure in failures:
        text = coerced.get(failure.column, 0)
        if failure.expectation == NOT_NULL_RULE and text:
            empty = (failure.unexpected_count or 0) - text
            if empty <= 0:
                continue
            failure = replace(failure, unexpected_count=empty)
        kept.append(failure)
    return kept


def validate_dataframe(
    frame: pd.DataFrame, suite: ExpectationSuite, contract: Contract | None = None
) -> ValidationReport:
    """Check `frame`'s numbers, then run `suite` on it in a throw-away (ephemeral) GX context."""
    configure_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # This GX module pins its own logger to INFO at import ("Created temporary directory").
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)

    frame, type_failures = coerce_numbers(frame, contract or load_contract())
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("pandas")
        .add_dataframe_asset("table")
        .add_batch_definition_whole_dataframe("whole-table")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    # The batch's own validate, not a ValidationDefinition's run: the same results, without
    # storing them in the throw-away context first (about a sixth of each run, every chunk).
    result = batch.validate(
        suite,
        # SUMMARY keeps the report small on big tables: counts + the first offending values.
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_VALUES_SHOWN},
    )
    payload: dict[str, Any] = result.to_json_dict()  # type: ignore[no-untyped-call]  # GX: unannotated
    items = payload.get("results") or []
    failures = [_failure(item) for item in items if not item.get("success")]
    # A missing column fails every expectation on it: report it once, as missing.
    missing = {f.column for f in failures if f.expectation == MISSING_RULE}
    failures = [f for f in failures if f.column not in missing or f.expectation == MISSING_RULE]
    failures = type_failures + _without_coerced_text(failures, type_failures)
    return ValidationReport(
        suite=suite.name,
        success=not failures,
        evaluated=len(items) + len(numeric_columns(contract or load_contract(), frame)),
        failures=failures,
        result=payload,
    )


class TableWide:
    """The table-wide expectations of a suite, judged on counts gathered chunk by chunk: the
    rows, each column's distinct values (a label's classes), each column's count, mean and
    sum of squared deviations (Chan et al.'s parallel variance)."""

    def __init__(self, expectations: list[Expectation]) -> None:
        self.checks = [(e.expectation_type, dict(e.configuration.kwargs)) for e in expectations]
        self.rows = 0
        self.distinct: dict[str, set[str]] = {}
        self.moments: dict[str, tuple[int, float, float]] = {}

    def add(self, frame: pd.DataFrame) -> None:
        """Count a chunk (its numeric columns already numbers)."""
        import pandas as pd

        self.rows += len(frame)
        for kind, kwargs in self.checks:
            column = str(kwargs.get("column") or "")
            if column not in frame.columns:
                continue
            if kind == ALL_CLASSES:
                found = {str(v) for v in frame[column].dropna().unique()}
                self.distinct.setdefault(column, set()).update(found)
            elif kind == STDEV:
                values = pd.to_numeric(frame[column], errors="coerce").dropna()
                count, mean, m2 = self.moments.get(column, (0, 0.0, 0.0))
                more, more_mean = len(values), float(values.mean()) if len(values) else 0.0
                more_m2 = float(((values - more_mean) ** 2).sum())
                total = count + more
                if total:
                    delta = more_mean - mean
                    mean += delta * more / total
                    m2 += more_m2 + delta**2 * count * more / total
                self.moments[column] = (total, mean, m2)

    def failures(self, present: set[str]) -> list[Failure]:
        """The table-wide expectations that failed (a missing column is reported as missing)."""
        failed = []
        for kind, kwargs in self.checks:
            column: str | None = kwargs.get("column")
            if column is not None and column not in present:
                continue
            observed: Any
            if kind == ROW_COUNT:
                observed = self.rows
                passed = _between(observed, kwargs)
            elif kind == ALL_CLASSES:
                observed = sorted(self.distinct.get(str(column), set()))
                passed = {str(v) for v in kwargs.get("value_set") or []} <= set(observed)
            else:
                count, _, m2 = self.moments.get(str(column), (0, 0.0, 0.0))
                observed = math.sqrt(m2 / (count - 1)) if count > 1 else None
                passed = observed is not None and _between(observed, kwargs)
            if not passed:
                failed.append(Failure(kind, column, kwargs, observed_value=observed))
        return failed


def _between(value: float, kwargs: dict[str, Any]) -> bool:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    return (low is None or value >= low) and (high is None or value <= high)


def _key(failure: Failure) -> str:
    return json.dumps([failure.expectation, failure.column, failure.kwargs], default=str)


def _merged(first: Failure, more: Failure) -> Failure:
    """Two chunks' failures of one expectation as one: counts added, first values kept."""
    counts = [c for c in (first.unexpected_count, more.unexpected_count) if c is not None]
    values = first.unexpected_values + [
        v for v in more.unexpected_values if v not in first.unexpected_values
    ]
    return replace(
        first,
        unexpected_count=sum(counts) if counts else None,
        unexpected_values=values[:MAX_VALUES_SHOWN],
        error=first.error or more.error,
    )


def _row_suite(suite_name: str, contract: Contract) -> ExpectationSuite:
    """The suite without its table-wide expectations, for each chunk."""
    import great_expectations as gx

    suite = get_suite(suite_name, contract)
    kept = [e for e in suite.expectations if e.expectation_type not in TABLE_WIDE]
    return gx.ExpectationSuite(name=suite.name, expectations=kept)


def validate_chunks(
    chunks: Iterator[pd.DataFrame], suite_name: str, contract: Contract
) -> ValidationReport:
    """Validate a table given in chunks: one chunk as a whole; more chunk by chunk, the
    row-by-row failures merged and the table-wide expectations judged on the counts."""
    first = next(chunks, None)
    if first is None:  # a source with no rows and no columns (an empty BigQuery result)
        empty = Failure(ROW_COUNT, None, {"min_value": 1}, observed_value=0)
        return ValidationReport(suite_name, False, 1, [empty], {})
    second = next(chunks, None)
    if second is None:
        return validate_dataframe(first, get_suite(suite_name, contract), contract)
    wide = TableWide(
        [
            e
            for e in get_suite(suite_name, contract).expectations
            if e.expectation_type in TABLE_WIDE
        ]
    )
    failures: dict[str, Failure] = {}
    results: dict[str, dict[str, Any]] = {}  # the first failed GX result of each expectation
    present: set[str] = set()
    evaluated = count = 0
    rows = _row_suite(suite_name, contract)
    head = [first, second]
    del first, second  # held by `head` until their turn, then by the loop alone
    for index, chunk in enumerate(_chained(head, chunks)):
        report = validate_dataframe(chunk, rows, contract)
        wide.add(coerce_numbers(chunk, contract)[0])
        present |= set(chunk.columns)
        evaluated, count = report.evaluated, index + 1
        for failure in report.failures:
            key = _key(failure)
            failures[key] = _merged(failures[key], failure) if key in failures else failure
        for item in report.result.get("results") or []:
            config = item.get("expectation_config") or {}
            key = json.dumps([config.get("type"), (config.get("kwargs") or {}).get("column")])
            if not item.get("success") and key not in results:
                results[key] = item | {"chunk": index}
        del chunk, report  # before the next chunk is read: one chunk at a time
    found = [*failures.values(), *wide.failures(present)]
    return ValidationReport(
        suite=suite_name,
        success=not found,
        evaluated=evaluated + len(wide.checks),
        failures=found,
        result={"chunks": count, "rows": wide.rows, "results": list(results.values())},
    )


def _chained(head: list[pd.DataFrame], rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The chunks already read (each let go once given), then the rest."""
    while head:
        yield head.pop(0)
    yield from rest


@reported()
def validate_file(
    data_path: str | Path,
    suite_name: str,
    report_path: str | Path | None = None,
    fail_on_error: bool = True,
    contract: Contract | None = None,
) -> ValidationReport:
    """Validate a table (any source, in chunks) with a named suite and write the JSON report
    (if a path is given).

    Raises DataValidationError when the table fails and `fail_on_error` is set.
    """
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    contract = contract or load_contract()
    chunks = read_chunks(data_path, contract, get_settings().chunk_rows)
    report = validate_chunks(chunks, suite_name, contract)
    if report_path is not None:
        write_json(report.to_json(), report_path)
    if report.success:
        logger.info("validation passed", suite=suite_name, evaluated=report.evaluated)
    elif fail_on_error:
        logger.error("validation failed", suite=suite_name, failed=len(report.failures))
        raise DataValidationError(report)
    else:
        logger.warning("validation failed", suite=suite_name, details=report.summary())
    return report
