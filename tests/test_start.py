"""Starting a project as the README says: the cookiecutter version it names, and what a
render prints when it is done."""

from __future__ import annotations

import filecmp
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.locks import UV
from tests.suite import MENU, REPO, clean_env, render_cli

# The oldest cookiecutter that shows the menu (a dict of templates in the root
# cookiecutter.json); --directory renders are the same from 2.2.0 on.
MINIMUM_COOKIECUTTER = "2.5.0"
BELOW_MINIMUM = "2.4.0"
CLI = str(Path(sys.executable).parent / "cookiecutter")


def test_the_readme_names_the_minimum_cookiecutter() -> None:
    """The README and the docs' start page state the version the slow test below checks."""
    for page in (REPO / "README.md", REPO / "docs" / "index.md"):
        assert f"cookiecutter {MINIMUM_COOKIECUTTER} or newer" in page.read_text(), page


def test_a_render_ends_with_the_next_steps(out: Path) -> None:
    """cookiecutter's command line, after a render, prints where the project is, the two
    commands that make it green and where its README is."""
    result = render_cli("package", out)
    assert result.returncode == 0, result.stderr
    project = out / "my-library"
    shell = os.environ.get("PWD", "")
    where = os.path.relpath(project, shell) if project.is_relative_to(shell) else str(project)
    assert f"\n  cd {shlex.quote(where)}\n" in result.stdout, result.stdout
    assert "\n  make install " in result.stdout
    assert "\n  make check " in result.stdout
    assert f"{Path(where) / 'README.md'} has the rest" in result.stdout


def test_a_closed_output_does_not_undo_the_render(out: Path) -> None:
    """`cookiecutter ... | head -1` closes the pipe before the next steps are printed: the
    hook must not fail then, as a failed hook makes cookiecutter delete the project."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [CLI, str(REPO), "--no-input", "--directory", "templates/package", "-o", str(out)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            env=clean_env(),
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "my-library" / "pyproject.toml").is_file()


def cookiecutter(version: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """cookiecutter==version (uv fetches it once) rendering this repository into out."""
    command = [UV, "tool", "run", "--from", f"cookiecutter=={version}", "cookiecutter"]
    return subprocess.run(
        [*command, str(REPO), "--no-input", "--output-dir", str(out), *args],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        timeout=600,
    )


def same_tree(left: Path, right: Path) -> list[str]:
    """Files that differ, or exist on one side only, between two folders."""
    compare = filecmp.dircmp(left, right)
    found = [*compare.left_only, *compare.right_only, *compare.diff_files, *compare.funny_files]
    for name in compare.common_dirs:
        found += [f"{name}/{x}" for x in same_tree(left / name, right / name)]
    return found


@pytest.mark.slow
def test_the_minimum_cookiecutter_renders_what_the_suites_does(tmp_path: Path) -> None:
    """With the minimum version, the menu (no --directory: its first template) and each
    template render the same files as the suite's cookiecutter; one version below, the menu
    fails."""
    for name, args in [("menu", ()), *((t, ("--directory", f"templates/{t}")) for t in MENU)]:
        oldest = tmp_path / "minimum" / name
        result = cookiecutter(MINIMUM_COOKIECUTTER, oldest, *args)
        assert result.returncode == 0, result.stderr[-3000:]
        template = next(iter(MENU)) if name == "menu" else name
        ours = render_cli(template, tmp_path / "ours" / name)
        assert ours.returncode == 0, ours.stderr
        [mine] = list((tmp_path / "ours" / name).iterdir())
        [theirs] = list(oldest.iterdir())
        assert same_tree(mine, theirs) == [], name
    below = cookiecutter(BELOW_MINIMUM, tmp_path / "below")
    assert below.returncode != 0, "the minimum is not the minimum: one version below works"
