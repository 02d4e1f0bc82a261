"""Container tier: every generated image builds and runs for real, as a non-root user.

Uses `docker` when a daemon answers, else `podman`; skipped, with the reason printed, only
when neither works (`.ci/run` prepares podman with ../shared/tools/container-engine.sh).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.suite import container_engine, render, run

ENGINE = container_engine()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.container,
    pytest.mark.skipif(
        ENGINE is None, reason="no container engine: neither a docker daemon nor podman answers"
    ),
]


def build(project: Path, tag: str) -> str:
    """`make docker-build` with the engine found here; returns the image tag."""
    run(["make", "docker-build", f"CONTAINER={ENGINE}", f"IMAGE={tag}"], project, timeout=1200)
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
