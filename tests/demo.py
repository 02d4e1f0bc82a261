"""`make demo`: render each template with default answers and run its main job locally.

Everything runs on the embedded defaults: no cloud account, no server, no network beyond
the package index for the first `make install`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from tests.suite import MENU, TEMPLATES_DIR, render, run


def package_job(project: Path) -> None:
    """A library's main job is its checks and its build."""
    for target in ("install", "check", "build"):
        print(f"  make {target}", flush=True)
        run(["make", target], project)
    print(f"  built: {', '.join(sorted(p.name for p in (project / 'dist').glob('*.*')))}")


def pipeline_job(project: Path) -> None:
    """A pipeline's main job is a local training run: it ends with the model's folder."""
    for target in ("install", "run"):
        print(f"  make {target}", flush=True)
        done = run(["make", target], project)
    [line] = [ln for ln in done.stdout.splitlines() if ln.startswith("model_uri: ")]
    print(f"  {line}")


JOBS: dict[str, Callable[[Path], None]] = {"package": package_job, "pipeline": pipeline_job}


def main(out: Path) -> int:
    """Render and run every finished template; return the exit code."""
    out.mkdir(parents=True, exist_ok=True)
    for template in MENU:
        if template not in JOBS or not (TEMPLATES_DIR / template / "cookiecutter.json").exists():
            continue
        print(f"== {template}: rendering into {out}", flush=True)
        staging = out / f".{template}-render"
        shutil.rmtree(staging, ignore_errors=True)
        project = render(template, staging)
        target = out / template
        shutil.rmtree(target, ignore_errors=True)  # build/demo is the demo's own folder
        project.rename(target)
        shutil.rmtree(staging)
        JOBS[template](target)
        print(f"== {template}: ok ({target})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/demo")))
