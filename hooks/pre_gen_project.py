"""Validate the answers before cookiecutter writes a single file.

Cookiecutter renders this file with Jinja and runs it with its own Python, in the
(still empty) project directory; a non-zero exit makes it delete that directory.
It is self-contained and stdlib-only because hooks cannot import siblings. cruft
re-runs it in a temporary render on update, so it only reads its context (with
defaults: cruft sets no `_repo_dir`, `_output_dir` or `_cookiecutter`) and touches nothing
in the project. Once the answers pass, it notes the project's empty folders (a render over
an existing project, -f) in the system temp folder, so the post-gen tidy-up keeps them.
"""

from __future__ import annotations

import json
import keyword
import os
import re
import sys
import unicodedata
import zlib
from pathlib import Path

# JSON is a Python literal once these three names exist; jsonify escapes every value.
true, false, null = True, False, None
ANSWERS = {{ cookiecutter | jsonify }}  # noqa: F821  # fmt: skip
# The answers as typed on the command line, before cookiecutter rendered them as Jinja
# (absent under cruft). Free-text defaults are plain text, so only a user's Jinja differs.
GIVEN = {{ _cookiecutter | default({}) | jsonify }}  # noqa: F821  # fmt: skip

FREE_TEXT = ("project_name", "description", "author_name", "author_email")
REQUIRED = {"project_name": "give the project a name", "author_name": "name the author or team"}
# Jinja's openers, spelled so that rendering this file leaves them alone.
JINJA = tuple("{" + c for c in "#%{")
# Device names Windows reserves, with any extension: no file or folder may be called so.
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{d}{i}" for d in ("com", "lpt") for i in range(10)
}
# PEP 508 distribution name, as packaging's canonical check.
DIST_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s\"<>,;]+@[^@\s\"<>,;]+\.[^@\s\"<>,;.]+$")
# Control, surrogate, private-use, unassigned and line/paragraph separators: they break
# TOML, YAML or a single-line README title, whatever the escaping.
BAD_CATEGORIES = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}
# Generated code is formatted for names up to this length (ruff format stays a no-op).
MAX_NAME = 40
ALWAYS_RESERVED = {"src", "tests", "test", "docs", "ops", "build", "dist", "setup"}


def text(value: object) -> str:
    """Undo jsonify's surrogate pairs so astral characters (emoji) are whole again."""
    return str(value).encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")


def problems(answers: dict[str, object], given: dict[str, object] | None = None) -> list[str]:
    """Every rule an answer breaks, as one line naming the value and the rule."""
    found: list[str] = []
    for key in FREE_TEXT:
        value = text(answers.get(key, ""))
        typed = text((given or {}).get(key, value))
        bad = sorted(
            {f"U+{ord(c):04X}" for c in value if unicodedata.category(c) in BAD_CATEGORIES}
        )
        if bad:
            found.append(
                f"{key} {value!r} contains {', '.join(bad)}: use printable characters on one line"
            )
        elif typed != value and any(mark in typed for mark in JINJA):
            found.append(
                f"{key} {typed!r} is Jinja, which cookiecutter evaluated to {value!r}: "
                "write it without Jinja's brace pairs"
            )
        elif key in REQUIRED and not value.strip():
            found.append(f"{key} {value!r} is empty: {REQUIRED[key]}")
        elif value != value.strip():
            found.append(f"{key} {value!r} starts or ends with whitespace: remove it")

    slug = text(answers.get("project_slug", ""))
    before_slug = len(found)
    if slug == "-":  # cookiecutter.json's default when slugify finds nothing to keep
        found.append(
            f"project_name {text(answers.get('project_name', ''))!r} has no ASCII letter or digit "
            "to make a project_slug from: give project_slug explicitly"
        )
    elif len(slug) > MAX_NAME:
        found.append(
            f"project_slug {slug!r} is longer than {MAX_NAME} characters: choose a shorter name"
        )
    elif not DIST_NAME.match(slug):
        found.append(
            f"project_slug {slug!r} is not a valid distribution name: use ASCII letters, digits, "
            "'-', '_' or '.', starting and ending with a letter or digit"
        )
    elif slug.split(".")[0].lower() in WINDOWS_RESERVED:
        found.append(
            f"project_slug {slug!r} is a device name Windows reserves: choose another name"
        )

    package = text(answers.get("package_name", ""))
    reserved = ALWAYS_RESERVED | {str(n).lower() for n in answers.get("_reserved_names", [])}
    # A package_name made from a refused project_slug (cookiecutter.json's default, still Jinja
    # as given) is refused with it: one line for the one answer the user has to change.
    derived = any(mark in text((given or {}).get("package_name", "")) for mark in JINJA)
    if derived and len(found) > before_slug:
        pass  # the project_slug's line says what to change
    elif not package.isidentifier() or not package.isascii():
        found.append(
            f"package_name {package!r} is not a valid Python identifier: use ASCII letters, digits and '_', not starting with a digit"
        )
    elif package.lower() in WINDOWS_RESERVED:
        found.append(
            f"package_name {package!r} is a device name Windows reserves: choose another name"
        )
    elif keyword.iskeyword(package) or keyword.issoftkeyword(package):
        found.append(f"package_name {package!r} is a Python keyword: choose another name")
    elif package in sys.stdlib_module_names:
        found.append(
            f"package_name {package!r} shadows the standard library module {package!r}: choose another name"
        )
    elif package.lower() in reserved:
        found.append(
            f"package_name {package!r} shadows a dependency or folder of this template: choose another name"
        )
    elif len(package) > MAX_NAME:
        found.append(
            f"package_name {package!r} is longer than {MAX_NAME} characters: choose a shorter name"
        )
    elif package != package.lower():
        found.append(f"package_name {package!r} is not lowercase: PEP 8 module names are lowercase")

    email = text(answers.get("author_email", ""))
    if not EMAIL.match(email):
        found.append(f"author_email {email!r} does not look like an address: use name@domain.tld")
    return found


def existing_empty_folders_file(root: Path, folder: Path | None = None) -> Path:
    """Where the empty folders a render found are noted: beside this hook's rendered copy, in
    the temp folder cookiecutter runs both hooks from (the other hook names it the same)."""
    folder = folder or Path(__file__).resolve().parent
    return (
        folder
        / f"mlops-templates-empty-folders-{zlib.crc32(str(root.resolve()).encode()):08x}.json"
    )


def note_empty_folders(root: Path) -> list[str]:
    """Note the project's empty folders before rendering: they are the user's, not ours."""
    empty = [
        os.path.relpath(dirpath, root)
        for dirpath, dirnames, filenames in os.walk(root)
        if not dirnames and not filenames and Path(dirpath) != root
    ]
    existing_empty_folders_file(root).write_text(json.dumps(empty), encoding="utf-8")
    return empty


def forget_this_copy() -> None:
    """Delete the rendered copy of this hook that cookiecutter (2.7) runs from the system
    temp folder and never removes: it holds the answers, and every render left two."""
    me = Path(__file__).resolve()
    if me.name.startswith("tmp") and me.suffix == ".py":  # NamedTemporaryFile's name, not ours
        me.unlink(missing_ok=True)


if __name__ == "__main__":
    forget_this_copy()
    sys.stderr.reconfigure(errors="backslashreplace")  # a Windows pipe may not take every letter
    errors = problems(ANSWERS, GIVEN)
    for line in errors:
        print(f"ERROR: {line}", file=sys.stderr)
    if not errors:
        note_empty_folders(Path.cwd())
    sys.exit(1 if errors else 0)
