"""Every render ships a uv.lock that matches its pyproject.toml, checked offline by uv itself.

`uv lock --check` compares the lock with the project's requirements (requires-python, the
project's name and version, its dependencies, extras and groups) and, when they match,
needs neither the network nor a cache: what it accepts, `uv sync --locked` (make install,
CI, the Dockerfile) accepts. It needs a Python that satisfies requires-python: one already
on the machine, else the test has uv install it (the one step that needs the network).
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.locks import INFRA_TOOLS, LOCKS_DIR, UV, lock_answers, lock_file, lock_options
from tests.suite import (
    MENU,
    TEMPLATES_DIR,
    choices,
    clean_env,
    option_matrix,
    render,
    rendered,
    run,
)

READY = [t for t in MENU if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]


def uv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [UV, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
    )


_PYTHONS: dict[str, str] = {}


def interpreter(project: Path) -> str:
    """A Python of the project's .python-version, found once per version (uv's search of
    PATH costs a quarter of a second), installed by uv if the machine has none."""
    version = (project / ".python-version").read_text().strip()
    if version not in _PYTHONS:
        found = uv("python", "find", version, cwd=project)
        if found.returncode != 0:
            installed = uv("python", "install", version, cwd=project)
            found = uv("python", "find", version, cwd=project)
            assert found.returncode == 0, (
                f"uv lock --check needs a Python {version}: none is here and uv could not "
                f"install one (`uv python install {version}`):\n{installed.stderr}"
            )
        _PYTHONS[version] = found.stdout.strip()
    return _PYTHONS[version]


def lock_check(project: Path) -> subprocess.CompletedProcess[str]:
    """`uv lock --check --offline` in the project: exit code 0 when uv.lock is current."""
    return uv("lock", "--check", "--offline", "--python", interpreter(project), cwd=project)


def dependency_tables(project: Path) -> dict[str, Any]:
    """What uv locks: requires-python, the dependencies, extras and dependency groups."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    meta = pyproject["project"]
    return {
        "requires-python": meta["requires-python"],
        "dependencies": meta["dependencies"],
        "optional-dependencies": meta.get("optional-dependencies"),
        "dependency-groups": pyproject.get("dependency-groups"),
        "tool.uv": pyproject.get("tool", {}).get("uv"),
    }


@pytest.mark.parametrize("template", READY)
def test_every_render_ships_a_lock_that_matches_its_pyproject(template: str) -> None:
    """uv accepts each lock combination's uv.lock as current, with no network (a
    pyproject.toml changed without `make lock-templates` fails here); every other render, one
    per value of every option (the option matrix), has the dependencies of the lock it
    includes (an option that changes them must be one of the lock options)."""
    stale = []
    for answers in lock_answers(template):
        result = lock_check(rendered(template, **answers))
        if result.returncode != 0:
            stale.append(f"{answers}:\n{result.stderr.strip()[-1500:]}")
    assert not stale, (
        f"{template}: uv.lock does not match pyproject.toml for {len(stale)} combinations: "
        "run `make lock-templates`.\n\n" + "\n\n".join(stale)
    )
    options = lock_options(template)
    for answers in option_matrix(template):
        locked = {key: value for key, value in answers.items() if key in options}
        assert dependency_tables(rendered(template, **answers)) == dependency_tables(
            rendered(template, **locked)
        ), (
            f"{template} {answers}: the dependencies differ from those of the lock for {locked}: "
            "add the option that changes them to templates/shared/locks/options.j2, then run "
            "`make lock-templates`"
        )


def test_the_infra_tools_lock_matches_its_pyproject() -> None:
    """The infra checks' own lock (checkov; every pipeline and api render ships it as
    infra/tools/uv.lock) is current: uv accepts it offline."""
    result = uv("lock", "--check", "--offline", cwd=INFRA_TOOLS)
    assert result.returncode == 0, f"run `make lock-templates`:\n{result.stderr[-1500:]}"


def test_the_check_fails_when_pyproject_changes_without_relocking(out: Path) -> None:
    """The check above can fail: a dependency added to pyproject.toml makes the lock stale."""
    project = render("package", out)
    assert lock_check(project).returncode == 0
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace("dependencies = [\n", 'dependencies = [\n    "six>=1.16",\n'))
    result = lock_check(project)
    assert result.returncode != 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("slug", "name"),
    [("aaa-first", "aaa-first"), ("My.Odd__Name", "my-odd-name"), ("zzz-last", "zzz-last")],
)
def test_the_lock_names_the_project_where_uv_sorts_it(slug: str, name: str, out: Path) -> None:
    """The project's own entry carries its normalised name (PEP 503, as uv writes it), in the
    place uv's name order puts it, so a render's lock is byte for byte what `uv lock` writes."""
    project = render("package", out, project_slug=slug, package_name="odd_name")
    packages = tomllib.loads((project / "uv.lock").read_text())["package"]
    [own] = [p for p in packages if p["source"] == {"editable": "."}]
    assert own["name"] == name
    names = [p["name"] for p in packages]
    assert names == sorted(names)


@pytest.mark.parametrize("template", READY)
def test_each_stored_lock_belongs_to_a_combination(template: str) -> None:
    """Each combination of the lock options has its lock, and no lock is left over from an
    option or value that is gone (make lock-templates removes those)."""
    unknown = set(lock_options(template)) - set(choices(template))
    assert not unknown, f"{template}: options.j2 names {sorted(unknown)}, not choices"
    stored = set((LOCKS_DIR / template).glob("*.lock"))
    wanted = {lock_file(template, answers) for answers in lock_answers(template)}
    assert stored == wanted, (
        f"{template}: run `make lock-templates` "
        f"(left over: {sorted(p.name for p in stored - wanted)}, "
        f"missing: {sorted(p.name for p in wanted - stored)})"
    )


@pytest.mark.slow
def test_make_install_stops_on_a_stale_lock_until_make_lock(out: Path) -> None:
    """After a dependency is added to pyproject.toml, make install (as CI runs it) refuses,
    says to run make lock, and installs once make lock has updated uv.lock."""
    project = render("package", out)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace("dependencies = [\n", 'dependencies = [\n    "six>=1.16",\n'))
    refused = subprocess.run(
        ["make", "install"], cwd=project, capture_output=True, text=True, env=clean_env()
    )
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "run make lock first" in refused.stderr, refused.stderr
    run(["make", "lock"], project)
    assert '\nname = "six"\n' in (project / "uv.lock").read_text()
    run(["make", "install"], project)


@pytest.mark.parametrize("template", READY)
def test_installs_and_images_take_the_lock_as_it_is(template: str) -> None:
    """make install (what CI runs) and the Dockerfile sync with --locked; only `make lock`
    writes uv.lock, so installing never changes a render."""
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        makefile = (project / "Makefile").read_text()
        install = makefile.split("\ninstall:", 1)[1].split("\n\n", 1)[0]
        assert "$(UV) sync --locked" in install, install
        lockers = [line for line in makefile.splitlines() if "$(UV) lock" in line]
        assert lockers == ["\t$(UV) lock"], lockers  # the recipe of `make lock`, nothing else
        assert "\nlock: " in makefile
        for ci in (project / ".github/workflows/ci.yml", project / ".gitlab-ci.yml"):
            if ci.exists():
                assert "make install" in ci.read_text(), ci
        dockerfile = project / "Dockerfile"
        if dockerfile.exists():
            syncs = [line for line in dockerfile.read_text().splitlines() if "uv sync" in line]
            assert syncs, "the Dockerfile installs nothing"
            assert all("uv sync --locked" in line for line in syncs), syncs
