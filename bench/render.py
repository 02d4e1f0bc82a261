"""Render and render-to-green benchmarks."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import Figure, interleaved, time_command
from tests.suite import REPO, TEMPLATES_DIR, clean_env, render

COOKIECUTTER = str(Path(sys.executable).parent / "cookiecutter")
CACHE_EXTENSION = TEMPLATES_DIR / "shared" / "mlops_templates_cache.py"


def minimal_template(root: Path) -> Path:
    """A one-file cookiecutter template: cookiecutter's own floor."""
    template = root / "minimal"
    (template / "{{cookiecutter.name}}").mkdir(parents=True)
    (template / "cookiecutter.json").write_text(json.dumps({"name": "minimal"}))
    (template / "{{cookiecutter.name}}" / "README.md").write_text("# {{ cookiecutter.name }}\n")
    return template


def plain_template(root: Path, template: str) -> Path:
    """A template with the same folders and as many files as `template`'s project, each
    one line of Jinja, with the templates' compiled-Jinja cache and without hooks: what
    cookiecutter's own per-file work costs a template of that size, whatever it renders."""
    plain = root / f"plain-{template}"
    source = TEMPLATES_DIR / template / "{{cookiecutter.project_slug}}"
    target = plain / "{{cookiecutter.name}}"
    for i, path in enumerate(sorted(p for p in source.rglob("*") if p.is_file())):
        folder = target / re.sub(r"\{\{.*?\}\}", "x", str(path.parent.relative_to(source)))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.txt").write_text("# {{ cookiecutter.name }}\n")
    shutil.copy(CACHE_EXTENSION, plain / CACHE_EXTENSION.name)
    context = {"name": "plain", "_extensions": ["mlops_templates_cache.RenderCache"]}
    (plain / "cookiecutter.json").write_text(json.dumps(context))
    return plain


def render_figures(templates: list[str], runs: int) -> list[Figure]:
    """Whole-process `cookiecutter --no-input --directory templates/<name>` against the floor:
    as every render but a machine's first runs (Jinja's compiled templates kept in the cache,
    mlops_templates_cache.py), and as the first (an empty cache each time)."""
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        floor = minimal_template(root)
        env = clean_env({"MLOPS_TEMPLATES_CACHE": str(root / "cache")})

        def once(args: list[str], empty_cache: bool = False) -> float:
            out = root / "out"
            shutil.rmtree(out, ignore_errors=True)
            if empty_cache:
                shutil.rmtree(root / "cache", ignore_errors=True)
            return time_command(
                [COOKIECUTTER, "--no-input", "--output-dir", str(out), *args], root, env
            )

        for template in templates:
            args = [str(REPO), "--directory", f"templates/{template}"]
            once(args)  # fills the cache, as a machine's first render does
            samples, base = interleaved(lambda a=args: once(a), lambda: once([str(floor)]), runs)
            figures.append(
                Figure(
                    f"render {template}",
                    "s",
                    samples,
                    base,
                    note="baseline: a one-file template",
                    target="<= 1.3x",
                    met=statistics.median(samples) <= 1.3 * statistics.median(base),
                )
            )
            plain = plain_template(root, template)
            once([str(plain)])  # its compiled Jinja cached too
            samples, base = interleaved(
                lambda a=args: once(a), lambda p=plain: once([str(p)]), runs
            )
            figures.append(
                Figure(
                    f"render {template}, against as many plain files",
                    "s",
                    samples,
                    base,
                    note="baseline: as many one-line files in its folders, Jinja cached, no hooks",
                )
            )
            samples, base = interleaved(
                lambda a=args: once(a, empty_cache=True), lambda: once([str(floor)]), runs
            )
            figures.append(
                Figure(
                    f"render {template}, a machine's first",
                    "s",
                    samples,
                    base,
                    note="empty Jinja cache; baseline: a one-file template",
                )
            )
    return figures


def render_to_green_figures(templates: list[str], runs: int) -> list[Figure]:
    """render -> make install -> make check, with uv's cache warm (a first, unrecorded run
    warms it). Each phase gets its own figure, so a slow total points at its cause."""
    figures = []
    env = clean_env()
    for template, answers in variants(templates):
        label = template + (f" ({answers['framework']})" if answers else "")
        phases: dict[str, list[float]] = {"render": [], "make install": [], "make check": []}
        totals = []
        for i in range(runs + 1):
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                project = render(template, Path(tmp), **answers)
                timing = {
                    "render": time.perf_counter() - started,
                    "make install": time_command(["make", "install"], project, env),
                    "make check": time_command(["make", "check"], project, env),
                }
            if i == 0:
                continue
            for phase, seconds in timing.items():
                phases[phase].append(seconds)
            totals.append(sum(timing.values()))
        figures.append(Figure(f"render to green {label}", "s", totals, note="warm uv cache"))
        figures += [
            Figure(f"render to green {label}: {phase}", "s", t) for phase, t in phases.items()
        ]
    return figures


def variants(templates: list[str]) -> list[tuple[str, dict[str, str]]]:
    """Each template with its defaults, and the pipeline and api with each other framework."""
    found: list[tuple[str, dict[str, str]]] = []
    for template in templates:
        found.append((template, {}))
        if template in {"pipeline", "api"}:
            found += [(template, {"framework": fw}) for fw in ("xgboost", "lightgbm")]
    return found


def finished_templates() -> list[str]:
    menu = json.loads((REPO / "cookiecutter.json").read_text())["templates"]
    return [t for t in menu if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]
