"""Validate a table against an expectation suite (Great Expectations 1.x, ephemeral context)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.expectations import configure_gx, get_suite
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.steps.io import read_table, write_json

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations import ExpectationSuite

MAX_VALUES_SHOWN = 10


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
        """The expectation with its arguments, and what went wrong."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        text = f"{self.expectation}({args})"
        if self.error:
            return f"{text}: error: {self.error}"
        if self.unexpected_count is not None:
            shown = self.unexpected_values[:MAX_VALUES_SHOWN]
            return f"{text}: {self.unexpected_count} unexpected value(s), e.g. {shown!r}"
        return f"{text}: observed {self.observed_value!r}"


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


class DataValidationError(RuntimeError):
    """Raised when a table fails its suite; the message lists every failure."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__("Data validation failed: " + report.summary())
        self.report = report


def _failure(item: dict[str, Any]) -> Failure:
    config = item.get("expectation_config") or {}
    kwargs = {k: v for k, v in (config.get("kwargs") or {}).items() if k != "batch_id"}
    result = item.get("result") or {}
    exception = item.get("exception_info") or {}
    error = exception.get("exception_message") if exception.get("raised_exception") else None
    values = result.get("unexpected_list", result.get("partial_unexpected_list")) or []
    return Failure(
        expectation=str(config.get("type", "?")),
        column=kwargs.get("column"),
        kwargs=kwargs,
        unexpected_count=result.get("unexpected_count"),
        unexpected_values=list(values),
        observed_value=result.get("observed_value"),
        error=error,
    )


def validate_dataframe(frame: pd.DataFrame, suite: ExpectationSuite) -> ValidationReport:
    """Run `suite` on `frame` in a throw-away (ephemeral) GX context."""
    configure_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # This GX module pins its own logger to INFO at import ("Created temporary directory").
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = context.suites.add(suite)
    batch = (
        context.data_sources.add_pandas("pandas")
        .add_dataframe_asset("table")
        .add_batch_definition_whole_dataframe("whole-table")
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"validate-{suite.name}", data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": frame},
        # SUMMARY keeps the report small on big tables: counts + the first offending values.
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_VALUES_SHOWN},
    )
    payload: dict[str, Any] = result.to_json_dict()  # type: ignore[no-untyped-call]  # GX: unannotated
    items = payload.get("results") or []
    failures = [_failure(item) for item in items if not item.get("success")]
    return ValidationReport(
        suite=suite.name,
        success=bool(result.success),
        evaluated=len(items),
        failures=failures,
        result=payload,
    )


def validate_file(
    data_path: str | Path,
    suite_name: str,
    report_path: str | Path | None = None,
    fail_on_error: bool = True,
) -> ValidationReport:
    """Validate a CSV with a named suite and write the JSON report (if a path is given).

    Raises DataValidationError when the table fails and `fail_on_error` is set.
    """
    report = validate_dataframe(read_table(data_path), get_suite(suite_name))
    if report_path is not None:
        write_json(report.to_json(), report_path)
    if report.success:
        logger.info("validation passed", suite=suite_name, evaluated=report.evaluated)
    elif fail_on_error:
        logger.error("validation failed", suite=suite_name, failed=len(report.failures))
        raise DataValidationError(report)
    else:
        logger.warning("validation failed (not fatal)", suite=suite_name, details=report.summary())
    return report
