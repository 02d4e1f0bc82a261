"""Slow tier: the second day. A team brings its own table of each task, with awkward column
names and a categorical column, through the four commands the READMEs show; the api of the
same framework then serves the model over real HTTP and answers what the batch predictions say
for the same rows. XGBoost and LightGBM projects first train on their shipped sample."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests import datasets
from tests.suite import Background, clean_env, free_port, http, render, run, wait_for_http

# Every task; every framework; the multiclass table through both boosting frameworks.
CASES = [
    ("binary", "scikit-learn"),
    ("regression", "scikit-learn"),
    ("multiclass", "xgboost"),
    ("multiclass", "lightgbm"),
]
# The other answers of each case's pipeline: the regression one is also the suite's project
# without tracking, on GitLab, under a proprietary licence (its make install and make check).
OTHER_ANSWERS = {
    "regression": {"tracking": "none", "ci_provider": "gitlab", "license": "Proprietary"},
}
_APIS: dict[str, Path] = {}
NAME = "my-pipeline"  # the registered model's name: the pipeline project's


def api_project(framework: str, root: Path) -> Path:
    """One api project per framework and test process, installed once; each test adopts its
    model's contract."""
    if framework not in _APIS:
        project = render("api", root / f"api-{framework}", framework=framework)
        run(["git", "init", "-q", "-b", "main"], project)
        run(["make", "install"], project)
        _APIS[framework] = project
    return _APIS[framework]


def value(stdout: str, key: str) -> str:
    [line] = [ln for ln in stdout.splitlines() if ln.startswith(f"{key}: ")]
    return line.removeprefix(f"{key}: ")


def typed(record: dict[str, str], contract: dict[str, Any]) -> dict[str, Any]:
    """A CSV row as a client sends it: numbers as numbers, categories as text, no ids."""
    return {
        f["name"]: float(record[f["name"]]) if f["kind"] == "numeric" else record[f["name"]]
        for f in contract["features"]
    }


@pytest.mark.slow
@pytest.mark.parametrize(("task", "framework"), CASES, ids=[f"{t}-{f}" for t, f in CASES])
def test_a_team_brings_its_own_table(
    task: str, framework: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """make schema, make check, make run, make predict; then the api serves the model."""
    answers = OTHER_ANSWERS.get(task, {})
    project = render("pipeline", tmp_path / "projects", framework=framework, **answers)
    run(["git", "init", "-q", "-b", "main"], project)
    run(["make", "install"], project)
    if framework != "scikit-learn":  # its shipped sample first, as on the first day
        first = run(["make", "run"], project).stdout
        sample_model = Path(value(first, "model_uri"))
        metadata = json.loads((sample_model / "metadata.json").read_text())
        assert (metadata["framework"], metadata["task"]) == (framework, "binary")
    table, new = tmp_path / "data" / "table.csv", tmp_path / "data" / "new.csv"
    label = datasets.write(task, table)
    datasets.write(task, new, seed=9, with_label=False)

    inferred = run(["make", "schema", f"DATA={table}", f"LABEL={label}"], project).stdout
    assert f"task: {task} (label {label!r}" in inferred
    assert "'région': categorical, 3 categories" in inferred
    assert "ids: 'customer id'" in inferred
    run(["make", "check"], project)

    trained = run(["make", "run", f"DATA={table}"], project).stdout
    assert len(trained.splitlines()) < 80, trained
    assert "passed" in value(trained, "gate")
    model = Path(value(trained, "model_uri"))
    model_uri = str(model)
    if framework != "scikit-learn":  # the sample's model has another contract: replaced
        assert value(trained, "champion") == value(trained, "model_version") == f"models:/{NAME}/2"
        assert "does not fit the current data contract" in value(trained, "comparison")
    elif task == "binary":  # the registry: a second, equal, run leaves the champion alone
        again = run(["make", "run", f"DATA={table}"], project).stdout
        assert value(again, "model_version") == f"models:/{NAME}/2"
        assert value(again, "champion") == f"models:/{NAME}/1"  # a tie keeps the champion
        assert value(again, "comparison").endswith(": the champion stays")
        listed = run(["make", "models"], project).stdout
        versions = [ln.split()[:2] for ln in listed.splitlines() if ln.startswith("  ")]
        assert versions == [["1", "champion"], ["2", "-"]]
        model_uri = f"models:/{NAME}@champion"
    predicted = run(["make", "predict", f"MODEL_URI={model_uri}", f"DATA={new}"], project).stdout
    with Path(value(predicted, "predictions_uri")).open(encoding="utf-8") as handle:
        batch = {row["customer id"]: row for row in csv.DictReader(handle)}
    assert len(batch) == datasets.ROWS

    metadata = json.loads((model / "metadata.json").read_text())
    assert metadata["framework"] == framework
    contract = metadata["contract"]
    api = api_project(framework, tmp_path_factory.getbasetemp())
    adopted = run(["make", "contract", f"MODEL_URI={model}"], api).stdout
    assert f"task {task}" in adopted
    with new.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:25]
    port = free_port()
    registry = {f"{api.name.replace('-', '_').upper()}_REGISTRY_URI": str(project / "registry")}
    server = Background(
        ["make", "serve", f"PORT={port}", f"MODEL_URI={model_uri}"],
        api,
        tmp_path / f"serve-{task}.log",
        env=registry,
    )
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/ready", 120, server.alive), server.output()
        body = json.dumps({"records": [typed(r, contract) for r in rows]}).encode()
        status, _, content = http(
            "POST", f"http://127.0.0.1:{port}/predict", body, {"content-type": "application/json"}
        )
    finally:
        server.stop()
    assert status == 200, content
    answers = json.loads(content)
    assert answers["fallback"] is False
    if model_uri.startswith("models:/"):  # served from the registry: the champion, version 1
        assert (answers["model_name"], answers["model_version"]) == (NAME, "1")
    for row, answer in zip(rows, answers["predictions"], strict=True):
        expected = batch[row["customer id"]]
        if task == "regression":
            assert answer["prediction"] == pytest.approx(float(expected["prediction"]), rel=1e-9)
            continue
        assert str(answer["prediction"]) == expected["prediction"]
        if task == "binary":
            assert answer["probability"] == pytest.approx(float(expected["probability"]), rel=1e-9)
        else:
            for key, probability in answer["probabilities"].items():
                assert probability == pytest.approx(float(expected[f"probability_{key}"]), rel=1e-9)


@pytest.mark.slow
def test_a_bad_schema_command_changes_nothing(tmp_path: Path) -> None:
    """A label that is not a column, an empty file: one error line last, exit code non-zero,
    and `git status` shows nothing changed."""
    project = render("pipeline", tmp_path)
    run(["git", "init", "-q", "-b", "main"], project)
    run(["make", "install"], project)
    run(["git", "add", "-A"], project)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "render"], project)
    table = tmp_path / "table.csv"
    datasets.write("binary", table)
    (tmp_path / "empty.csv").write_text("")
    for args, message in [
        ([f"DATA={table}", "LABEL=target"], "error: label 'target' is not a column of"),
        ([f"DATA={tmp_path / 'empty.csv'}", "LABEL=y"], "is empty: it needs a header row"),
    ]:
        done = subprocess.run(
            ["make", "schema", *args], cwd=project, capture_output=True, text=True, env=clean_env()
        )
        assert done.returncode != 0
        errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error: ")]
        assert len(errors) == 1
        assert message in errors[0]
        assert run(["git", "status", "--porcelain"], project).stdout == ""
