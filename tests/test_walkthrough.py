"""The onboarding walkthrough runs end to end, exactly as docs/walkthrough.md shows it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.suite import REPO, container_engine, run

SCRIPT = REPO / "docs" / "walkthrough.sh"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_page_shows_every_part_of_the_script() -> None:
    """Each section of the script is included by the page, so nothing runs unseen."""
    page = (REPO / "docs" / "walkthrough.md").read_text()
    sections = [
        line.split("[start:")[1].rstrip("]")
        for line in SCRIPT.read_text().splitlines()
        if "[start:" in line
    ]
    assert sections == ["pipeline", "api", "query", "your-data", "container"]
    for section in sections:
        assert f'--8<-- "walkthrough.sh:{section}"' in page


@pytest.mark.slow
def test_walkthrough_runs_end_to_end(tmp_path: Path) -> None:
    """Render the pipeline, train, render the api, serve and query the model; bring a table of
    one's own through the four commands and serve its model; containerise the service."""
    env = {
        "TEMPLATES": str(REPO),
        "WORKDIR": str(tmp_path / "onboarding"),
        "PORT": str(free_port()),
        "SKIP_CONTAINER": "0" if container_engine() else "1",
    }
    result = run(["bash", str(SCRIPT)], tmp_path, timeout=2400, env=env)
    assert "model_uri: " in result.stdout
    assert '"fallback":false' in result.stdout.replace(" ", "")
    assert "task: multiclass (label 'target'" in result.stdout  # the wine table's contract
    assert '"probabilities":' in result.stdout.replace(" ", "")
    assert result.stdout.rstrip().endswith("walkthrough complete")
