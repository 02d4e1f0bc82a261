"""Warm tasks for local runs: each task of KFP's local runner starts with its libraries loaded.

A task of `SubprocessRunner` is a new interpreter running `python -m kfp.dsl.executor_main`:
it imports pandas, scikit-learn, Great Expectations{% if cookiecutter.tracking == "clearml" %}, ClearML{% endif %}... afresh, seconds each time, for work
that takes milliseconds on a sample. Here one helper process imports those libraries once (the
third-party ones only: never this project's modules, which each task imports itself, as a
fresh interpreter would; only `gx_setup.py`, standard library only, prepares GX's import) and
forks a child for each task. The child is a new process with the task's own environment,
working directory and output, running the same executor with the same arguments; only the
imports are already done. On Vertex AI, every task is its own container as usual: nothing here
runs there.

A command that is not a lightweight Python component's (or a helper that died) runs the usual
way, a new interpreter. The `local_warm_start` setting turns the helper off. A run stops its
helpers at its end; within `keep_helpers()` (a notebook's loop of runs, the tests' session) the
next run in the same environment takes them over instead of loading the libraries again.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import runpy
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.gx_setup import configure_gx

# The third-party libraries the tasks import, in two helpers that load them at the same time
# (on two cores): the data's tasks', and the model's. A library that is not installed (an
# optional extra) is skipped; a task imports whatever it lacks itself.
PRELOAD = {
    "data": ("great_expectations", "pandas", "pydantic_settings", "yaml", "kfp.dsl.executor_main"),
    "model": (
{%- if cookiecutter.framework == "scikit-learn" %}
        "skops.io",
        "sklearn.compose",
        "sklearn.impute",
        "sklearn.linear_model",
        "sklearn.pipeline",
        "sklearn.preprocessing",
{%- elif cookiecutter.framework == "xgboost" %}
        "xgboost",
{%- else %}
        "lightgbm",
{%- endif %}
        "sklearn.metrics",
        "sklearn.model_selection",
{%- if cookiecutter.tracking == "clearml" %}
        "clearml",
{%- endif %}
        "pandas",
        "pydantic_settings",
        "yaml",
        "kfp.dsl.executor_main",
    ),
}
# The components whose tasks the data's helper runs; the model's runs every other one.
DATA_TASKS = frozenset({"ingest", "validate_data", "ingest_validate"})
FIRST = "data"  # the helper the first task of a run needs
NICE = 10  # the others load at a lower priority (their first task comes seconds later)
EXECUTOR = "kfp.dsl.executor_main"
COMPONENT_FILE = '"$program_path/ephemeral_component.py"'


def helper_for(args: Sequence[str]) -> str:
    """The helper with the libraries a task needs, from its executor arguments."""
    function = (
        args[args.index("--function_to_execute") + 1] if "--function_to_execute" in args else ""
    )
    return "data" if function in DATA_TASKS else "model"


def lightweight_task(command: Sequence[str]) -> tuple[str, list[str]] | None:
    """A lightweight Python component's command as KFP writes it (`sh -ec <script> <source>
    <args>`): its function's source and the executor's arguments; None for anything else."""
    if len(command) < 4 or command[0] != "sh" or command[1] not in ("-c", "-ec"):
        return None
    script = command[2]
    if f"-m {EXECUTOR}" not in script or COMPONENT_FILE not in script or "pip install" in script:
        return None
    return command[3], list(command[4:])


def _run_task(request: Mapping[str, Any]) -> None:
    """In the forked child: become the task's process, run the executor, exit with its code."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["_KFP_RUNTIME"] = "true"  # as the task's own command line sets it
        tempfile.tempdir = None  # as in a new process: the temp folder of the task's TMPDIR
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for fd in (1, 2):
            os.dup2(output, fd)
        os.close(output)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115  # the process's own
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        # Beside the output, in the folder the runner removes (KFP's own command leaves its copy).
        program = Path(request["output"]).parent / "ephemeral_component.py"
        program.write_text(request["source"], encoding="utf-8")
        sys.argv = [EXECUTOR, "--component_module_path", str(program), *request["args"]]
        try:
            runpy.run_module(EXECUTOR, run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException:  # noqa: BLE001  # as an uncaught exception ends an interpreter
            traceback.print_exc()
            code = 1
        atexit._run_exitfuncs()  # what an interpreter does at its end (logging's flush...)
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(helper: str) -> None:
    """A helper: load its libraries, then fork a child per task request (one JSON line in,
    one JSON line out: its exit code), until its input closes."""
    os.environ["_KFP_RUNTIME"] = "true"
    if "great_expectations" in PRELOAD[helper]:
        configure_gx()  # as the tasks do before their first GX import
    if helper != FIRST:  # the first task's helper gets the cores first: the others have time
        os.nice(NICE)
    for name in PRELOAD[helper]:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    # The requests and replies on their own descriptors; the children get none of them.
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    replies.write("ready\n")
    for line in requests:
        pid = os.fork()
        if pid == 0:
            os.close(requests.fileno())
            os.close(replies.fileno())
            _run_task(json.loads(line))
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")


class Helper:
    """One helper process, seen from the run: started at once, so that it loads while the run
    is prepared."""

    def __init__(self, name: str) -> None:
        self.process: subprocess.Popen[str] | None = subprocess.Popen(  # noqa: S603  # this module
            [sys.executable, "-m", __name__, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.ready = False

    def run(self, request: Mapping[str, Any]) -> int | None:
        """Run one task; its exit code, or None when the helper is gone."""
        process = self.process
        if process is None or process.stdin is None or process.stdout is None:
            return None
        try:
            if not self.ready:
                self.ready = process.stdout.readline().strip() == "ready"
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            reply = json.loads(process.stdout.readline())
        except (OSError, ValueError):  # it died: its tasks start cold from now on
            self.close()
            return None
        return int(reply["returncode"])

    def close(self) -> None:
        """Stop the helper. Between tasks it holds nothing (its children have exited), and a
        clean exit would only spend a second unloading its libraries: it is killed."""
        process, self.process = self.process, None
        if process is None:
            return
        process.kill()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        process.wait()


class WarmStarter:
    """The run's side: its helpers, each task handed to the one with its libraries."""

    def __init__(self) -> None:
        self.helpers = {name: Helper(name) for name in PRELOAD}
        self.tasks = 0  # how many tasks started warm

    @property
    def alive(self) -> bool:
        return all(
            h.process is not None and h.process.poll() is None for h in self.helpers.values()
        )

    def run(self, command: Sequence[str], env: Mapping[str, str]) -> int | None:
        """Run the task in a warm child and print its output; None when it cannot."""
        task = lightweight_task(command)
        if task is None:
            return None
        source, args = task
        with tempfile.TemporaryDirectory() as tmp:
            output = Path(tmp) / "output"
            request = {
                "source": source,
                "args": args,
                "env": dict(env),
                "cwd": str(Path.cwd()),
                "output": str(output),
            }
            code = self.helpers[helper_for(args)].run(request)
            if code is None:
                return None
            text = output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
        print(text, end="")  # noqa: T201  # the task's output, where KFP's runner prints it
        print("\n")  # noqa: T201  # and the blank line it ends a task's output with
        self.tasks += 1
        return code

    def close(self) -> None:
        """Stop the helpers."""
        for helper in self.helpers.values():
            helper.close()


Environment = frozenset[tuple[str, str]]
# The helpers a finished run left for the next (inside keep_helpers()), and the environment
# they were started in: they are taken over only under the same one. One set at most.
_kept: list[tuple[Environment, WarmStarter]] = []
_keeping = False


# pytest sets it anew for each test, and no library reads it: a session's runs keep helpers.
PER_TEST = "PYTEST_CURRENT_TEST"


def _environment() -> Environment:
    """What the helpers' libraries may have read when they were imported: the environment,
    except this project's own settings (the helpers never import the project) and PER_TEST."""
    from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX

    return frozenset(
        (k, v) for k, v in os.environ.items() if not k.startswith(ENV_PREFIX) and k != PER_TEST
    )


def _stop_kept() -> None:
    while _kept:
        _kept.pop()[1].close()


@contextlib.contextmanager
def keep_helpers() -> Iterator[None]:
    """Within the block, a run leaves its helpers to the next run instead of stopping them;
    they stop at the block's end."""
    global _keeping  # one switch for the process, as the helpers are
    outer, _keeping = _keeping, True
    try:
        yield
    finally:
        _keeping = outer
        if not outer:
            _stop_kept()


def start_early(enabled: bool = True) -> bool:
    """Start the helpers now, for the run this process is about to start (warm_tasks takes
    them over): their libraries load while the command imports its own. If no run follows,
    they stop when the process ends, or at `stop_early()`. True when it started them (False:
    turned off, or a previous run's are kept)."""
    if not enabled or _kept:
        return False
    _kept.append((_environment(), WarmStarter()))
    atexit.register(_stop_kept)
    return True


def stop_early() -> None:
    """Stop the helpers start_early() started: the run they were for is refused."""
    _stop_kept()


def _starter(environment: Environment) -> WarmStarter:
    """The helpers a previous run left under this environment, else new ones."""
    if _kept and _kept[0][0] == environment and _kept[0][1].alive:
        starter = _kept.pop()[1]
        starter.tasks = 0
        return starter
    _stop_kept()  # another environment's: two sets of helpers would hold twice the memory
    return WarmStarter()


@contextlib.contextmanager
def warm_tasks(enabled: bool = True) -> Iterator[WarmStarter | None]:
    """Within the block, KFP's local runner starts its tasks warm (when `enabled`)."""
    if not enabled:
        yield None
        return
    from kfp.local import subprocess_task_handler as handler

    environment = _environment()
    starter = _starter(environment)
    cold = handler.run_local_subprocess

    def run(full_command: list[str], env_vars: dict[str, str] | None = None) -> int:
        code = starter.run(full_command, {**os.environ, **(env_vars or {})})
        return cold(full_command, env_vars) if code is None else code

    handler.run_local_subprocess = run
    try:
        yield starter
    finally:
        handler.run_local_subprocess = cold
        if _keeping and starter.alive:
            _stop_kept()  # those of a run nested in this one, or of another environment
            _kept.append((environment, starter))
        else:
            starter.close()


if __name__ == "__main__":
    serve(sys.argv[1])
