"""`make demo`: render each template with default answers and run its main job locally.

Everything runs on the embedded defaults: no cloud account, no server, no network beyond
the package index for the first `make install`. It ends with a summary: each template, what
it ran, ok or failed, how long it took, and where to look next.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

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


@dataclass
class Job:
    """What a template's job ran, in order, and where its results are."""

    ran: list[str] = field(default_factory=list)
    look_at: str = ""

    def make(self, project: Path, *args: str) -> str:
        """`make ARGS` in the project, as a user would type it; its output."""
        command = " ".join(["make", *args])
        print(f"  {command}", flush=True)
        self.ran.append(command)
        return run(["make", *args], project).stdout


def package_job(project: Path, job: Job) -> None:
    """A library's main job is its checks and its build."""
    for target in ("install", "check", "build"):
        job.make(project, target)
    built = sorted(p.name for p in (project / "dist").iterdir() if p.suffix in {".whl", ".gz"})
    print(f"  built: {', '.join(built)}")
    job.look_at = f"{project / 'dist'}/"


def api_job(project: Path, job: Job) -> None:
    """A service's main job: serve the sample model on 127.0.0.1 and answer a prediction."""
    for target in ("install", "sample-model"):
        job.make(project, target)
    port = free_port()
    print(f"  make serve PORT={port}", flush=True)
    job.ran.append(f"make serve PORT={port}")
    log = project.parent / f"{project.name}.log"
    server = Background(["make", "serve", f"PORT={port}"], project, log)
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
        job.ran.append("POST /predict")
        if status != 200:
            raise RuntimeError(f"/predict answered {status}")
    finally:
        server.stop()  # on purpose: the service exits cleanly, its log ends with uvicorn's
        print("  server stopped", flush=True)
    job.look_at = f"{log} (the server's log), {project / 'models' / 'sample'}/"


def pipeline_job(project: Path, job: Job) -> None:
    """A pipeline's main job is a local training run: it ends with the model's folder."""
    job.make(project, "install")
    output = job.make(project, "run")
    [line] = [ln for ln in output.splitlines() if ln.startswith("model_uri: ")]
    print(f"  {line}")
    job.look_at = f"{line.removeprefix('model_uri: ')}/ (the model), {project / 'outputs'}/"


JOBS: dict[str, Callable[[Path, Job], None]] = {
    "pipeline": pipeline_job,
    "api": api_job,
    "package": package_job,
}


@dataclass
class Outcome:
    """One line of the summary."""

    template: str
    job: Job
    ok: bool
    seconds: float


def summary(outcomes: list[Outcome]) -> str:
    """The table `make demo` ends with."""
    width = max(len(o.template) for o in outcomes)
    lines = ["", "== summary"]
    for o in outcomes:
        state = "ok" if o.ok else "FAILED"
        ran = ", ".join(o.job.ran) or "nothing"
        lines.append(f"{o.template:<{width}}  {state:<6} {o.seconds:6.1f} s  ran: {ran}")
        lines.append(f"{'':<{width}}  next: {o.job.look_at}")
    return "\n".join(lines)


def default_slug(template: str) -> str:
    """The folder a render with the default answers makes, as cookiecutter derives it."""
    context = generate_context(str(TEMPLATES_DIR / template / "cookiecutter.json"))
    return str(prompt_for_config(context, no_input=True)["project_slug"])


def main(out: Path, jobs: dict[str, Callable[[Path, Job], None]] = JOBS) -> int:
    """Render and run every finished template, whatever fails; 1 if any job failed."""
    out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for template in MENU:
        if template not in jobs or not (TEMPLATES_DIR / template / "cookiecutter.json").exists():
            continue
        print(f"== {template}: rendering into {out}", flush=True)
        target = out / default_slug(template)
        job = Job(look_at=f"{target}/ (README.md: every make target)")
        start = time.monotonic()
        try:
            shutil.rmtree(target, ignore_errors=True)  # the previous demo's render
            render(template, out)
            # A repository of its own: `make install` puts its git hook in the one it finds.
            run(["git", "init", "-q", "-b", "main"], target)
            jobs[template](target, job)
            ok = True
        except Exception as error:  # every template runs; the summary says which failed
            print(f"== {template}: failed\n{error}", flush=True)
            job.look_at = f"{target}/ (the error above; rerun the last command there)"
            ok = False
        outcomes.append(Outcome(template, job, ok, time.monotonic() - start))
        print(f"== {template}: {'ok' if ok else 'failed'} ({target})", flush=True)
    print(summary(outcomes), flush=True)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/demo")))
