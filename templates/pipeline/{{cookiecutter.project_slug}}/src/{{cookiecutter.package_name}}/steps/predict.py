"""Batch prediction: a model folder and a table give the ids (or the input), the outputs and
each row's warnings.

Binary: `prediction` (the class) and `probability` (of the positive class); multiclass:
`prediction` and one `probability_<class>` per class; regression: `prediction` (the value).
Then `warnings`: empty, or what the row had that the model never saw in training (a category,
a value outside the training range, an empty value: `profile.py`), the same words the service
answers for the same record. The model answers every row; the step fails only when more than
`max_flagged_share` of the rows are flagged: then the input is not what the model knows.

The input is read in chunks (`sources.py`) and each chunk's predictions are one shard of the
output folder (Parquet, or CSV with predictions_format); the flags and the spread are counted
across chunks, so memory does not grow with the number of rows.
"""

from __future__ import annotations

import shutil
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
from {{ cookiecutter.package_name }}.sources import DataError, read_chunks
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("parquet", "csv")  # of the predictions' shards (predictions_format)
SHARD = "predictions-{:05d}.{}"  # in the step's output folder, one per chunk read
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


class FlagTally:
    """Flags counted chunk by chunk: how many rows, by kind and by column, a few values each."""

    def __init__(self) -> None:
        self.rows = 0
        self.flagged = 0
        self.by_kind: Counter[str] = Counter()
        self.by_column: dict[str, Counter[str]] = {}
        self.examples: dict[str, list[Any]] = {}

    def add(self, flags: list[list[Flag]]) -> None:
        """Count a chunk's rows and their flags."""
        self.rows += len(flags)
        for row in flags:
            self.flagged += bool(row)
            for flag in row:
                self.by_kind[flag["kind"]] += 1
                self.by_column.setdefault(flag["column"], Counter())[flag["kind"]] += 1
                shown = self.examples.setdefault(f"{flag['column']}: {flag['kind']}", [])
                if len(shown) < EXAMPLES and flag["value"] not in shown:
                    shown.append(flag["value"])

    def report(self) -> dict[str, Any]:
        """The counts so far."""
        return {
            "rows": self.rows,
            "flagged_rows": self.flagged,
            "flagged_share": self.flagged / self.rows if self.rows else 0.0,
            "by_kind": dict(self.by_kind),
            "by_column": {column: dict(kinds) for column, kinds in self.by_column.items()},
            "examples": self.examples,
        }


def flag_report(flags: list[list[Flag]]) -> dict[str, Any]:
    """How many rows were flagged, by kind and by column, with a few distinct values each."""
    tally = FlagTally()
    tally.add(flags)
    return tally.report()


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


class Spread:
    """A batch's size and the spread of its predictions, counted chunk by chunk."""

    def __init__(self, model: Model) -> None:
        self.contract = model.contract
        self.rows = 0
        self.total = 0.0  # of the predictions (regression) or the probabilities (binary)
        self.classes: Counter[str] = Counter()

    def add(self, predictions: pd.DataFrame) -> None:
        """Count a chunk of predictions."""
        self.rows += len(predictions)
        task = self.contract.task
        if task == "regression":
            self.total += float(predictions[PREDICTION].sum())
            return
        self.classes.update(predictions[PREDICTION].astype(str))
        if task == "binary":
            self.total += float(predictions[PROBABILITY].sum())

    def summary(self) -> dict[str, Any]:
        """The task's metadata: rows, then the mean prediction or the predicted shares."""
        info: dict[str, Any] = {"rows": self.rows}
        rows = self.rows or 1
        if self.contract.task == "regression":
            info["mean_prediction"] = self.total / rows
            return info
        info["predicted_shares"] = {k: self.classes[k] / rows for k in self.contract.class_keys}
        if self.contract.task == "binary":
            info["mean_probability"] = self.total / rows
        return info


