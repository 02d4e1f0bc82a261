"""Shared helpers of the suite: where the templates are, how to render and run them."""

from __future__ import annotations

import atexit
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cookiecutter.environment import StrictEnvironment
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


_RENDERED: dict[tuple[str, tuple[tuple[str, str], ...]], Path] = {}


def rendered(template: str, **answers: str) -> Path:
    """A render shared by the read-only checks of one test process (rendered once, cached,
    removed when the process ends).

    Callers must not change the project: use `render` into their own folder for that.
    """
    key = (template, tuple(sorted(answers.items())))
    if key not in _RENDERED:
        root = Path(tempfile.mkdtemp(prefix=f"rendered-{template}-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        _RENDERED[key] = render(template, root, **answers)
    return _RENDERED[key]


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


def hook_source(name: str, context: dict[str, object]) -> str:
    """The hook's Python source as cookiecutter's own Jinja environment renders it."""
    env = StrictEnvironment(context={"cookiecutter": context})
    return env.from_string((REPO / "hooks" / f"{name}.py").read_text()).render(cookiecutter=context)


def load_hook(name: str, context: dict[str, object]) -> types.ModuleType:
    """Render a hook and import the result."""
    module = types.ModuleType(name)
    exec(compile(hook_source(name, context), name, "exec"), module.__dict__)
    return module


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a user's shell has: no virtualenv of ours, the suite's tools on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT"}
        # Under `make test` these would make the project's make a sub-make, which prints
        # "Entering/Leaving directory" lines into its output.
        and k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"}
        and not k.startswith("MAKE_TERMINAL")
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


def assert_ruff_clean(project: Path, *commands: str) -> None:
    """`ruff check` and `ruff format --check` (or only the `commands` named) pass with the
    project's own configuration: `make check` is green on its first commit."""
    ruff = str(Path(sys.executable).parent / "ruff")
    argv = {
        "check": [ruff, "check", "--no-cache"],
        "format": [ruff, "format", "--check", "--no-cache"],
    }
    for command in commands or ("check", "format"):
        result = subprocess.run(
            [*argv[command], "."], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"ruff {command}:\n{result.stdout}{result.stderr}"


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


def readme_commands(readme: str) -> list[str]:
    """The commands a README shows: the lines of its code blocks, and its inline code."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    prose = re.sub(r"^```.*?^```", "", readme, flags=re.MULTILINE | re.DOTALL)
    return [*lines, *re.findall(r"`([^`\n]+)`", prose)]


def container_engine() -> str | None:
    """`docker` when a daemon answers, else `podman` when it works, else None."""
    for engine in ("docker", "podman"):
        if shutil.which(engine) is None:
            continue
        probe = subprocess.run([engine, "info"], capture_output=True, check=False, timeout=60)
        if probe.returncode == 0:
            return engine
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http(
    method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
) -> tuple[int, Any, bytes]:
    """One HTTP request with the standard library: status, headers and body, 4xx/5xx included."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for_http(url: str, seconds: float, alive: Any = None) -> bool:
    """Poll `url` until it answers 200, `alive()` turns false or the time is up."""
    import time
    import urllib.error

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (alive is None or alive()):
        try:
            if http("GET", url)[0] == 200:
                return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


class Background:
    """A command running in its own process group (`make serve`: make, uv and the server),
    stopped as a whole: SIGTERM, then SIGKILL for whatever is left after `grace` seconds."""

    def __init__(
        self, command: list[str], cwd: Path, log: Path, env: Mapping[str, str] | None = None
    ) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=clean_env(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, grace: float = 20) -> None:
        import signal
        import time

        group = self.process.pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                self.process.poll()  # reap the leader, so its group can disappear
                if not _group_running(group):
                    return
                time.sleep(0.2)
        self.process.wait(timeout=10)


def _group_running(group: int) -> bool:
    """Whether a process of the group still runs (zombies, waiting to be reaped, do not)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False
