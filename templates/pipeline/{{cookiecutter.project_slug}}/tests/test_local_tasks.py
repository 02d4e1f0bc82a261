"""Warm tasks (local_tasks.py): a task started from a helper that has its libraries loaded is
the same process as a new interpreter would be: the same executor and arguments, its own
environment, working directory, output and exit code; anything else starts cold.

No `from __future__ import annotations` here: KFP reads the component's real annotations."""

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from kfp import dsl
from kfp.local.subprocess_task_handler import replace_python_executable, run_local_subprocess

from {{ cookiecutter.package_name }} import local_tasks
from {{ cookiecutter.package_name }}.local_tasks import (
    PER_TEST,
    WarmStarter,
    helper_for,
    keep_helpers,
    lightweight_task,
    warm_tasks,
)
from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX


@dsl.component(base_image="python:3.11", install_kfp_package=False)  # type: ignore[untyped-decorator]
def report(word: str, out: dsl.OutputPath(str)) -> None:  # type: ignore[valid-type]  # KFP's
    """Write what the task sees: its argument, a variable, its working directory."""
    import json as json_
    import os as os_
    import sys

    print(f"saying {word}")
    with open(out, "w") as handle:  # noqa: PTH123  # the task's text runs alone: no pathlib
        seen = {"word": word, "variable": os_.environ.get("SEEN"), "cwd": os_.getcwd()}  # noqa: PTH109
        json_.dump(seen, handle)
    sys.exit(3 if word == "fail" else 0)


def command_of(word: str, out: Path) -> list[str]:
    """The command KFP's local runner would run for the component, as it builds it."""
    spec = report.component_spec.implementation.container
    executor_input = {
        "inputs": {"parameterValues": {"word": word}},
        "outputs": {
            "parameters": {"out": {"outputFile": str(out)}},
            "outputFile": str(out.parent / "executor_output.json"),
        },
    }
    args = [a.replace("{{ '{{' }}$}}", json.dumps(executor_input)) for a in spec.args]
    return [*spec.command, *args]


def test_a_lightweight_component_is_recognised_and_anything_else_is_not() -> None:
    """The component's source and arguments come out; a container's command does not."""
    command = command_of("hello", Path("out"))
    found = lightweight_task(command)
    assert found is not None
    source, args = found
    assert "def report(" in source
    assert args[args.index("--function_to_execute") + 1] == "report"
    assert helper_for(args) == "model"
    assert helper_for(["--function_to_execute", "ingest_validate"]) == "data"
    assert lightweight_task(["sh", "-c", "echo hello"]) is None
    assert lightweight_task(["python3", "-m", "kfp.dsl.executor_main"]) is None


@pytest.mark.slow
def test_a_warm_task_runs_as_its_own_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a task sees (its argument, environment, working directory) and writes is what it
    sees and writes as a new interpreter, KFP's own way; its exit code is returned and
    nothing is left in its temp folder; once the helpers are gone, tasks are handed back to
    start cold."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEEN", "yes")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # KFP's own command leaves its copy there
    cold = tmp_path / "cold" / "out"
    cold.parent.mkdir()
    # KFP's runner, this interpreter: as SubprocessRunner(use_venv=False) runs a task.
    command = replace_python_executable(command_of("hello", cold), sys.executable)
    assert run_local_subprocess(command) == 0
    starter = WarmStarter()
    starter.helpers["data"].close()  # "report" is the model helper's: the other need not load
    temp = tmp_path / "temp"  # the warm tasks' TMPDIR, and the runner's own temp folder
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    env = {**os.environ, "TMPDIR": str(temp)}
    try:
        out = tmp_path / "ok" / "out"
        out.parent.mkdir()
        code = starter.run(command_of("hello", out), env)
        assert code == 0
        seen = {"word": "hello", "variable": "yes", "cwd": str(tmp_path)}
        assert json.loads(out.read_text()) == json.loads(cold.read_text()) == seen
        assert capsys.readouterr().out.count("saying hello") == 2
        failed = tmp_path / "failed" / "out"
        failed.parent.mkdir()
        assert starter.run(command_of("fail", failed), env) == 3
        assert starter.tasks == 2
        assert list(temp.iterdir()) == []
    finally:
        starter.close()
    assert starter.run(command_of("hello", out), dict(os.environ)) is None


def test_kept_helpers_go_to_the_next_run_of_the_same_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Inside keep_helpers, a run takes over the helpers the last one left when the environment
    is the same (the project's own settings aside); otherwise, and at the block's end, they
    stop. Outside it, a run's helpers stop with the run."""

    monkeypatch.setattr(local_tasks, "_keeping", False)  # not the session's (conftest.py)
    monkeypatch.setattr(local_tasks, "_kept", [])

    def helpers_of_a_run() -> WarmStarter:
        with warm_tasks() as starter:
            assert starter is not None
            assert starter.alive
            return starter

    with keep_helpers():
        first = helpers_of_a_run()
        assert first.alive  # left for the next run
        monkeypatch.setenv(f"{ENV_PREFIX}RANDOM_SEED", "7")  # the project's: not the helpers'
        with keep_helpers():  # nested: the outer block decides when they stop
            assert helpers_of_a_run() is first
        monkeypatch.setenv(PER_TEST, "tests/test_next.py::test_next (call)")  # pytest's
        assert helpers_of_a_run() is first
        assert first.alive
        monkeypatch.setenv("HOME", "/elsewhere")  # a library may read it when imported
        other = helpers_of_a_run()
        assert other is not first
        assert not first.alive
    assert not other.alive
    assert not helpers_of_a_run().alive
