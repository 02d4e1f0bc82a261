"""Pipeline benchmark: `make run` and `make predict` on the sample against chains of as many
one-line components on the same KFP local runner, each step's start-up and work, and the
generated project's own `make test-fast` and `make check`."""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
import textwrap
from pathlib import Path

from bench.measure import Figure, interleaved, time_command
from tests.suite import clean_env, render, run

# The task counts the baselines use: the training run as it was (13 tasks) and the
# batch prediction's tasks; the runs themselves now have fewer (steps share tasks).
TRAINING_BASELINE_TASKS = 13
PREDICT_BASELINE_TASKS = 4
CHAIN = textwrap.dedent(
    """
    import sys, tempfile
    import kfp.local
    from kfp import dsl

    kfp.local.init(runner=kfp.local.SubprocessRunner(use_venv=False), pipeline_root=tempfile.mkdtemp())

    @dsl.component(install_kfp_package=False)
    def one_line(x: int) -> int:
        return x + 1

    @dsl.pipeline
    def chain() -> int:
        task = one_line(x=0)
        for _ in range(int(sys.argv[1]) - 1):
            task = one_line(x=task.output)
        return task.output

    chain()
    """
)
STEP = re.compile(r"^  (.+?)\s+(ok|FAILED)\s+([0-9.]+) s$")


def step_seconds(stdout: str) -> dict[str, float]:
    """The step lines of a run's output: name -> seconds."""
    return {m[1]: float(m[3]) for m in map(STEP.match, stdout.splitlines()) if m}


def make(project: Path, *args: str) -> str:
    """`make <args>` in the project; its output."""
    done = subprocess.run(
        ["make", *args], cwd=project, env=clean_env(), capture_output=True, text=True, check=True
    )
    return done.stdout


def pipeline_figures(runs: int) -> list[Figure]:
    """The local runs against their one-line baselines; steps; the project's own checks."""
    env = clean_env()
    with tempfile.TemporaryDirectory() as tmp:
        project = render("pipeline", Path(tmp))
        run(["make", "install"], project)
        script = Path(tmp) / "chain.py"  # outside the project: its lint must not see it
        script.write_text(CHAIN)
        python = str(project / ".venv" / "bin" / "python")

        def chain(tasks: int) -> float:
            return time_command([python, str(script), str(tasks)], project, env)

        make(project, "run")  # the first run: the champion, the file cache
        runs_, run_base = interleaved(
            lambda: time_command(["make", "run"], project, env),
            lambda: chain(TRAINING_BASELINE_TASKS),
            runs,
        )
        steps: dict[str, list[float]] = {}
        for _ in range(runs):  # each step's own seconds, as the run's step lines give them
            for name, seconds in step_seconds(make(project, "run")).items():
                steps.setdefault(name, []).append(seconds)
        predict = ["make", "predict", "MODEL_URI=models:/my-pipeline@champion"]
        predicts, predict_base = interleaved(
            lambda: time_command(predict, project, env),
            lambda: chain(PREDICT_BASELINE_TASKS),
            runs,
        )
        per_task = [
            (chain(TRAINING_BASELINE_TASKS) - chain(1)) / (TRAINING_BASELINE_TASKS - 1)
            for _ in range(runs)
        ]
        fast = [time_command(["make", "test-fast"], project, env) for _ in range(runs)]
        check = [time_command(["make", "check"], project, env) for _ in range(max(1, runs // 2))]
    floor = statistics.median(per_task)  # what one more one-line task adds to a run
    figures = [
        Figure(
            "pipeline: make run (local training run)",
            "s",
            runs_,
            run_base,
            note=f"baseline: {TRAINING_BASELINE_TASKS} chained one-line components, same runner",
            target="<= 5x",
            met=statistics.median(runs_) <= 5 * statistics.median(run_base),
        ),
        Figure(
            "pipeline: make predict (local batch prediction)",
            "s",
            predicts,
            predict_base,
            note=f"baseline: {PREDICT_BASELINE_TASKS} chained one-line components, same runner",
            target="<= 5x",
            met=statistics.median(predicts) <= 5 * statistics.median(predict_base),
        ),
    ]
    for name, seconds in steps.items():
        work = max(0.0, statistics.median(seconds) - floor)
        figures.append(
            Figure(
                f"pipeline step {name}",
                "s",
                seconds,
                per_task,
                note=f"start-up ~{floor:.2f} s (one more one-line task in a chain), work and "
                f"waiting ~{work:.2f} s (the first task waits for the helpers' libraries)",
            )
        )
    figures += [
        Figure("pipeline: generated make test-fast", "s", fast, target="< 20 s"),
        Figure("pipeline: generated make check", "s", check, target="< 60 s"),
    ]
    for figure in figures[-2:]:
        figure.met = figure.median < float(figure.target.split()[1])
    return figures
