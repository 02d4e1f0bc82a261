"""Slow tier: the `>=` bounds the templates declare are versions that work.

One project per template, with the options that bring the most dependencies, is locked with
uv's lowest-direct resolution (every direct dependency at the lowest version its bound
allows, the rest at the newest they allow), installed and checked with its own `make lock`,
`make install` and `make check`: lint, type-check and tests all pass at the bounds.

It runs in the slow tier rather than as a CI job of its own so that every `make test` (and
the suite's nightly CI) checks it; it adds about 4 minutes of work, 2 on two cores.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

from tests.suite import render, run

LOWEST = [
    ("package", {"tracking": "clearml", "cli": "yes"}),
    ("api", {"tracking": "clearml"}),
    ("pipeline", {"tracking": "clearml"}),
]
# uv reads this in `make lock` (uv lock) and `make install` (uv sync --locked, which must
# see the lock's resolution mode to accept it).
LOWEST_DIRECT = {"UV_RESOLUTION": "lowest-direct"}


@pytest.mark.slow
@pytest.mark.parametrize(("template", "answers"), LOWEST, ids=[t for t, _ in LOWEST])
def test_the_lowest_allowed_versions_pass_the_projects_checks(
    template: str, answers: dict[str, str], tmp_path: Path
) -> None:
    """make lock, make install and make check pass with each direct dependency at its bound."""
    project = render(template, tmp_path, **answers)
    run(["make", "lock"], project, env=LOWEST_DIRECT)
    lock = tomllib.loads((project / "uv.lock").read_text())
    assert lock["options"]["resolution-mode"] == "lowest-direct"
    # The shared dependency, pinned at its bound (2.7 is 2.7.0), shows uv took the bounds.
    pinned = {package["name"]: Version(package["version"]) for package in lock["package"]}
    [bound] = re.findall(
        r'"pydantic-settings\[yaml\]>=([^",]+)"', (project / "pyproject.toml").read_text()
    )
    assert pinned["pydantic-settings"] == Version(bound)
    run(["make", "install"], project, env=LOWEST_DIRECT)
    run(["make", "check"], project, env=LOWEST_DIRECT, timeout=1800)
