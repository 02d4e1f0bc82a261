"""Slow tier: each rendered project passes its own checks, as a user's first commit would."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.suite import (
    Background,
    clean_env,
    free_port,
    http,
    readme_commands,
    render,
    run,
    wait_for_http,
)

# Commits in a rendered project, whatever the machine's git configuration.
GIT_IDENTITY = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Suite",
    "GIT_AUTHOR_EMAIL": "suite@example.com",
    "GIT_COMMITTER_NAME": "Suite",
    "GIT_COMMITTER_EMAIL": "suite@example.com",
}

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
    ("api", {}),
    ("api", {"tracking": "none", "ci_provider": "gitlab"}),
    ("pipeline", {}),
    # The pipeline without tracking, on GitLab, is installed and checked in test_your_data.
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
    """git init, make install, make check, make build and pre-commit all pass with no edits;
    the render, committed as it is, stays clean: make install takes uv.lock as shipped."""
    project = render(template, tmp_path, **answers)
    run(["git", "init", "-q", "-b", "main"], project)
    run(["git", "add", "-A"], project)
    run(["git", "commit", "-q", "-m", "Rendered"], project, env=GIT_IDENTITY)
    run(["make", "install"], project)
    assert (project / ".git" / "hooks" / "pre-commit").exists(), "make install skipped the git hook"
    status = run(["git", "status", "--porcelain"], project).stdout
    assert status == "", f"make install changed the render:\n{status}"
    # What the README writes with .venv/bin/ runs on a machine without uv on PATH.
    commands = readme_commands((project / "README.md").read_text())
    for command in sorted({c.split()[0] for c in commands if c.startswith(".venv/bin/")}):
        assert (project / command).is_file(), f"README.md runs {command}, which make install lacks"
        if command != ".venv/bin/python":
            run([command, "--help"], project, env={"PATH": "/usr/bin:/bin"})
    run(["make", "check"], project)
    run(["make", "build"], project)
    assert len(list((project / "dist").glob("*.whl"))) == 1
    assert len(list((project / "dist").glob("*.tar.gz"))) == 1
    run(["make", "pre-commit"], project)
    help_text = re.sub(r"\x1b\[[0-9;]*m", "", run(["make"], project).stdout)
    listed = {line.split()[0] for line in help_text.splitlines() if line.strip()}
    assert {"install", "format", "lint", "typecheck", "test", "check", "build"} <= listed
    assert "$(" not in help_text, help_text


@pytest.mark.slow
def test_api_serves_predictions_over_real_http(tmp_path: Path) -> None:
    """`make serve` on a free port answers health, readiness, predictions and bad requests."""
    project = render("api", tmp_path)
    run(["make", "install"], project)
    run(["make", "sample-model"], project)
    metadata = json.loads((project / "models" / "sample" / "metadata.json").read_text())
    record = dict.fromkeys(metadata["features"], 1.0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # A small body limit, so the 413 is answered before the client has sent much.
    package = next((project / "src").iterdir()).name
    limit = {f"{package.upper()}_MAX_BODY_BYTES": "20000"}
    server = Background(["make", "serve", f"PORT={port}"], project, tmp_path / "serve.log", limit)
    json_type = {"content-type": "application/json"}
    try:
        assert wait_for_http(f"{base}/ready", 120, server.alive), server.output()[-3000:]
        assert http("GET", f"{base}/health")[0] == 200

        body = json.dumps({"records": [record, record]}).encode()
        headers = {**json_type, "X-Request-ID": "suite-1"}
        status, response_headers, content = http("POST", f"{base}/predict", body, headers)
        assert status == 200, content
        answer = json.loads(content)
        assert len(answer["predictions"]) == 2
        assert answer["fallback"] is False
        assert all(0.0 <= p["probability"] <= 1.0 for p in answer["predictions"])
        assert response_headers["x-request-id"] == "suite-1"
        assert answer["request_id"] == "suite-1"

        # The README's example (the contract's, as /docs shows it): the sample model answers
        # it without a warning, each value being inside what it was trained on.
        readme = (project / "README.md").read_text()
        example = re.search(r"curl -s localhost:8080/predict .*\n\s+-d '(.+)'", readme)
        assert example is not None, readme[:2000]
        status, _, content = http("POST", f"{base}/predict", example[1].encode(), json_type)
        assert status == 200, content
        assert [p["warnings"] for p in json.loads(content)["predictions"]] == [[]], content

        bad = json.dumps({"records": [{"not_a_feature": "x"}]}).encode()
        status, _, content = http("POST", f"{base}/predict", bad, json_type)
        assert status == 422, content
        assert "Traceback" not in content.decode()

        oversized = json.dumps({"records": [record] * 400}).encode()
        assert len(oversized) > 20000
        assert http("POST", f"{base}/predict", oversized, json_type)[0] == 413

        status, _, content = http("GET", f"{base}/metrics")
        assert status == 200
        counter = 'http_requests_total{method="POST",route="/predict",status="200"} 2.0'
        assert counter in content.decode()
        assert http("GET", f"{base}/ready")[0] == 200  # still up after the bad requests
    finally:
        server.stop()
    # uvicorn's own lines come out as ours: no coloured copy of the message, no escape code.
    log = server.output()
    assert "Uvicorn running on" in log
    # Stopped on purpose, the service exits cleanly: no "make: *** [serve] Error 143" last.
    assert "make: ***" not in log.rstrip().splitlines()[-1], log[-1000:]
    assert "color_message" not in log
    assert "\x1b" not in log
    assert "\\u001b" not in log


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
    """`make run` runs the whole training pipeline on KFP's local runner: a line per step, the
    metrics and the gate, then `model_uri: <folder>` under the git-ignored outputs/; the full
    logs go to the run's log file, without colour codes."""
    done = run(["make", "run"], pipeline_project)
    lines = done.stdout.splitlines()
    assert len(lines) < 80, done.stdout
    [line] = [ln for ln in lines if ln.startswith("model_uri: ")]
    model = Path(line.removeprefix("model_uri: "))
    assert model.is_dir()
    assert model.is_relative_to(pipeline_project / "outputs")
    metadata = json.loads((model / "metadata.json").read_text())
    assert (model / metadata["model_file"]).stat().st_size > 0
    assert metadata["gate"] == {"metric": "roc_auc", "threshold": 0.7, "passed": True}
    assert "outputs/" in (pipeline_project / ".gitignore").read_text().splitlines()
    # A step line: its name (the candidate's number, for the grid's), its status, its seconds.
    steps = [[" ".join(f[:-3]), f[-3]] for f in (ln.split() for ln in lines if ln.startswith("  "))]
    candidates = [f"train-evaluate (candidate {i}/3)" for i in (1, 2, 3)]
    expected = ["ingest-validate", "split", *candidates, "select-best", "export-register-promote"]
    assert steps == [[s, "ok"] for s in expected]
    # The first version registered becomes the champion, in the project's own registry.
    assert [ln for ln in lines if ln.startswith(("model_version: ", "champion: "))] == [
        "model_version: models:/my-pipeline/1",
        "champion: models:/my-pipeline/1",
    ]
    assert (pipeline_project / "registry" / "my-pipeline" / "1" / "registration.json").is_file()
    assert "/registry/" in (pipeline_project / ".gitignore").read_text().splitlines()
    [log_line] = [ln for ln in lines if ln.startswith("log: ")]
    log = Path(log_line.removeprefix("log: ")).read_text()
    assert "\x1b[" not in log
    # KFP's executor sets up logging before the project's logger is imported; ops.logging
    # replaces its handler: each line of a task comes out once, as JSON with its fields.
    ingested = [json.loads(ln) for ln in log.splitlines() if '"message": "ingested"' in ln]
    assert [(e["rows"], e["columns"]) for e in ingested] == [(400, 7)], log[-3000:]
    assert not [ln for ln in log.splitlines() if ln.rstrip().endswith("]: ingested")]


