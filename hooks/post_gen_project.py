"""Tidy the fresh render: drop folders whose every file an option switched off.

Options choose files by file name (an empty name means "not generated"), which can
leave an empty folder behind. Only empty folders are removed, and not those that were
already there and empty before the render (pre_gen_project noted them), so a re-render
over a user's project (cookiecutter -f, cruft update) never deletes anything of theirs.
Stdlib-only, no git, no network: cruft re-runs it in a temporary render.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Collection
from pathlib import Path


def existing_empty_folders_file(root: Path) -> Path:
    """Where pre_gen_project noted the empty folders the render found (same name there)."""
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"mlops-templates-empty-folders-{digest}.json"


def users_empty_folders(root: Path) -> set[Path]:
    """The empty folders that were there before the render (the note is read once)."""
    note = existing_empty_folders_file(root)
    try:
        names = json.loads(note.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return set()
    note.unlink(missing_ok=True)
    return {root / name for name in names}


def remove_empty_dirs(root: Path, keep: Collection[Path] = ()) -> list[Path]:
    """Remove empty directories below root, deepest first, except `keep`; return the removed."""
    removed: list[Path] = []
    for dirpath, _dirnames, _filenames in sorted(os.walk(root), key=lambda w: -len(w[0])):
        path = Path(dirpath)
        if path != root and path not in keep and not any(path.iterdir()):
            path.rmdir()
            removed.append(path)
    return removed


if __name__ == "__main__":
    root = Path.cwd()
    remove_empty_dirs(root, keep=users_empty_folders(root))
