"""Container tier: every generated image builds and runs for real, as a non-root user.

Uses `docker` when a daemon answers, else `podman`; skipped, with the reason printed, only
when neither works (`.ci/run` prepares podman with ../shared/tools/container-engine.sh).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.suite import container_engine, free_port, http, render, run, wait_for_http

ENGINE = container_engine()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.container,
    pytest.mark.skipif(
        ENGINE is None, reason="no container engine: neither a docker daemon nor podman answers"
    ),
]


def build(project: Path, tag: str) -> str:
    """`make docker-build` with the engine found here; returns the image tag. The render's
    uv.lock is what the image installs (--locked): the build never re-locks it."""
    lock = (project / "uv.lock").read_bytes()
    run(["make", "docker-build", f"CONTAINER={ENGINE}", f"IMAGE={tag}"], project, timeout=1200)
    assert (project / "uv.lock").read_bytes() == lock, "make docker-build changed uv.lock"
    return tag


def engine(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    assert ENGINE is not None
    return subprocess.run(
        [ENGINE, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_package_cli_image_runs_as_non_root(tmp_path: Path) -> None:
    """The package's image (cli=yes) runs its command line as uid 10001."""
    project = render("package", tmp_path)
    image = build(project, "mlops-templates-test/package:latest")
    result = engine("run", "--rm", image, "1", "2", "4")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["count"] == 3
    uid = engine("run", "--rm", "--entrypoint", "id", image, "-u")
    assert uid.stdout.strip() == "10001"


def test_api_image_serves_predictions_as_non_root(tmp_path: Path) -> None:
    """The api image, the sample model mounted read-only as `make docker-run` does, answers
    /health and /predict on a published port of 127.0.0.1, as uid 10001."""
    project = render("api", tmp_path)
    image = build(project, "mlops-templates-test/api:latest")
    package = next((project / "src").iterdir()).name
    models = tmp_path / "models"
    models.mkdir(mode=0o777)
    models.chmod(0o777)  # the image's user (10001) writes the sample model here
    trained = engine(
        "run", "--rm", "-v", f"{models}:/models", image,
        "python", "-m", f"{package}.sample_model", "--out", "/models/sample",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    port = free_port()
    name = f"mlops-templates-api-{port}"
    started = engine(
        "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8080",
        "-v", f"{models}:/app/models:ro", "-e", "MODEL_URI=models/sample", image,
    )  # fmt: skip
    try:
        assert started.returncode == 0, started.stderr
        base = f"http://127.0.0.1:{port}"
        ready = wait_for_http(f"{base}/ready", 120)
        assert ready, engine("logs", name).stdout[-3000:] + engine("logs", name).stderr[-3000:]
        assert http("GET", f"{base}/health")[0] == 200
        features = json.loads((models / "sample" / "metadata.json").read_text())["features"]
        body = json.dumps({"records": [dict.fromkeys(features, 1.0)]}).encode()
        status, _, answer = http(
            "POST", f"{base}/predict", body, {"content-type": "application/json"}
        )
        assert status == 200, answer
        assert json.loads(answer)["fallback"] is False
        assert engine("exec", name, "id", "-u").stdout.strip() == "10001"
        # The HEALTHCHECK survives the build (podman keeps it only in docker format).
        health = engine("image", "inspect", "--format", "{{json .Config.Healthcheck}}", image)
        assert "/health" in health.stdout, health.stdout + health.stderr
    finally:
        engine("rm", "-f", name)


# Runs inside the pipeline's image: compile the training spec, then run its first task's
# (ingest-validate) command and arguments from it, exactly as Vertex AI Pipelines' launcher would.
PIPELINE_TASK = """
import json, subprocess, yaml
from pathlib import Path
from {package}.compile import compile_pipeline
import pandas as pd
from {package}.contract import load_contract
from {package}.synthetic import synthetic_table

pd.DataFrame(synthetic_table(load_contract(), 400)).to_csv("/tmp/sample.csv", index=False)
spec = yaml.safe_load(compile_pipeline("training", Path("/tmp/build")).read_text())
container = spec["deploymentSpec"]["executors"]["exec-ingest-validate"]["container"]
dataset = {{"name": "dataset", "type": {{"schemaTitle": "system.Dataset"}}, "uri": "/tmp/out/dataset"}}
report = {{"name": "report", "type": {{"schemaTitle": "system.Artifact"}}, "uri": "/tmp/out/report"}}
parameters = {{"source": "/tmp/sample.csv", "suite": "training", "fail_on_error": True}}
executor_input = {{
    "inputs": {{"parameterValues": parameters}},
    "outputs": {{
        "artifacts": {{"dataset": {{"artifacts": [dataset]}}, "report": {{"artifacts": [report]}}}},
        "outputFile": "/tmp/out/executor_output.json",
    }},
}}
args = [a.replace("{{{{$}}}}", json.dumps(executor_input)) for a in container["args"]]
subprocess.run(container["command"] + args, check=True)
print("OUTPUT", Path("/tmp/out/executor_output.json").read_text())
"""


def test_pipeline_image_runs_a_component_task_as_non_root(tmp_path: Path) -> None:
    """The pipeline's image (each Vertex AI task runs in it), built with a plain `docker build .`
    straight after rendering (no make, no uv on the host), runs the ingest-validate task from
    the compiled spec (Great Expectations included), with no pip install, as uid 10001."""
    project = render("pipeline", tmp_path)
    [package] = [p.name for p in (project / "src").iterdir() if p.is_dir()]
    image = "mlops-templates-test/pipeline:latest"
    built = engine("build", "-t", image, str(project), timeout=1200)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    result = engine("run", "--rm", image, "python", "-c", PIPELINE_TASK.format(package=package))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "pip install" not in result.stdout + result.stderr
    output = json.loads(result.stdout.split("OUTPUT ", 1)[1])
    [dataset] = output["artifacts"]["dataset"]["artifacts"]
    assert dataset["metadata"]["rows"] == 400
    [report] = output["artifacts"]["report"]["artifacts"]
    assert (report["metadata"]["suite"], report["metadata"]["success"]) == ("training", True)
    # The task logs as on Vertex AI: our JSON lines on stdout, fields kept, not KFP's format.
    logged = [json.loads(line) for line in result.stdout.splitlines() if '"ingested"' in line]
    assert [(e["message"], e["rows"], e["severity"]) for e in logged] == [("ingested", 400, "INFO")]
    uid = engine("run", "--rm", image, "id", "-u")
    assert uid.stdout.strip() == "10001"
    help_text = engine("run", "--rm", image)
    assert help_text.returncode == 0
    assert "run" in help_text.stdout
    assert "validate" in help_text.stdout
