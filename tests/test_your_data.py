"""Slow tier: the second day. A team brings its own table, one per task and framework, made
here with the awkwardness real tables have (tests/datasets.py), through the commands the
READMEs show:

make schema -> make run DATA= (the champion) -> a plain make run (on the synthetic sample: the
champion stays) -> make predict MODEL_URI=models:/<name>@champion -> the api adopts that URI's
contract (make contract), its own make check is green, and, served by the same URI, it
answers rows of the team's CSV as they are (ids included) exactly as batch prediction did,
naming the category it never saw."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests import datasets
from tests.suite import Background, clean_env, free_port, http, render, run, wait_for_http

# A task per framework. LightGBM's project first trains on its shipped sample, as on the first
# day: the team's first real model then replaces that champion.
CASES = [("multiclass", "scikit-learn"), ("regression", "xgboost"), ("binary", "lightgbm")]
# The other answers of each case's pipeline: the regression one is also the suite's project
# without tracking, on GitLab, under a proprietary licence (its make install and make check).
OTHER_ANSWERS = {
    "regression": {"tracking": "none", "ci_provider": "gitlab", "license": "Proprietary"},
}
NAME = "my-pipeline"  # the registered model's name: the pipeline project's


def value(stdout: str, key: str) -> str:
    [line] = [ln for ln in stdout.splitlines() if ln.startswith(f"{key}: ")]
    return line.removeprefix(f"{key}: ")


def typed(record: dict[str, str], contract: dict[str, Any]) -> dict[str, Any]:
    """A CSV row as a client sends it: its ids, numbers as numbers, categories as text, an
    empty cell as null."""
    found: dict[str, Any] = {name: record[name] for name in contract.get("ids", [])}
    for feature in contract["features"]:
        cell = record[feature["name"]]
        if cell == "":
            found[feature["name"]] = None
        else:
            found[feature["name"]] = float(cell) if feature["kind"] == "numeric" else cell
    return found


def same_answer(answer: dict[str, Any], row: dict[str, str], task: str) -> None:
    """The api's answer for a record is batch prediction's row for it, to the last digit."""
    if task == "regression":
        assert answer["prediction"] == pytest.approx(float(row["prediction"]), rel=1e-9)
    else:
        assert str(answer["prediction"]) == row["prediction"]
    if task == "binary":
        assert answer["probability"] == pytest.approx(float(row["probability"]), rel=1e-9)
    for key, probability in answer.get("probabilities", {}).items():
        assert probability == pytest.approx(float(row[f"probability_{key}"]), rel=1e-9)
    assert "; ".join(w["message"] for w in answer["warnings"]) == row["warnings"]


def serve(
    api: Path,
    model_uri: str,
    env: dict[str, str],
    records: list[dict[str, str]],
    contract: dict[str, Any],
    log: Path,
) -> dict[str, Any]:
    """Serve `model_uri`, send the records as a client would, stop; the answer."""
    port = free_port()
    server = Background(["make", "serve", f"PORT={port}", f"MODEL_URI={model_uri}"], api, log, env)
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/ready", 120, server.alive), server.output()
        body = json.dumps({"records": [typed(r, contract) for r in records]}).encode()
        status, _, content = http(
            "POST", f"http://127.0.0.1:{port}/predict", body, {"content-type": "application/json"}
        )
    finally:
        server.stop()
    assert status == 200, content
    answer: dict[str, Any] = json.loads(content)
    assert answer["fallback"] is False
    return answer


@pytest.mark.slow
@pytest.mark.parametrize(("task", "framework"), CASES, ids=[f"{t}-{f}" for t, f in CASES])
def test_a_team_brings_its_own_table(task: str, framework: str, tmp_path: Path) -> None:
    """The journey of issue 21, end to end, on a table the project has never seen."""
    answers = OTHER_ANSWERS.get(task, {})
    project = render("pipeline", tmp_path / "projects", framework=framework, **answers)
    run(["git", "init", "-q", "-b", "main"], project)
    run(["make", "install"], project)
    first_day = framework == "lightgbm"
    if first_day:  # its shipped sample first: the first champion is a model of the sample
        run(["make", "test-fast"], project)  # green before any edit, as on the other days
        assert value(run(["make", "run"], project).stdout, "champion") == f"models:/{NAME}/1"
    table_csv, new_csv = tmp_path / "data" / "table.csv", tmp_path / "data" / "new.csv"
    table = datasets.write(task, table_csv)
    datasets.write(task, new_csv, seed=9, new=True)

    schema = ["make", "schema", f"DATA={table_csv}", f"LABEL={table.label}"]
    if not table.ids_inferred:
        schema.append(f"IDS={','.join(table.ids)}")
    inferred = run(schema, project).stdout
    assert f"task: {task} (label {table.label!r}" in inferred
    assert f"ids: {', '.join(map(repr, table.ids))}" in inferred
    assert f"{table.unseen_in!r}: categorical" in inferred
    run(["make", "check"], project)

    trained = run(["make", "run", f"DATA={table_csv}"], project).stdout
    assert len(trained.splitlines()) < 80, trained
    assert "passed" in value(trained, "gate")
    real = value(trained, "model_version")
    assert value(trained, "champion") == real == f"models:/{NAME}/{2 if first_day else 1}"
    if first_day:
        assert value(trained, "comparison").startswith(f"the champion models:/{NAME}/1 was trained")

    again = run(["make", "run"], project).stdout  # no DATA=: the synthetic sample
    assert any("is the project's sample data" in ln for ln in again.splitlines()[:4]), again
    assert value(again, "champion") == real  # the champion stays with the real model
    assert value(again, "comparison").endswith("the champion stays")

    champion = f"models:/{NAME}@champion"
    predict = ["make", "predict", f"MODEL_URI={champion}", f"DATA={new_csv}"]
    predicted = run([*predict, "PREDICTIONS_FORMAT=csv"], project)  # Parquet by default
    assert value(predicted.stdout, "model") == real
    flagged = value(predicted.stdout, "flagged")
    assert f"{table.unseen_in}: unseen_category e.g. '{datasets.UNSEEN}'" in flagged
    predictions = Path(value(predicted.stdout, "predictions_uri"))  # a folder of shards
    batch = {}
    for shard in sorted(predictions.glob("predictions-*.csv")):
        with shard.open(encoding="utf-8") as handle:
            batch |= {row[table.ids[0]]: row for row in csv.DictReader(handle)}
    assert len(batch) == datasets.ROWS

    api = render("api", tmp_path / "api", framework=framework)
    run(["git", "init", "-q", "-b", "main"], api)
    run(["make", "install"], api)
    registry = {f"{api.name.replace('-', '_').upper()}_REGISTRY_URI": str(project / "registry")}
    adopted = run(["make", "contract", f"MODEL_URI={champion}"], api, env=registry).stdout
    assert f"task {task}" in adopted
    run(["make", "check"], api)

    contract = json.loads(
        (project / "registry" / NAME / real.rsplit("/", 1)[1] / "metadata.json").read_text()
    )["contract"]
    with new_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:25]
    served = serve(api, champion, registry, rows, contract, tmp_path / f"serve-{task}.log")
    assert (served["model_name"], served["model_version"]) == (NAME, real.rsplit("/", 1)[1])
    for row, answer in zip(rows, served["predictions"], strict=True):
        assert all(answer[name] == row[name] for name in table.ids)  # its ids come back
        same_answer(answer, batch[row[table.ids[0]]], task)
    warned = served["predictions"][0]["warnings"]
    named = [(w["column"], w["value"]) for w in warned if w["kind"] == "unseen_category"]
    assert named == [(table.unseen_in, datasets.UNSEEN)]


@pytest.mark.slow
def test_a_bad_schema_command_changes_nothing(tmp_path: Path) -> None:
    """A label that is not a column, no label, an empty file: the error and what to do last,
    exit code non-zero, and `git status` shows nothing changed."""
    project = render("pipeline", tmp_path)
    run(["git", "init", "-q", "-b", "main"], project)
    run(["make", "install"], project)
    run(["git", "add", "-A"], project)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "render"], project)
    table_csv = tmp_path / "table.csv"
    table = datasets.write("binary", table_csv)
    (tmp_path / "empty.csv").write_text("")
    for args, message in [
        ([f"DATA={table_csv}", "LABEL=bought?"], f"(did you mean {table.label!r}?)"),
        ([f"DATA={table_csv}"], "error: LABEL is required: the column of"),
        ([f"DATA={tmp_path / 'empty.csv'}", "LABEL=y"], "is empty: it needs a header row"),
    ]:
        done = subprocess.run(
            ["make", "schema", *args], cwd=project, capture_output=True, text=True, env=clean_env()
        )
        assert done.returncode != 0
        errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error: ")]
        assert len(errors) == 1
        assert message in errors[0]
        assert done.stderr.splitlines()[-2].startswith("what to do: ")  # then make's own line
        assert run(["git", "status", "--porcelain"], project).stdout == ""
