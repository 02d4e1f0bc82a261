"""Slow tier: each rendered project passes its own checks, as a user's first commit would."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.suite import Background, free_port, http, render, run, wait_for_http

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
        assert all(0.0 <= p <= 1.0 for p in answer["predictions"])  # a probability
        assert response_headers["x-request-id"] == "suite-1"
        assert answer["request_id"] == "suite-1"

        bad = json.dumps({"records": [{"not_a_feature": "x"}]}).encode()
        status, _, content = http("POST", f"{base}/predict", bad, json_type)
        assert status == 422, content
        assert "Traceback" not in content.decode()

        oversized = json.dumps({"records": [record] * 400}).encode()
        assert len(oversized) > 20000
        assert http("POST", f"{base}/predict", oversized, json_type)[0] == 413

        status, _, content = http("GET", f"{base}/metrics")
        assert status == 200
        counter = 'http_requests_total{method="POST",route="/predict",status="200"} 1.0'
        assert counter in content.decode()
        assert http("GET", f"{base}/ready")[0] == 200  # still up after the bad requests
    finally:
        server.stop()
