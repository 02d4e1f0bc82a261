"""Fixtures of the suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _quiet_cookiecutter(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep cookiecutter's replay files and clones out of the user's home directory."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'clones'}\nreplay_dir: {home / 'replay'}\n")
    os.environ["COOKIECUTTER_CONFIG"] = str(config)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty output directory for one render."""
    path = tmp_path / "out"
    path.mkdir()
    return path
