"""Slow tier: monitoring, end to end (#22). A pipeline trains on a table made here; the api
serves its champion and records what it serves; `make monitor` checks those records against
the model's reference: records drawn like the training data raise no alert, records where two
features moved inside their training ranges raise one naming exactly those two; then batch
prediction on moved data says the same."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests import datasets
from tests.suite import Background, free_port, http, render, run, wait_for_http
from tests.test_your_data import typed, value

TASK = "multiclass"  # two numeric features to move, categories and empty values beside them
MOVED = ("tenure (months)", "spend / month €")
NAME = "my-pipeline"


def moved_rows(rows: list[dict[str, Any]], training: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with MOVED's values drawn from one end of their training values (tenure from
    its top quarter, spend from its bottom third): inside the range, away from its spread."""
    rng = random.Random(3)
    found = []
    for feature, low, high in ((MOVED[0], 0.75, 1.0), (MOVED[1], 0.0, 0.33)):
        values = sorted(float(r[feature]) for r in training if r[feature] != "")
        found.append(values[int(low * (len(values) - 1)) : int(high * (len(values) - 1)) + 1])
    pools = dict(zip(MOVED, found, strict=True))
    return [
        row | {name: rng.choice(pool) if row[name] != "" else "" for name, pool in pools.items()}
        for row in rows
    ]  # an empty value stays empty: what moved is the values


def serve_and_send(
    api: Path, records: list[dict[str, Any]], log_folder: Path, registry: dict[str, str], log: Path
) -> None:
    """Serve the champion, recording into `log_folder`; send the records, twenty a request;
    stop the service (its stop writes what is left)."""
    port = free_port()
    prefix = api.name.replace("-", "_").upper()
    env = registry | {f"{prefix}_PREDICTION_LOG_URI": str(log_folder)}
    server = Background(
        ["make", "serve", f"PORT={port}", f"MODEL_URI=models:/{NAME}@champion"], api, log, env
    )
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/ready", 120, server.alive), server.output()
        for start in range(0, len(records), 20):
            body = json.dumps({"records": records[start : start + 20]}).encode()
            status, _, content = http(
                "POST",
                f"http://127.0.0.1:{port}/predict",
                body,
                {"content-type": "application/json"},
            )
            assert status == 200, content
            assert json.loads(content)["fallback"] is False
    finally:
        server.stop()


def verdict(stdout: str) -> dict[str, Any]:
    """The drift check's figures (drift.json, beside the report the output names)."""
    report = Path(value(stdout, "monitoring_report"))
    figures: dict[str, Any] = json.loads((report.parent / "drift.json").read_text())
    assert stdout.splitlines()[-1] == figures["line"]  # the drift line, last
    return figures


@pytest.mark.slow
def test_what_moved_is_named_in_served_records_and_in_batch_input(tmp_path: Path) -> None:
    """No alert on records like the training data; an alert naming exactly the two moved
    features, in what the service served and in a batch."""
    project = render("pipeline", tmp_path / "projects")
    run(["git", "init", "-q", "-b", "main"], project)
    run(["make", "install"], project)
    table_csv = tmp_path / "data" / "table.csv"
    table = datasets.write(TASK, table_csv)
    run(["make", "schema", f"DATA={table_csv}", f"LABEL={table.label}"], project)
    trained = run(["make", "run", f"DATA={table_csv}"], project).stdout
    assert value(trained, "champion") == f"models:/{NAME}/1"

    api = render("api", tmp_path / "api")
    run(["git", "init", "-q", "-b", "main"], api)
    run(["make", "install"], api)
    prefix = api.name.replace("-", "_").upper()
    registry = {f"{prefix}_REGISTRY_URI": str(project / "registry")}
    run(["make", "contract", f"MODEL_URI=models:/{NAME}@champion"], api, env=registry)
    contract = json.loads((project / "registry" / NAME / "1" / "metadata.json").read_text())[
        "contract"
    ]
    with table_csv.open(encoding="utf-8") as handle:
        training = list(csv.DictReader(handle))
    like_training = datasets.rows(TASK, seed=11)  # the same generator: drawn like training
    for row in like_training:
        del row[table.label]
    calm = [typed({k: str(v) for k, v in r.items()}, contract) for r in like_training]
    moved = [
        typed({k: str(v) for k, v in r.items()}, contract)
        for r in moved_rows(like_training, training)
    ]

    serve_and_send(api, calm, tmp_path / "served-calm", registry, tmp_path / "calm.log")
    serve_and_send(api, moved, tmp_path / "served-moved", registry, tmp_path / "moved.log")

    checked = run(["make", "monitor", f"SOURCE={tmp_path / 'served-calm'}"], project).stdout
    figures = verdict(checked)
    assert figures["records"] == len(calm)
    assert figures["status"] in ("ok", "warn"), figures["line"]
    assert figures["predictions"]["records"] == len(calm)  # the champion answered them all

    checked = run(["make", "monitor", f"SOURCE={tmp_path / 'served-moved'}"], project).stdout
    figures = verdict(checked)
    assert figures["status"] == "alert", figures["line"]
    assert sorted(figures["moved"]) == sorted(MOVED)
    assert all(name in figures["line"] for name in MOVED)

    batch_csv = tmp_path / "data" / "moved.csv"
    rows = moved_rows(like_training, training)
    with batch_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    predicted = run(
        ["make", "predict", f"MODEL_URI=models:/{NAME}@champion", f"DATA={batch_csv}"], project
    ).stdout
    assert list(Path(value(predicted, "predictions_uri")).glob("predictions-*.parquet"))
    figures = verdict(predicted)
    assert figures["status"] == "alert", figures["line"]
    assert sorted(figures["moved"]) == sorted(MOVED)
