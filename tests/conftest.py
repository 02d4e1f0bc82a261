"""Fixtures of the suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _quiet_cookiecutter(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep cookiecutter's replay files and clones, and the renders' Jinja cache (each of the
    suite's template copies is a new path, so new entries), out of the user's home."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'clones'}\nreplay_dir: {home / 'replay'}\n")
    os.environ["COOKIECUTTER_CONFIG"] = str(config)
    os.environ["MLOPS_TEMPLATES_CACHE"] = str(home / "jinja")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty output directory for one render."""
    path = tmp_path / "out"
    path.mkdir()
    return path


# The slow tier's longest tests first (measured: minutes each), so that the two workers end
# together: xdist's worksteal hands out the rest, and the last to run are the short ones.
LONGEST_FIRST = [
    "tests/test_walkthrough.py",
    "tests/test_your_data.py",
    "tests/test_hostile_input.py",
    "tests/test_containers.py",
    "tests/test_lowest.py",
    "tests/test_generated.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the collected tests by LONGEST_FIRST, the others after, each group as collected."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)
