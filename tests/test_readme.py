"""Each generated README documents every setting of the project's Settings class."""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib

import pytest

from tests.suite import (
    MENU,
    TEMPLATES_DIR,
    clean_env,
    option_matrix,
    readme_commands,
    rendered,
)

READY = [t for t in MENU if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]


def settings_fields(source: str) -> list[str]:
    """Names of the annotated fields of `class Settings` (model_config excluded)."""
    tree = ast.parse(source)
    [settings] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings"]
    return [
        node.target.id
        for node in settings.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id != "model_config"
    ]


@pytest.mark.parametrize("template", READY)
def test_readme_configuration_table_lists_every_setting(template: str) -> None:
    """For every option combination, each Settings field has a row in the README's table."""
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        config = next(project.glob("src/*/ops/config.py"))
        readme = (project / "README.md").read_text()
        fields = settings_fields(config.read_text())
        assert fields, "no settings found"
        missing = [f for f in fields if f"| `{f}` |" not in readme]
        assert not missing, f"{template} {answers}: README lacks {missing}"


def help_entries(makefile: str) -> dict[str, str]:
    """What `make help` lists: each target with a `## ` comment, and that comment (the help
    recipe's own grep pattern, on the one Makefile a project has)."""
    return dict(re.findall(r"^([a-zA-Z_-]+):.*?## (.*)$", makefile, re.MULTILINE))


@pytest.mark.parametrize("template", READY)
def test_make_help_shows_words_and_every_target_is_in_the_readme(template: str) -> None:
    """`make help` prints its comments verbatim, so they hold no make variable (`$(PORT)`)
    nor Jinja; each target it lists is documented in the README as `make <target>`."""
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        entries = help_entries((project / "Makefile").read_text())
        assert {"help", "install", "check"} <= set(entries), entries
        raw = {target: text for target, text in entries.items() if "$(" in text or "{" in text}
        assert not raw, f"{template} {answers}: make help would print {raw}"
        readme = (project / "README.md").read_text()
        missing = [target for target in entries if f"`make {target}`" not in readme]
        assert not missing, f"{template} {answers}: README.md lacks {missing}"


@pytest.mark.parametrize("template", READY)
def test_make_help_prints_plain_text_when_piped(template: str) -> None:
    """Piped or in a file (CI logs, `make help | less`), `make help` has no colour codes;
    each target with its words, one per line."""
    project = rendered(template)
    done = subprocess.run(
        ["make", "help"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env=clean_env(),
    )
    assert "\x1b" not in done.stdout
    listed = {line.split()[0]: line.split(None, 1)[1] for line in done.stdout.splitlines()}
    assert listed == help_entries((project / "Makefile").read_text())


# Commands that need uv on PATH, or the project's environment activated.
NEEDS_UV_OR_VENV = re.compile(r"^(uv|uvx|python3?|jupyter|pytest|ruff|mypy|pre-commit) ")


@pytest.mark.parametrize("template", READY)
def test_readme_commands_work_without_uv_on_path(template: str) -> None:
    """Once `make install` has run, every command in the README works on a machine without
    uv: each is a make target, a system tool, or written with `.venv/bin/`."""
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        package = next((project / "src").iterdir()).name
        scripts = re.compile(rf"^({re.escape(package)}|{re.escape(project.name)}) ")
        commands = readme_commands((project / "README.md").read_text())
        assert "make install" in commands, commands  # the quickstart block was read
        bad = [c for c in commands if NEEDS_UV_OR_VENV.match(c) or scripts.match(c)]
        assert not bad, f"{template} {answers}: write these with .venv/bin/ or a make target: {bad}"


@pytest.mark.parametrize("template", READY)
def test_readme_names_only_libraries_the_project_uses(template: str) -> None:
    """The logging section's list of libraries whose logs come out as the project's holds
    only the project's dependencies (the api's README named kfp, which it does not use)."""
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        readme = " ".join((project / "README.md").read_text().split())
        [listed] = re.findall(r"Logs of libraries(?: \(([^)]*)\))? come out the same way", readme)
        pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
        requirements = [*pyproject["dependencies"]]
        names = {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0] for r in requirements}
        unused = [
            lib for lib in filter(None, listed.split(", ")) if lib.replace("_", "-") not in names
        ]
        assert not unused, f"{template} {answers}: README names {unused}, not dependencies"
