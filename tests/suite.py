"""Shared helpers of the suite: where the templates are, how to render and run them."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter

REPO = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = REPO / "templates"
# The menu in the root cookiecutter.json is the one list of templates.
MENU: dict[str, dict[str, str]] = json.loads((REPO / "cookiecutter.json").read_text())["templates"]
TEMPLATES = list(MENU)

# Options whose values change the same files, so they are rendered in every combination;
# every other option is cycled through those combinations (pairs, not the full product).
INTERACTING: dict[str, tuple[str, ...]] = {
    "package": ("ci_provider", "publish_to"),
    "api": ("ci_provider", "tracking"),
    "pipeline": ("ci_provider", "tracking"),
}


def template_context(template: str) -> dict[str, Any]:
    """The template's own cookiecutter.json."""
    return json.loads((TEMPLATES_DIR / template / "cookiecutter.json").read_text())


def choices(template: str) -> dict[str, list[str]]:
    """Every multiple-choice prompt of the template and its values, in file order."""
    return {
        key: value
        for key, value in template_context(template).items()
        if isinstance(value, list) and not key.startswith("_")
    }


def option_matrix(template: str) -> list[dict[str, str]]:
    """Answers covering every value of every option; interacting options in combination."""
    options = choices(template)
    together = [k for k in INTERACTING.get(template, ()) if k in options]
    combos = [
        dict(zip(together, values, strict=True))
        for values in itertools.product(*(options[k] for k in together))
    ]
    others = {k: v for k, v in options.items() if k not in together}
    size = max([len(combos), *(len(v) for v in others.values())])
    rows = [dict(combos[i % len(combos)]) for i in range(size)]
    for key, values in others.items():
        for i, row in enumerate(rows):
            # Offset each option so defaults are not always rendered together.
            row[key] = values[(i + len(key)) % len(values)]
    return rows


def render(template: str, output_dir: Path, overwrite: bool = False, **answers: str) -> Path:
    """Render `template` with `answers` (others default) into output_dir; return the project."""
    return Path(
        cookiecutter(
            str(REPO),
            directory=f"templates/{template}",
            no_input=True,
            extra_context=answers,
            output_dir=str(output_dir),
            overwrite_if_exists=overwrite,
        )
    )


def render_cli(
    template: str, output_dir: Path, *args: str, **answers: str
) -> subprocess.CompletedProcess[str]:
    """Render with the cookiecutter command line, as users and CI do."""
    command = [
        str(Path(sys.executable).parent / "cookiecutter"),
        str(REPO),
        "--no-input",
        "--directory",
        f"templates/{template}",
        "--output-dir",
        str(output_dir),
        *args,
        *(f"{key}={value}" for key, value in answers.items()),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=clean_env())


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a user's shell has: no virtualenv of ours, the suite's tools on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT"}
    }
    tools = str(Path(sys.executable).parent)  # uv, cookiecutter, cruft live beside this Python
    env["PATH"] = os.pathsep.join([tools, env.get("PATH", "")])
    env.setdefault("UV_LINK_MODE", "copy")
    env.update(extra or {})
    return env


def run(
    command: list[str], cwd: Path, timeout: float = 900, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command in a generated project; fail with its output when it fails."""
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(env),
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed in {cwd} with exit code {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


def project_files(project: Path) -> Iterator[Path]:
    """Every file of a rendered project, without tool outputs."""
    skip = {
        ".git",
        ".venv",
        ".tools",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "dist",
        "__pycache__",
    }
    for path in sorted(project.rglob("*")):
        if path.is_file() and not skip & set(path.relative_to(project).parts):
            yield path


def container_engine() -> str | None:
    """`docker` when a daemon answers, else `podman` when it works, else None."""
    for engine in ("docker", "podman"):
        if shutil.which(engine) is None:
            continue
        probe = subprocess.run([engine, "info"], capture_output=True, check=False, timeout=60)
        if probe.returncode == 0:
            return engine
    return None
