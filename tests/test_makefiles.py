"""Every target of a generated Makefile works whichever way uv arrived: on PATH now, or not
any more (then the Makefile installs its private copy first, whatever target runs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.suite import MENU, rendered

TOOLS = ("make", "bash", "sh", "python3", "git", "grep", "awk", "cut", "expr", "docker")
BOOTSTRAP = "python3 -m venv .tools && .tools/bin/python -m pip install --quiet uv"


def uv_targets(makefile: str) -> list[str]:
    """The targets whose recipe runs uv ($(RUN) or $(UV))."""
    found = []
    for target, recipe in re.findall(r"^([a-z][a-z-]*):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M):
        if "$(RUN)" in recipe or "$(UV)" in recipe:
            found.append(target)
    return found


def shell_path(tmp_path: Path, with_uv: bool) -> str:
    """A PATH with the shell tools a Makefile uses, and uv only if `with_uv`."""
    bin_dir = tmp_path / ("with-uv" if with_uv else "without-uv")
    bin_dir.mkdir()
    for tool in TOOLS:
        if found := shutil.which(tool):
            (bin_dir / tool).symlink_to(found)
    if with_uv:
        (bin_dir / "uv").symlink_to(Path(sys.executable).parent / "uv")
    return str(bin_dir)


def dry_run(project: Path, target: str, path: str) -> list[str]:
    """The commands `make -n target` would run, with this PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")} | {"PATH": path}
    done = subprocess.run(
        ["make", "-n", target], cwd=project, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, f"make -n {target}: {done.stderr}"
    return done.stdout.splitlines()


@pytest.mark.parametrize("template", list(MENU))
def test_every_target_that_runs_uv_gets_it_first(template: str, tmp_path: Path) -> None:
    """No uv on PATH (it was there for `make install`, say): each target that runs uv
    installs the private copy first. uv on PATH: that one runs, nothing is installed."""
    project = rendered(template)
    targets = uv_targets((project / "Makefile").read_text())
    assert {"lint", "test", "build"} <= set(targets)
    without, with_uv = shell_path(tmp_path, False), shell_path(tmp_path, True)
    for target in targets:
        commands = dry_run(project, target, without)
        assert commands[0] == BOOTSTRAP, (target, commands)
        assert not any(BOOTSTRAP in line for line in dry_run(project, target, with_uv)), target
