"""The templates' uv.lock files: which there are, and `make lock-templates` to remake them.

A render must work offline, so the templates ship their locks: one per combination of the
answers that change a template's dependencies (`templates/shared/locks/options.j2`), stored
in `templates/shared/locks/<template>/` and included by each project's `uv.lock`. This
module renders each combination, runs `uv lock` in it (which keeps the stored pins, unless
`--upgrade`, and needs the package index) and stores the result; it also locks
`templates/shared/infra-tools/` (checkov, for the pipeline and api renders' infra/tools/).

    python -m tests.locks [--upgrade] [--only pipeline,api]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import jinja2

from tests.suite import MENU, TEMPLATES_DIR, choices, render, run

LOCKS_DIR = TEMPLATES_DIR / "shared" / "locks"
# The infra checks' tools (checkov) have a lock of their own, the same in every render that
# has infra/ (infra/tools/): a plain uv project, locked where it is stored.
INFRA_TOOLS = TEMPLATES_DIR / "shared" / "infra-tools"
UV = str(Path(sys.executable).parent / "uv")
# A stored lock is a Jinja raw block: Jinja then skips over it instead of scanning 700 kB for
# tags, which halves the lock's share of a render. The `-` drop the two lines' own newlines.
RAW_START, RAW_END = "{% raw -%}\n", "{% endraw -%}\n"


def stored(lock: str) -> str:
    """A uv.lock as locks/<template>/ keeps it."""
    if "{% endraw" in lock:
        raise ValueError("uv.lock contains '{% endraw': it cannot be stored in a raw block")
    return f"{RAW_START}{lock}{RAW_END}" if lock else ""


@cache
def lock_options(template: str) -> tuple[str, ...]:
    """The options whose answers choose the template's lock, as options.j2 lists them."""
    loader = jinja2.FileSystemLoader(TEMPLATES_DIR / "shared")
    module = jinja2.Environment(loader=loader).get_template("locks/options.j2").module
    return tuple(module.lock_options[template])  # type: ignore[attr-defined]


def lock_answers(template: str) -> list[dict[str, str]]:
    """Every combination of the lock options' values: one lock each."""
    options = lock_options(template)
    values = choices(template)
    return [
        dict(zip(options, combination, strict=True))
        for combination in itertools.product(*(values[option] for option in options))
    ]


def lock_file(template: str, answers: dict[str, str]) -> Path:
    """Where the lock for these answers is stored (the name locks/uv.lock.j2 includes)."""
    name = ",".join(f"{option}={answers[option]}" for option in lock_options(template))
    return LOCKS_DIR / template / f"{name}.lock"


@contextlib.contextmanager
def hooks_silenced() -> Iterator[None]:
    """Send the hooks' output (the next steps every render prints) to /dev/null, so that it
    does not bury the progress lines."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def relock(template: str, answers: dict[str, str], workdir: Path, upgrade: bool) -> bool:
    """Render, `uv lock`, store the lock; whether the stored lock changed."""
    path = lock_file(template, answers)
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.read_text() if path.exists() else ""
    path.write_text(before)  # a new combination renders an empty uv.lock...
    with hooks_silenced():
        project = render(template, workdir, **answers)
    lock = project / "uv.lock"
    if not lock.read_text():
        lock.unlink()  # ...which uv would not read: it locks from scratch instead
    run([UV, "lock", "--quiet", *(["--upgrade"] if upgrade else [])], project)
    after = stored(lock.read_text())
    path.write_text(after)
    return after != before


def main(argv: list[str] | None = None) -> int:
    """Remake every stored lock (or those of --only); remove locks no combination uses."""
    parser = argparse.ArgumentParser(prog="make lock-templates", description=__doc__)
    parser.add_argument("--upgrade", action="store_true", help="take the newest allowed versions")
    parser.add_argument("--only", default=",".join(MENU), help="templates, comma-separated")
    args = parser.parse_args(argv)
    if {"pipeline", "api"} & set(args.only.split(",")):
        before = (INFRA_TOOLS / "uv.lock").read_text()
        run([UV, "lock", "--quiet", *(["--upgrade"] if args.upgrade else [])], INFRA_TOOLS)
        state = "updated" if (INFRA_TOOLS / "uv.lock").read_text() != before else "unchanged"
        print(f"{state:9} {(INFRA_TOOLS / 'uv.lock').relative_to(TEMPLATES_DIR)}", flush=True)
    for template in args.only.split(","):
        if template not in MENU:
            parser.error(f"--only {template!r} is not a template: choose from {', '.join(MENU)}")
        wanted = {lock_file(template, answers) for answers in lock_answers(template)}
        for orphan in sorted(set((LOCKS_DIR / template).glob("*.lock")) - wanted):
            orphan.unlink()
            print(f"removed {orphan.relative_to(LOCKS_DIR)} (no combination of answers uses it)")
        for answers in lock_answers(template):
            workdir = Path(tempfile.mkdtemp(prefix=f"lock-{template}-"))
            try:
                changed = relock(template, answers, workdir, args.upgrade)
            finally:
                shutil.rmtree(workdir)
            state = "updated" if changed else "unchanged"
            print(f"{state:9} {lock_file(template, answers).relative_to(LOCKS_DIR)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
