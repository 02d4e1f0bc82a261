"""Tidy the fresh render, then say what to type next.

Options choose files by file name (an empty name means "not generated"), which can
leave an empty folder behind. Only empty folders are removed, and not those that were
already there and empty before the render (pre_gen_project noted them), so a re-render
over a user's project (cookiecutter -f, cruft update) never deletes anything of theirs.
Stdlib-only, no git, no network: cruft re-runs it in a temporary render.

The next steps are printed only when cookiecutter itself renders (it sets `_output_dir`):
cruft's renders, `cruft update`'s temporary ones among them, set none, and a `cd` into a
temporary folder would mislead.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import zlib
from collections.abc import Collection
from pathlib import Path

# Where cookiecutter writes the project; empty under cruft. JSON is a Python string literal.
OUTPUT_DIR = {{ cookiecutter.get("_output_dir", "") | jsonify }}  # noqa: F821  # fmt: skip


def existing_empty_folders_file(root: Path, folder: Path | None = None) -> Path:
    """Where the empty folders a render found are noted: beside this hook's rendered copy, in
    the temp folder cookiecutter runs both hooks from (the other hook names it the same)."""
    folder = folder or Path(__file__).resolve().parent
    return (
        folder
        / f"mlops-templates-empty-folders-{zlib.crc32(str(root.resolve()).encode()):08x}.json"
    )


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


def next_steps(project: Path, shell_dir: str | None) -> str:
    """The commands that make a fresh project green, from the folder the user's shell is in
    (its PWD) when the project is below it, else by the project's absolute path."""
    where = str(project)
    if shell_dir and project.is_relative_to(shell_dir):
        where = os.path.relpath(project, shell_dir)
    return (
        f"\nCreated {project.name} in {project.parent}. Next:\n\n"
        f"  cd {shlex.quote(where)}\n"
        "  make install   # .venv from uv.lock, and the git pre-commit hook\n"
        "  make check     # lint, type-check and tests: what CI runs\n\n"
        f"{Path(where) / 'README.md'} has the rest: every make target and setting.\n"
    )


def forget_this_copy() -> None:
    """Delete the rendered copy of this hook that cookiecutter (2.7) runs from the system
    temp folder and never removes: it holds the answers, and every render left two."""
    me = Path(__file__).resolve()
    if me.name.startswith("tmp") and me.suffix == ".py":  # NamedTemporaryFile's name, not ours
        me.unlink(missing_ok=True)


if __name__ == "__main__":
    forget_this_copy()
    root = Path.cwd()
    remove_empty_dirs(root, keep=users_empty_folders(root))
    if OUTPUT_DIR:
        sys.stdout.reconfigure(errors="backslashreplace")  # a folder name a console cannot show
        try:
            print(next_steps(root, os.environ.get("PWD")), flush=True)
        except OSError:
            # A closed pipe (`| head`): the project is made, and a failed hook would delete it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
