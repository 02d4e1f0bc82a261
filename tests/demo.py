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
    built = sorted(p.name for p in (project / "dist").iterdir() if p.suffix in {".whl", ".gz"})
    print(f"  built: {', '.join(built)}")


JOBS: dict[str, Callable[[Path], None]] = {"package": package_job}


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
