"""Monitor: the drift check (`drift.py`) of served records or of a batch, against the model's
reference, with its report (`report.py`){% if cookiecutter.tracking == "clearml" %}, tracked{% endif %}.

`monitor_served` reads what the service recorded in a window (`served.py`); `check_batch` reads
batch prediction's input and predictions. Both write `report.html` and `drift.json`, log the
`drift:` line (`drift: alert (<features>)` is what the infrastructure's log-based metric
counts), and raise DriftAlertError on an alert only when asked (`fail_on_drift`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.contract import ContractError
from {{ cookiecutter.package_name }}.drift import (
    ALERT,
    MIN_RECORDS,
    DriftCheck,
    DriftResult,
)
from {{ cookiecutter.package_name }}.model import model_contract, read_metadata
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.sources import read_chunks
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path


class DriftAlertError(ContractError):
    """The check said alert, and the run was asked to fail on it (fail_on_drift)."""

    hint = (
        "open the report; if the data is right, retrain on data like it (make run DATA=...), "
        "else fix it upstream; without fail_on_drift an alert is reported, not a failure"
    )


def _model(model_dir: str | Path) -> tuple[Any, dict[str, Any]]:
    metadata = read_metadata(local_path(model_dir))
    return model_contract(metadata), metadata


def _described(metadata: dict[str, Any], uri: str) -> dict[str, Any]:
    return {
        "name": metadata.get("name"),
        "version": metadata.get("version"),
        "uri": uri or metadata.get("registry", {}).get("uri", ""),
    }


@reported()
def monitor_served(
    source: str,
    model_dir: str | Path,
    out_dir: str | Path,
    since: str = "7d",
    min_records: int = MIN_RECORDS,
    model_uri: str = "",
    fail_on_drift: bool = False,
) -> dict[str, Any]:
    """The check of the records the service served since `since` (`served.py`'s sources)
    against the model in `model_dir`; its report in `out_dir`. Features: every record; the
    predictions: the records this very model version answered."""
    from {{ cookiecutter.package_name }}.served import Tally, parse_since, read_served

    contract, metadata = _model(model_dir)
    check = DriftCheck(contract, metadata.get("profile") or {}, min_records)
    ours = _answered_by(metadata, model_uri)
    until = dt.datetime.now(dt.UTC)
    start = parse_since(since, until)
    tally = Tally()
    versions: Counter[str] = Counter()
    for chunk in read_served(source, start, until, tally):
        columns = {name: [r.get(name) for r in chunk.records] for name in contract.feature_names}
        check.add(columns, len(chunk.records))
        versions.update(chunk.versions)
        answered = zip(chunk.answers, chunk.names, chunk.versions, strict=True)
        if found := [answer for answer, name, version in answered if ours(name, version)]:
            check.add_predictions(_answer_columns(found))
    window = {
        "since": start.isoformat(timespec="seconds") if start else None,
        "until": until.isoformat(timespec="seconds"),
        "source": source,
    }
    counts = {
        "records by model version": dict(versions),
        "files read": tally.files,
        "unreadable lines skipped": tally.unreadable,
    }
    result = check.result(model=_described(metadata, model_uri), window=window, counts=counts)
    return finish(result, out_dir, metadata, fail_on_drift)


def _answered_by(metadata: dict[str, Any], model_uri: str) -> Callable[[str, str], bool]:
    """Whether a record's model (name, version, as the service named it) is this model: its
    own version (a model folder served), or its registry version number (served as
    `models:/<name>@<alias>` or `models:/<name>/<number>`, which `model_uri` resolved to)."""
    own = str(metadata.get("version") or "")
    name, _, number = model_uri.removeprefix("models:/").rpartition("/")
    registered = model_uri.startswith("models:/") and number.isdigit()

    def ours(served_name: str, served_version: str) -> bool:
        if served_version == own:
            return True
        return registered and (served_name, served_version) == (name, number)

    return ours


def _answer_columns(answers: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The answers as the check counts them: `probability` and `prediction` columns."""
    return {
        "probability": [a.get("probability") for a in answers],
        "prediction": [a.get("prediction") for a in answers],
    }


@reported()
def check_batch(
    model_dir: str | Path,
    data_path: str | Path,
    predictions_path: str | Path,
    out_dir: str | Path,
    min_records: int = MIN_RECORDS,
    model_uri: str = "",
    fail_on_drift: bool = False,
) -> dict[str, Any]:
    """The check of a batch prediction's input and predictions (any sources, read chunk by
    chunk: the check counts, it keeps no rows) against the model in `model_dir`; its report
    in `out_dir`."""
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    contract, metadata = _model(model_dir)
    check = DriftCheck(contract, metadata.get("profile") or {}, min_records)
    rows = get_settings().chunk_rows
    for chunk in read_chunks(data_path, contract, rows):
        check.add(chunk, len(chunk))
    for chunk in read_chunks(predictions_path, contract, rows):
        check.add_predictions(chunk)
    window = {"source": str(data_path)}
    counts = {"rows": check.records}
    result = check.result(model=_described(metadata, model_uri), window=window, counts=counts)
    return finish(result, out_dir, metadata, fail_on_drift)


def finish(
    result: DriftResult, out_dir: str | Path, metadata: dict[str, Any], fail_on_drift: bool
) -> dict[str, Any]:
    """Write the report, log the drift line{% if cookiecutter.tracking == "clearml" %}, send the figures to tracking{% endif %}; raise DriftAlertError
    on an alert when `fail_on_drift`. Return the summary (the task's metadata)."""
    from {{ cookiecutter.package_name }}.report import write_report

    page, figures = write_report(result, local_path(out_dir))
    line = result.line()
    summary = {
        "status": result.status,
        "drift": line,
        "moved": [m.name for m in result.moved],
        "records": result.records,
        "report": str(page),
        "figures": str(figures),
        "model_version": result.model.get("version"),
    }
{%- if cookiecutter.tracking == "clearml" %}
    _track(result, metadata, page, figures)
{%- endif %}
    # The line is the message: the log-based metric of infra/ counts "drift: alert".
    (logger.warning if result.status == ALERT else logger.info)(line, **summary)
    if fail_on_drift and result.status == ALERT:
        raise DriftAlertError(f"{line}: see {page}")
    return summary
{%- if cookiecutter.tracking == "clearml" %}


def _track(result: DriftResult, metadata: dict[str, Any], page: Path, figures: Path) -> None:
    """The figures as a tracked run of its own, a child of the model's training run (the
    model's experiment): one value per feature's index, the verdict, the report."""
    from {{ cookiecutter.package_name }}.ops.tracking import track

    parent = (metadata.get("training") or {}).get("clearml_task_id")
    params = {
        "model_version": result.model.get("version"),
        "window": result.window,
        "min_records": result.min_records,
    }
    with track("monitor", params=params, parent=parent) as run:
        measures = ([result.predictions] if result.predictions else []) + result.features
        run.log_metrics({f"psi: {m.name}": m.psi for m in measures})
        run.log_metrics(
            {
                "records": float(result.records),
                "alert": float(result.status == ALERT),
                "features at warn or alert": float(sum(m.level != "ok" for m in result.features)),
            }
        )
        run.log_artifact(page, name="drift report")
        run.log_artifact(figures, name="drift figures")
{%- endif %}
