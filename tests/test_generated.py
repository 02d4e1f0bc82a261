"""Slow tier: each rendered project passes its own checks, as a user's first commit would."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.suite import clean_env, render, run

# Defaults, plus option combinations that change what the project's checks run over.
PROJECTS = [
    ("package", {}),
    (
        "package",
        {
            "cli": "no",
            "ci_provider": "gitlab",
            "license": "Apache-2.0",
            "publish_to": "artifact-registry",
            "tracking": "clearml",
        },
    ),
    ("pipeline", {}),
    ("pipeline", {"tracking": "none", "ci_provider": "gitlab", "license": "Proprietary"}),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("template", "answers"),
    PROJECTS,
    ids=lambda v: v if isinstance(v, str) else "-".join(v.values()) or "defaults",
)
def test_project_is_green_on_its_first_commit(
    template: str, answers: dict[str, str], tmp_path: Path
) -> None:
    """git init, make install, make check, make build and pre-commit all pass with no edits."""
    project = render(template, tmp_path, **answers)
    run(["git", "init", "-q", "-b", "main"], project)
    run(["make", "install"], project)
    assert (project / ".git" / "hooks" / "pre-commit").exists(), "make install skipped the git hook"
    run(["git", "add", "-A"], project)
    run(["make", "check"], project)
    run(["make", "build"], project)
    assert len(list((project / "dist").glob("*.whl"))) == 1
    assert len(list((project / "dist").glob("*.tar.gz"))) == 1
    run(["make", "pre-commit"], project)
    help_text = re.sub(r"\x1b\[[0-9;]*m", "", run(["make"], project).stdout)
    listed = {line.split()[0] for line in help_text.splitlines() if line.strip()}
    assert {"install", "format", "lint", "typecheck", "test", "check", "build"} <= listed


# --- pipeline: the promises, on one rendered project --------------------------------


@pytest.fixture(scope="module")
def pipeline_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default pipeline project, rendered and installed once for the tests below."""
    project = render("pipeline", tmp_path_factory.mktemp("pipeline"))
    run(["make", "install"], project)
    return project


def make(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`make ARGS` in the project; the result, whatever the exit code."""
    return subprocess.run(
        ["make", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        env=clean_env(),
        check=False,
    )


@pytest.mark.slow
def test_pipeline_make_run_trains_locally_and_prints_the_model_uri(pipeline_project: Path) -> None:
    """`make run` runs the whole training pipeline on KFP's local runner and prints
    `model_uri: <folder>` (model.joblib + metadata.json) under the git-ignored outputs/."""
    done = run(["make", "run"], pipeline_project)
    [line] = [ln for ln in done.stdout.splitlines() if ln.startswith("model_uri: ")]
    model = Path(line.removeprefix("model_uri: "))
    assert model.is_dir()
    assert model.is_relative_to(pipeline_project / "outputs")
    assert (model / "model.joblib").stat().st_size > 0
    assert json.loads((model / "metadata.json").read_text())["metrics"]["roc_auc"] >= 0.7
    assert "outputs/" in (pipeline_project / ".gitignore").read_text().splitlines()
    # KFP's executor sets up logging before the project's logger is imported: each line
    # of a task comes out once, not once per handler.
    lines = (done.stdout + done.stderr).splitlines()
    assert sum(line.rstrip().endswith("ingested") for line in lines) == 1, done.stdout[-3000:]


@pytest.mark.slow
def test_pipeline_make_compile_writes_the_specs(pipeline_project: Path) -> None:
    """`make compile` writes one YAML spec per pipeline under build/."""
    run(["make", "compile"], pipeline_project)
    specs = sorted(p.name for p in (pipeline_project / "build").glob("*.yaml"))
    assert specs == ["batch-prediction.yaml", "training.yaml"]
    assert "deploymentSpec" in (pipeline_project / "build" / "training.yaml").read_text()


@pytest.mark.slow
def test_pipeline_make_submit_dry_run_prints_the_job_offline(pipeline_project: Path) -> None:
    """`make submit DRY_RUN=1` builds the Vertex AI job and prints it; any connection
    attempt would fail (proxies point at a closed port), so nothing is sent."""
    closed = "http://127.0.0.1:9"
    done = run(
        ["make", "submit", "DRY_RUN=1"],
        pipeline_project,
        env={"HTTP_PROXY": closed, "HTTPS_PROXY": closed, "NO_PROXY": "", "no_proxy": ""},
    )
    job = json.loads(done.stdout[done.stdout.index("{") :])
    assert job["dry_run"] is True
    assert job["job"]["parameter_values"]["data_uri"].startswith("gs://")
    assert job["parent"].startswith("projects/")


@pytest.mark.slow
def test_pipeline_make_run_stops_on_invalid_data(pipeline_project: Path, tmp_path: Path) -> None:
    """A failed expectation stops the run before training, exit code non-zero, with a
    message that names the expectation, the column and the offending values."""
    rows = list(csv.DictReader((pipeline_project / "data" / "sample.csv").open()))
    rows[0]["debt_ratio"], rows[1]["debt_ratio"] = "-4.5", "77"
    broken = tmp_path / "broken.csv"
    with broken.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = make(pipeline_project, "run", f"DATA={broken}")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    assert "model_uri: " not in done.stdout
    assert "expect_column_values_to_be_between" in output
    assert "column 'debt_ratio'" in output
    assert "-4.5" in output
    assert "77" in output
    assert "validate-data" in done.stderr
    assert "column 'debt_ratio'" in done.stderr  # repeated as the command's last words
