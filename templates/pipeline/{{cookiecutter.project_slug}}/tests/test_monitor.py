"""Monitoring: the service's records read back from a folder, Cloud Storage or BigQuery for a
window (served.py), checked against the model that served them (steps/monitor.py), and the
report a person opens with the same figures as JSON (report.py)."""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.drift import ALERT, OK
from {{ cookiecutter.package_name }}.framework import Params
from {{ cookiecutter.package_name }}.model import Model
from {{ cookiecutter.package_name }}.profile import Profile
from {{ cookiecutter.package_name }}.report import FIGURES_FILE, REPORT_FILE
from {{ cookiecutter.package_name }}.served import (
    SourceError,
    Tally,
    bigquery_table,
    parse_since,
    read_served,
)
from {{ cookiecutter.package_name }}.steps.monitor import (
    DriftAlertError,
    check_batch,
    monitor_served,
)
from {{ cookiecutter.package_name }}.steps.predict import predict_file
from {{ cookiecutter.package_name }}.synthetic import synthetic_table

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
VERSION = "run-1"


@pytest.fixture(scope="module")
def served_model(task_contract: Contract, tmp_path_factory: pytest.TempPathFactory) -> Model:
    """A model folder of the contract with its reference, as export writes it."""
    model = Model.fit(task_contract, synthetic_table(task_contract, 1500, seed=1), Params())
    held_out = synthetic_table(task_contract, 500, seed=2)
    scores = model.scores(model.encode_table(held_out))
    model.metadata["profile"]["predictions"] = Profile.learn_predictions(task_contract, scores)
    folder = tmp_path_factory.mktemp(f"model-{task_contract.task}")
    model.save(folder, name="served", version=VERSION)
    model.metadata["folder"] = str(folder)
    return model


def entries(model: Model, table: dict[str, list[Any]], when: dt.datetime) -> list[dict[str, Any]]:
    """The service's prediction log for the table's records, ten records a request. The
    answers are row by row: the model answers all the rows at once, in a fraction of the time."""
    contract = model.contract
    names = contract.feature_names
    rows = [[table[n][i] for n in names] for i in range(len(table[names[0]]))]
    answers = model.predict_rows(rows)
    found = []
    for start in range(0, len(rows), 10):
        found.append(
            {
                "time": when.isoformat(),
                "request_id": f"r{start}",
                "model_name": "served",
                "model_version": VERSION,
                "records": [dict(zip(names, row, strict=True)) for row in rows[start : start + 10]],
                "answers": answers[start : start + 10],
            }
        )
    return found


def write_log(folder: Path, found: list[dict[str, Any]], name: str = "predictions-1.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(e) + "\n" for e in found), encoding="utf-8")
    return path


def moved(model: Model, rows: int, seed: int) -> tuple[dict[str, list[Any]], str]:
    """Rows like the training data but one numeric feature times 1000; that feature."""
    table = synthetic_table(model.contract, rows, seed=seed)
    name = next(f.name for f in model.contract.features if f.kind == "numeric")
    table[name] = [None if v is None else v * 1000 for v in table[name]]
    return table, name


def test_the_window_is_a_duration_a_date_or_all() -> None:
    """30m, 12h, 7d, 2w before now; an ISO date (UTC unless it says); '' or all: no start."""
    assert parse_since("7d", NOW) == NOW - dt.timedelta(days=7)
    assert parse_since("12h", NOW) == NOW - dt.timedelta(hours=12)
    assert parse_since("2026-11-01", NOW) == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert parse_since("all", NOW) is None
    with pytest.raises(SourceError, match="SINCE='yesterday'"):
        parse_since("yesterday", NOW)


def test_a_folder_is_read_for_the_window_skipping_what_cannot_be(
    served_model: Model, tmp_path: Path
) -> None:
    """Every file of the folder (gzip too), records in the window only, a line cut short
    skipped and counted, chunk by chunk."""
    table = synthetic_table(served_model.contract, 60, seed=3)
    folder = tmp_path / "log"
    path = write_log(folder, entries(served_model, table, NOW - dt.timedelta(hours=1)))
    with path.open("a") as handle:
        handle.write('{"time": "2026-11-30T11:00:00+00:00", "records": [{"x"')  # cut short
    old = entries(served_model, table, NOW - dt.timedelta(days=30))
    with gzip.open(folder / "predictions-0.jsonl.gz", "wt") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in old)
    tally = Tally()
    chunks = list(read_served(str(folder), NOW - dt.timedelta(days=7), NOW, tally, chunk=25))
    assert [len(c.records) for c in chunks] == [30, 30]  # whole requests, 10 records each
    assert tally.records == 60
    assert (tally.outside_window, tally.unreadable, tally.files) == (6, 1, 2)
    assert chunks[0].records[0] == {n: table[n][0] for n in served_model.contract.feature_names}
    assert set(chunks[0].versions) == {VERSION}