def summary(model: Model, predictions: pd.DataFrame) -> dict[str, Any]:
    """A batch's size and the spread of its predictions (the task's metadata)."""
    spread = Spread(model)
    spread.add(predictions)
    return spread.summary()


@reported()
def predict_file(
    model_uri: str | Path,
    data_path: str | Path,
    out_dir: str | Path,
    max_flagged_share: float = MAX_FLAGGED_SHARE,
    predictions_format: str = "parquet",
    predictions_uri: str = "",
) -> dict[str, Any]:
    """Predict for the source at `data_path` chunk by chunk into shards in the folder
    `out_dir` (Parquet, or CSV), and deliver them to `predictions_uri` when given (a folder,
    gs://, or bq://project.dataset.table); return a summary. Memory stays flat: only counts
    are kept across chunks.

    Raises FlaggedRowsError (after writing the predictions into `out_dir`, to look at, and
    before delivering them) when more than `max_flagged_share` of the rows are flagged.
    """
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    if predictions_format not in FORMATS:
        raise ContractError(
            f"predictions_format {predictions_format!r} is not one of {', '.join(FORMATS)}"
        )
    settings = get_settings()
    model = load_model(local_path(model_uri), allow_pickle=settings.allow_pickle_models)
    folder = local_path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tally, spread = FlagTally(), Spread(model)
    files = []
    for index, chunk in enumerate(read_chunks(data_path, model.contract, settings.chunk_rows)):
        if not len(chunk):
            continue
        predictions, flags = predict_with_flags(model, chunk)
        files.append(write_shard(predictions, folder / SHARD.format(index, predictions_format)))
        tally.add(flags)
        spread.add(predictions)
        del chunk, predictions, flags  # before the next chunk is read: one chunk at a time
    if not files:
        raise DataError(f"{str(data_path)!r} has no rows to predict")
    report = tally.report()
    info = spread.summary() | {
        "model_version": model.metadata.get("version"),
        "flagged_rows": report["flagged_rows"],
        "flags": report["by_kind"],
        "flagged": describe_report(report),
        "format": predictions_format,
        "shards": len(files),
        "predictions_uri": str(folder),
    }
    logger.info("predicted", **info)
    if report["flagged_share"] > max_flagged_share:  # kept in the run's folder, not delivered
        raise FlaggedRowsError(
            f"{describe_report(report)}: more than max_flagged_share "
            f"{max_flagged_share:.0%} of the rows have values the model never saw in training"
        )
    if predictions_uri:
        info["predictions_uri"] = deliver(files, predictions_uri, predictions_format)
        logger.info("delivered", predictions_uri=info["predictions_uri"], shards=len(files))
    return info


def write_shard(frame: pd.DataFrame, path: Path) -> Path:
    """One shard of predictions: Parquet, or CSV (no index) by its suffix."""
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def _uri(path: Path) -> str:
    """A shard's URI: gs:// for files on Vertex AI's Cloud Storage mount (/gcs/...)."""
    text = str(path)
    return "gs://" + text.removeprefix("/gcs/") if text.startswith("/gcs/") else text


def deliver(files: list[Path], destination: str, predictions_format: str) -> str:
    """Copy the shards to the folder `destination` (local or gs://), or load them into the
    BigQuery table `bq://project.dataset.table`; return where they are."""
    if destination.startswith("bq://"):
        from {{ cookiecutter.package_name }}.bigquery_source import write_bigquery

        write_bigquery([_uri(f) for f in files], destination, predictions_format)
        return destination
    if destination.startswith("gs://"):
        from google.cloud import storage

        bucket_name, _, prefix = destination.removeprefix("gs://").partition("/")
        bucket = storage.Client().bucket(bucket_name)
        for file in files:
            bucket.blob(f"{prefix.strip('/')}/{file.name}".lstrip("/")).upload_from_filename(file)
        return destination
    target = Path(destination)
    target.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copyfile(file, target / file.name)
    return str(target.resolve())
