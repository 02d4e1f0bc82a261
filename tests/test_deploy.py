"""The api's `make deploy`: Cloud Run's CPUs, workers and concurrency follow one setting.

`make -n` prints the gcloud command without running it: no account, no network.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.suite import clean_env, rendered

CLOUD = ["GCP_PROJECT=p", "GCP_ARTIFACT_REPOSITORY=r", "DEPLOY_MODEL_URI=gs://bucket/model"]


def dry_run(project: Path, *variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-n", "deploy", *CLOUD, *variables],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("cpu", [None, 4])
def test_deploy_runs_a_worker_per_cpu_and_scales_concurrency_with_them(cpu: int | None) -> None:
    """One uvicorn worker per Cloud Run CPU (default 1), and the measured requests in flight
    per CPU times the CPUs."""
    project = rendered("api")
    done = dry_run(project, *([f"CLOUD_RUN_CPU={cpu}"] if cpu else []))
    assert done.returncode == 0, done.stderr
    per_cpu = int(
        next(
            line.split("?=")[1]
            for line in (project / "Makefile").read_text().splitlines()
            if line.startswith("CLOUD_RUN_CONCURRENCY_PER_CPU ?=")
        )
    )
    workers = cpu or 1
    command = " ".join(done.stdout.split())
    assert f"MY_MODEL_API_WORKERS={workers}" in command
    assert f"--cpu={workers} --memory={workers}Gi" in command
    assert f"--concurrency={workers * per_cpu} " in command


@pytest.mark.parametrize(
    ("variable", "rule"),
    [
        ("CLOUD_RUN_CPU=3", "1, 2, 4, 6 or 8"),
        ("CLOUD_RUN_CPU=0.5", "1, 2, 4, 6 or 8"),
        ("CLOUD_RUN_CONCURRENCY_PER_CPU=0", "at least 1"),
    ],
)
def test_deploy_refuses_what_cloud_run_would_reject_before_running_anything(
    variable: str, rule: str
) -> None:
    """Bad values stop make before gcloud runs, naming the value and the rule, last."""
    done = dry_run(rendered("api"), variable)
    assert done.returncode != 0
    assert "gcloud" not in done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert variable in last, done.stderr
    assert rule in last, done.stderr
