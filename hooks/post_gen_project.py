"""Tidy the fresh render: drop folders whose every file an option switched off.

Options choose files by file name (an empty name means "not generated"), which can
leave an empty folder behind. Only empty folders are removed, so a re-render over a
user's project (cookiecutter -f, cruft update) never deletes anything of theirs.
Stdlib-only, no git, no network: cruft re-runs it in a temporary render.
"""

from __future__ import annotations

import os
from pathlib import Path


def remove_empty_dirs(root: Path) -> list[Path]:
    """Remove empty directories below root, deepest first; return what was removed."""
    removed: list[Path] = []
    for dirpath, _dirnames, _filenames in sorted(os.walk(root), key=lambda w: -len(w[0])):
        path = Path(dirpath)
        if path != root and not any(path.iterdir()):
            path.rmdir()
            removed.append(path)
    return removed


if __name__ == "__main__":
    remove_empty_dirs(Path.cwd())