@pytest.mark.slow
def test_pipeline_make_compile_writes_the_specs(pipeline_project: Path) -> None:
    """`make compile` writes one YAML spec per pipeline under build/, every step of each
    with CPU and memory limits (its machine on Vertex AI)."""
    run(["make", "compile"], pipeline_project)
    specs = sorted(p.name for p in (pipeline_project / "build").glob("*.yaml"))
    assert specs == ["batch-prediction.yaml", "monitoring.yaml", "training.yaml"]
    for name in specs:
        spec = yaml.safe_load((pipeline_project / "build" / name).read_text())
        executors = spec["deploymentSpec"]["executors"]
        assert executors, name
        for label, executor in executors.items():
            limits = executor["container"].get("resources", {})
            assert limits.get("resourceCpuLimit"), label
            assert limits.get("resourceMemoryLimit"), label


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
    # The registry's steps, run by the pipeline's components, against a placeholder registry.
    assert [s.rsplit("/", 1)[-1] for s in job["steps"]][-2:] == [
        "select-best",
        "export-register-promote",
    ]
    # Each step with its machine: the CPU and memory limits in the compiled spec.
    assert list(job["machines"]) == job["steps"]
    assert all(" CPU, " in m and m.endswith(" memory") for m in job["machines"].values())
    assert job["job"]["parameter_values"]["registry_uri"] == "gs://dry-run-bucket/registry"
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
    assert done.returncode != 0, done.stdout[-3000:]
    assert "model_uri: " not in done.stdout
    # The reason is the command's last words, on stderr: the step, each failed rule with its
    # column and values, what to do, and the full log.
    error = done.stderr[done.stderr.index("error: ") :]
    assert error.startswith("error: step 'ingest-validate' failed: DataValidationError")
    assert "column 'debt_ratio': expect_column_values_to_be_between" in error
    assert "-4.5" in error
    assert "77" in error
    assert "what to do: " in error
    assert "full log: " in error
