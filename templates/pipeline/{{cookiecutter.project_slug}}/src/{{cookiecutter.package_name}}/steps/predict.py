"""Batch prediction: a model folder and a table give the ids (or the input), the outputs and
each row's warnings.

Binary: `prediction` (the class) and `probability` (of the positive class); multiclass:
`prediction` and one `probability_<class>` per class; regression: `prediction` (the value).
Then `warnings`: empty, or what the row had that the model never saw in training (a category,
a value outside the training range, an empty value: `profile.py`), the same words the service
answers for the same record. The model answers every row; the step fails only when more than
`max_flagged_share` of the rows are flagged: then the input is not what the model knows.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import (
    MAX_FLAGGED_SHARE,
    PREDICTION,
    PROBABILITY,
    WARNINGS,
    ContractError,
)
from {{ cookiecutter.package_name }}.model import Model, load_model
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.profile import Flag, describe
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path, read_table, write_table

if TYPE_CHECKING:
    import pandas as pd

PREDICTIONS_FILE = "predictions.csv"  # in the step's output folder
EXAMPLES = 3  # distinct values shown per column and kind


class FlaggedRowsError(ContractError):
    """Too many rows have values the model never saw: the message names them."""

    hint = (
        "check the input (a changed unit, category or column upstream?); if it is right, "
        "retrain on data like it, or raise max_flagged_share (MAX_FLAGGED_SHARE=)"
    )


def predict_with_flags(model: Model, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[list[Flag]]]:
    """The predictions table (ids or input, outputs, warnings) and each row's flags."""
    import pandas as pd

    outputs, flags = model.score_table(frame)
    ids = model.contract.ids
    kept = frame[ids] if ids else frame
    columns = pd.DataFrame(outputs | {WARNINGS: [describe(f) for f in flags]}, index=frame.index)
    table = pd.concat([kept.drop(columns=list(columns.columns), errors="ignore"), columns], axis=1)
    return table, flags


def predict(model: Model, frame: pd.DataFrame) -> pd.DataFrame:
    """The contract's id columns (all input columns when it has none), the outputs, warnings."""
    return predict_with_flags(model, frame)[0]


def flag_report(flags: list[list[Flag]]) -> dict[str, Any]:
    """How many rows were flagged, by kind and by column, with a few distinct values each."""
    by_kind: Counter[str] = Counter()
    by_column: dict[str, Counter[str]] = {}
    examples: dict[str, list[Any]] = {}
    for row in flags:
        for flag in row:
            by_kind[flag["kind"]] += 1
            by_column.setdefault(flag["column"], Counter())[flag["kind"]] += 1
            shown = examples.setdefault(f"{flag['column']}: {flag['kind']}", [])
            if len(shown) < EXAMPLES and flag["value"] not in shown:
                shown.append(flag["value"])
    flagged = sum(1 for row in flags if row)
    return {
        "rows": len(flags),
        "flagged_rows": flagged,
        "flagged_share": flagged / len(flags) if flags else 0.0,
        "by_kind": dict(by_kind),
        "by_column": {column: dict(kinds) for column, kinds in by_column.items()},
        "examples": examples,
    }


def describe_report(report: dict[str, Any]) -> str:
    """The flag report in one line, for people."""
    share = report["flagged_share"]
    text = f"{report['flagged_rows']} of {report['rows']} rows flagged ({share:.1%})"
    if report["examples"]:
        text += ": " + "; ".join(
            f"{where} e.g. {', '.join(map(repr, values))}"
            for where, values in report["examples"].items()
        )
    return text


def summary(model: Model, predictions: pd.DataFrame) -> dict[str, Any]:
    """A batch's size and the spread of its predictions (the task's metadata)."""
    info: dict[str, Any] = {"rows": len(predictions)}
    task = model.contract.task
    if task == "regression":
        info["mean_prediction"] = float(predictions[PREDICTION].mean())
    else:
        shares = predictions[PREDICTION].astype(str).value_counts(normalize=True).to_dict()
        info["predicted_shares"] = {k: float(shares.get(k, 0.0)) for k in model.contract.class_keys}
    if task == "binary":
        info["mean_probability"] = float(predictions[PROBABILITY].mean())
    return info


@reported()
def predict_file(
    model_uri: str | Path,
    data_path: str | Path,
    out_dir: str | Path,
    max_flagged_share: float = MAX_FLAGGED_SHARE,
) -> dict[str, Any]:
    """Predict for the table at `data_path` into `out_dir`/predictions.csv; return a summary.

    Raises FlaggedRowsError (after writing the predictions, to look at) when more than
    `max_flagged_share` of the rows are flagged.
    """
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    model = load_model(local_path(model_uri), allow_pickle=get_settings().allow_pickle_models)
    predictions, flags = predict_with_flags(model, read_table(data_path, model.contract))
    write_table(predictions, local_path(out_dir) / PREDICTIONS_FILE)
    report = flag_report(flags)
    info = summary(model, predictions) | {
        "model_version": model.metadata.get("version"),
        "flagged_rows": report["flagged_rows"],
        "flags": report["by_kind"],
        "flagged": describe_report(report),
    }
    logger.info("predicted", **info)
    if report["flagged_share"] > max_flagged_share:
        raise FlaggedRowsError(
            f"{describe_report(report)}: more than max_flagged_share "
            f"{max_flagged_share:.0%} of the rows have values the model never saw in training"
        )
    return info
