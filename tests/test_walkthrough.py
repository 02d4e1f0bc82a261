"""The onboarding walkthrough runs end to end, exactly as docs/walkthrough.md shows it."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from tests.suite import REPO, container_engine, run

SCRIPT = REPO / "docs" / "walkthrough.sh"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def script_sections() -> dict[str, str]:
    """The script's parts, between its `# --8<-- [start:name]` and `[end:name]` lines."""
    found = re.findall(
        r"^# --8<-- \[start:([\w-]+)\]\n(.*?)^# --8<-- \[end:\1\]$",
        SCRIPT.read_text(),
        re.MULTILINE | re.DOTALL,
    )
    return dict(found)


def test_the_page_shows_every_part_of_the_script_as_it_is() -> None:
    """The page's code blocks are the script's parts, in order and word for word: a reader on
    GitHub or on the site sees exactly the commands the suite runs."""
    sections = script_sections()
    assert list(sections) == ["pipeline", "api", "query", "your-data", "container"]
    page = (REPO / "docs" / "walkthrough.md").read_text()
    blocks = re.findall(r"^```bash\n(.*?)^```$", page, re.MULTILINE | re.DOTALL)
    assert blocks == list(sections.values()), (
        "docs/walkthrough.md differs from docs/walkthrough.sh: copy each part of the script "
        "into the page's code block of the same place"
    )
    assert "--8<--" not in page, "a snippet marker shows as text on GitHub"


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
