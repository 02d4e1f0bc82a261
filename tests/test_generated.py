"""Slow tier: each rendered project passes its own checks, as a user's first commit would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.suite import render, run

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
        },
    ),
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