def test_cloud_storage_holds_files_or_a_sinks_log_entries(served_model: Model, bucket: Any) -> None:
    """gs://: the service's files, or the log entries a Cloud Logging sink writes there
    (records and answers as JSON text in jsonPayload)."""
    found = entries(served_model, synthetic_table(served_model.contract, 20, seed=4), NOW)
    sink = [
        {
            "timestamp": e["time"],
            "jsonPayload": {
                "message": "prediction",
                **{k: v for k, v in e.items() if k not in ("records", "answers", "time")},
                "records": json.dumps(e["records"]),
                "answers": json.dumps(e["answers"]),
            },
        }
        for e in found
    ]
    name = "logs/run.googleapis.com/stderr/2026/11/30/12:00:00_12:59:59_S0.json"  # the sink's
    bucket.blob(name).upload_from_string("\n".join(json.dumps(e) for e in sink))
    bucket.blob("logs/notes.txt").upload_from_string("not records")
    chunks = list(read_served(f"gs://{bucket.name}/logs", None, None))
    assert sum(len(c.records) for c in chunks) == 20
    assert chunks[0].answers == found[0]["answers"] + found[1]["answers"]


def test_bigquery_is_queried_for_the_window(served_model: Model, bigquery: Any) -> None:
    """bq://project.dataset.table: the sink's table, its prediction entries of the window
    (parameters, not text), the table name checked; the dataset alone means Cloud Run's."""
    found = entries(served_model, synthetic_table(served_model.contract, 20, seed=5), NOW)
    bigquery.rows = [
        {
            "timestamp": NOW - dt.timedelta(hours=1),
            "model_name": e["model_name"],
            "model_version": e["model_version"],
            "records": json.dumps(e["records"]),
            "answers": json.dumps(e["answers"]),
        }
        for e in found
    ]
    since = NOW - dt.timedelta(days=1)
    chunks = list(read_served("bq://acme.ml_predictions", since, NOW))
    assert sum(len(c.records) for c in chunks) == 20
    asked = bigquery.asked
    assert asked["project"] == "acme"
    assert "FROM `acme.ml_predictions.run_googleapis_com_stderr`" in asked["query"]
    assert "jsonPayload.message = 'prediction'" in asked["query"]
    assert asked["parameters"] == [("since", "TIMESTAMP", since), ("until", "TIMESTAMP", NOW)]
    with pytest.raises(SourceError, match=r"is not bq://project\.dataset\.table"):
        bigquery_table("bq://acme.x; DROP TABLE y")


