"""The documentation site builds with --strict: a broken link or a missing page fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.suite import REPO


def test_docs_build_strict(tmp_path: Path) -> None:
    """mkdocs build --strict succeeds and writes every page of the nav."""
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in (
        "walkthrough",
        "reference/pipeline",
        "reference/api",
        "reference/package",
        "cloud",
    ):
        assert (tmp_path / "site" / page / "index.html").exists(), page
