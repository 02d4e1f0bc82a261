"""`make demo`: render each template with default answers and run its main job locally.

Everything runs on the embedded defaults: no cloud account, no server, no network beyond
the package index for the first `make install`.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from tests.suite import (
    MENU,
    TEMPLATES_DIR,
    Background,
    free_port,
    http,
    render,
    run,
    wait_for_http,
)


def package_job(project: Path) -> None:
    """A library's main job is its checks and its build."""
    for target in ("install", "check", "build"):
        print(f"  make {target}", flush=True)
        run(["make", target], project)
    built = sorted(p.name for p in (project / "dist").iterdir() if p.suffix in {".whl", ".gz"})
    print(f"  built: {', '.join(built)}")


def api_job(project: Path) -> None:
    """A service's main job: serve the sample model on 127.0.0.1 and answer a prediction."""
    for target in ("install", "sample-model"):
        print(f"  make {target}", flush=True)
        run(["make", target], project)
    port = free_port()
    print(f"  make serve PORT={port}", flush=True)
    server = Background(["make", "serve", f"PORT={port}"], project, project.parent / "api.log")
    try:
        if not wait_for_http(f"http://127.0.0.1:{port}/ready", 120, server.alive):
            raise RuntimeError(f"the service did not get ready:\n{server.output()[-3000:]}")
        # The request the service documents: its OpenAPI example, in the model's features.
        schema = json.loads(http("GET", f"http://127.0.0.1:{port}/openapi.json")[2])
        example = schema["components"]["schemas"]["PredictRequest"]["examples"][0]
        body = json.dumps(example).encode()
        headers = {"content-type": "application/json"}
        status, _, answer = http("POST", f"http://127.0.0.1:{port}/predict", body, headers)
        print(f"  POST /predict {body.decode()}\n  -> {status} {answer.decode()}")
        if status != 200:
            raise RuntimeError(f"/predict answered {status}")
    finally:
        server.stop()
        print("  server stopped", flush=True)


def pipeline_job(project: Path) -> None:
    """A pipeline's main job is a local training run: it ends with the model's folder."""
    for target in ("install", "run"):
        print(f"  make {target}", flush=True)
        done = run(["make", target], project)
    [line] = [ln for ln in done.stdout.splitlines() if ln.startswith("model_uri: ")]
    print(f"  {line}")


JOBS: dict[str, Callable[[Path], None]] = {
    "pipeline": pipeline_job,
    "api": api_job,
    "package": package_job,
}


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
        # A repository of its own: `make install` puts its git hook in the one it finds.
        run(["git", "init", "-q", "-b", "main"], target)
        JOBS[template](target)
        print(f"== {template}: ok ({target})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/demo")))