def test_monitoring_served_records_reports_and_says_the_line(
    served_model: Model, tmp_path: Path
) -> None:
    """Records like the training data: ok; a unit change: alert naming the feature, with the
    report (the features sorted, both distributions) and the same figures as JSON."""
    folder = Path(served_model.metadata["folder"])
    calm = synthetic_table(served_model.contract, 600, seed=6)
    write_log(tmp_path / "calm", entries(served_model, calm, dt.datetime.now(dt.UTC)))
    summary = monitor_served(str(tmp_path / "calm"), folder, tmp_path / "r1", since="1d")
    assert (summary["status"], summary["moved"]) == (OK, [])
    assert summary["drift"] == "drift: ok"

    table, name = moved(served_model, 600, seed=7)
    write_log(tmp_path / "moved", entries(served_model, table, dt.datetime.now(dt.UTC)))
    summary = monitor_served(str(tmp_path / "moved"), folder, tmp_path / "r2", since="1d")
    assert summary["status"] == ALERT
    assert name in summary["moved"]
    figures = json.loads((tmp_path / "r2" / FIGURES_FILE).read_text())
    assert figures["line"] == summary["drift"]
    assert figures["model"]["version"] == VERSION
    assert figures["counts"]["records by model version"] == {VERSION: 600}
    assert figures["predictions"]["records"] == 600  # the answers of this very version
    page = (tmp_path / "r2" / REPORT_FILE).read_text()
    assert page.index(html.escape(name)) < page.index(html.escape(figures["features"][-1]["name"]))
    assert all(html.escape(f["name"]) in page for f in figures["features"])
    first = figures["features"][0]
    assert all(html.escape(b) in page for b in first["bins"])  # both distributions, by bin


def test_the_predictions_compared_are_those_this_version_answered(
    served_model: Model, tmp_path: Path
) -> None:
    """Served by its registry URI, the service names the version by its number: those
    answers count when the model checked is that registered version, others never do."""
    found = entries(served_model, synthetic_table(served_model.contract, 600, seed=10), NOW)
    for entry in found[:30]:
        entry["model_version"] = "3"  # served as models:/served@champion, version 3
    for entry in found[30:40]:
        entry["model_name"], entry["model_version"] = "another", "3"
    write_log(tmp_path / "log", found)
    folder = Path(served_model.metadata["folder"])
    args = (str(tmp_path / "log"), folder, tmp_path / "r")
    monitor_served(*args, since="all", model_uri="models:/served/3")
    figures = json.loads((tmp_path / "r" / FIGURES_FILE).read_text())
    assert figures["records"] == 600  # the features: every record
    assert figures["predictions"]["records"] == 300 + 200  # version 3 of 'served', and its own
    monitor_served(*args, since="all")  # a folder: only its own version
    assert json.loads((tmp_path / "r" / FIGURES_FILE).read_text())["predictions"]["records"] == 200


def test_an_alert_fails_only_when_asked_and_after_the_report(
    served_model: Model, tmp_path: Path
) -> None:
    """fail_on_drift: DriftAlertError naming the line and the report, which is written."""
    table, _ = moved(served_model, 600, seed=8)
    write_log(tmp_path / "log", entries(served_model, table, dt.datetime.now(dt.UTC)))
    folder = Path(served_model.metadata["folder"])
    with pytest.raises(DriftAlertError, match="drift: alert") as raised:
        monitor_served(str(tmp_path / "log"), folder, tmp_path / "r", fail_on_drift=True)
    assert str(tmp_path / "r" / REPORT_FILE) in str(raised.value)
    assert (tmp_path / "r" / REPORT_FILE).is_file()


def test_batch_prediction_is_checked_against_the_same_reference(
    served_model: Model, tmp_path: Path
) -> None:
    """A batch's input and predictions, read from the files batch prediction writes."""
    table, name = moved(served_model, 600, seed=9)
    pd.DataFrame(table).to_csv(tmp_path / "batch.csv", index=False)
    folder = Path(served_model.metadata["folder"])
    predict_file(folder, tmp_path / "batch.csv", tmp_path / "predictions", max_flagged_share=1.0)
    summary = check_batch(folder, tmp_path / "batch.csv", tmp_path / "predictions", tmp_path / "r")
    assert summary["status"] == ALERT
    assert name in summary["moved"]
    assert json.loads((tmp_path / "r" / FIGURES_FILE).read_text())["counts"] == {"rows": 600}
