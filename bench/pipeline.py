"""Pipeline benchmark: the local training run, and its cost per task against a one-line task."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from bench.measure import Figure, time_command
from tests.suite import clean_env, render, run

# ingest, validate, split, train and evaluate for each of the 3 default candidates,
# select-best, export, register, promote
TRAINING_TASKS = 13
ONE_LINE_PIPELINE = textwrap.dedent(
    """
    import sys, tempfile
    import kfp.local
    from kfp import dsl

    kfp.local.init(runner=kfp.local.SubprocessRunner(use_venv=False), pipeline_root=tempfile.mkdtemp())

    @dsl.component(install_kfp_package=False)
    def one_line() -> int:
        return 1

    @dsl.pipeline
    def one_task() -> None:
        one_line()

    one_task()
    """
)


def pipeline_figures(runs: int) -> list[Figure]:
    """`make run` end to end, and per task against a pipeline of one one-line component."""
    env = clean_env()
    with tempfile.TemporaryDirectory() as tmp:
        project = render("pipeline", Path(tmp))
        run(["make", "install"], project)
        script = project / "one_line_pipeline.py"
        script.write_text(ONE_LINE_PIPELINE)
        python = str(project / ".venv" / "bin" / "python")
        time_command([python, str(script)], project, env)  # warm the file cache
        training, one_task = [], []
        for _ in range(runs):
            training.append(time_command(["make", "run"], project, env))
            one_task.append(time_command([python, str(script)], project, env))
    per_task = [t / TRAINING_TASKS for t in training]
    return [
        Figure(
            "pipeline: local training run (make run)", "s", training, note=f"{TRAINING_TASKS} tasks"
        ),
        Figure(
            "pipeline: time per training task",
            "s",
            per_task,
            one_task,
            note="baseline: a one-task pipeline of a one-line component, same runner",
        ),
    ]
