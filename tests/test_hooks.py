"""Unit tests of the hooks, run on their source exactly as cookiecutter renders it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tests.suite import REPO, clean_env, hook_source, load_hook

GOOD = {
    "project_name": "Churn Model",
    "project_slug": "churn-model",
    "package_name": "churn_model",
    "description": "Predicts churn.",
    "author_name": "DS Team",
    "author_email": "ds@example.com",
    "_reserved_names": ["fastapi", "kfp"],
}


@pytest.fixture
def pre_gen() -> types.ModuleType:
    return load_hook("pre_gen_project", GOOD)


def test_good_answers_pass(pre_gen: types.ModuleType) -> None:
    """Sensible answers raise no problem, and the rendered context is read back intact."""
    assert pre_gen.problems(GOOD) == []
    assert pre_gen.ANSWERS["package_name"] == "churn_model"


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("package_name", "2fast", "not a valid Python identifier"),
        ("package_name", "my-pkg", "not a valid Python identifier"),
        ("package_name", "café", "not a valid Python identifier"),
        ("package_name", "class", "keyword"),
        ("package_name", "match", "keyword"),
        ("package_name", "logging", "standard library"),
        ("package_name", "json", "standard library"),
        ("package_name", "test", "shadows a dependency or folder"),
        ("package_name", "fastapi", "shadows a dependency"),
        ("package_name", "kfp", "shadows a dependency"),
        ("package_name", "tests", "shadows a dependency or folder"),
        ("package_name", "MyPkg", "lowercase"),
        ("package_name", "a" * 41, "longer than 40"),
        ("project_slug", "", "not a valid distribution name"),
        ("project_slug", "-churn", "not a valid distribution name"),
        ("project_slug", "churn model", "not a valid distribution name"),
        ("project_slug", "../escape", "not a valid distribution name"),
        ("author_email", "nobody", "does not look like an address"),
        ("author_email", "a@b", "does not look like an address"),
        ("description", "two\nlines", "U+000A"),
        ("author_name", "bell\x07", "U+0007"),
        ("project_name", "   ", "empty"),
        ("author_name", "", "empty"),
        ("description", "Predicts churn. ", "whitespace"),
        ("author_name", "\u00a0DS Team", "whitespace"),
        ("description", "lone \udcff surrogate", "U+DCFF"),
        ("project_slug", "con", "Windows reserves"),
        ("project_slug", "aux.models", "Windows reserves"),
        ("project_slug", "LPT1", "Windows reserves"),
        ("package_name", "nul", "Windows reserves"),
        ("package_name", "com7", "Windows reserves"),
    ],
)
def test_bad_answer_is_named_with_its_rule(
    pre_gen: types.ModuleType, key: str, value: str, rule: str
) -> None:
    """Each broken rule gives one line that names the key, the value and the rule."""
    [problem] = pre_gen.problems({**GOOD, key: value})
    assert problem.startswith(f"{key} {value!r}")
    assert rule in problem


def test_emoji_survive_jsonify_round_trip() -> None:
    """Astral characters come back whole from the JSON the hook is rendered with."""
    context = {**GOOD, "description": "fast 🚀 model"}
    hook = load_hook("pre_gen_project", context)
    assert hook.text(hook.ANSWERS["description"]) == "fast 🚀 model"
    assert (
        hook.problems(
            {k: hook.text(v) if isinstance(v, str) else v for k, v in hook.ANSWERS.items()}
        )
        == []
    )


def test_hook_reads_a_context_without_private_keys() -> None:
    """cruft renders without _repo_dir/_output_dir: the hook must not need them."""
    context = {k: v for k, v in GOOD.items() if not k.startswith("_")}
    hook = load_hook("pre_gen_project", context)
    assert hook.problems(json.loads(json.dumps(hook.ANSWERS))) == []


def test_post_gen_removes_only_empty_folders(tmp_path: Path) -> None:
    """Folders an option emptied go; folders with any file (a user's) stay."""
    hook = load_hook("post_gen_project", GOOD)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "notes.txt").write_text("mine")
    removed = hook.remove_empty_dirs(tmp_path)
    assert not (tmp_path / ".github").exists()
    assert (tmp_path / "keep" / "notes.txt").read_text() == "mine"
    assert len(removed) == 2


def test_jinja_that_cookiecutter_evaluated_is_rejected(pre_gen: types.ModuleType) -> None:
    """An answer typed as Jinja ('{{ 7 * 6 }}') would silently become '42': it is refused."""
    typed = {**GOOD, "description": "Answers {{ 7 * 6 }}"}
    [problem] = pre_gen.problems({**GOOD, "description": "Answers 42"}, typed)
    assert problem.startswith("description 'Answers {{ 7 * 6 }}' is Jinja")
    assert "'Answers 42'" in problem


def test_a_package_name_made_from_a_refused_slug_is_not_refused_again(
    pre_gen: types.ModuleType,
) -> None:
    """The default package_name is made from project_slug: with the slug refused, one line
    names the answer to change; a package_name the user gave is still checked."""
    made = "{{ cookiecutter.project_slug | replace('-', '_') | replace('.', '_') }}"
    answers = {**GOOD, "project_slug": "bad slug", "package_name": "bad slug"}
    [problem] = pre_gen.problems(answers, {**answers, "package_name": made})
    assert problem.startswith("project_slug 'bad slug' is not a valid distribution name")
    given = pre_gen.problems(answers, answers)
    assert [p.split()[0] for p in given] == ["project_slug", "package_name"]


def test_plain_braces_and_unchanged_answers_pass(pre_gen: types.ModuleType) -> None:
    """Closing braces alone, and answers cookiecutter left unchanged, are not Jinja."""
    answers = {**GOOD, "description": "dict {'a': 1} }} %} #}"}
    assert pre_gen.problems(answers, answers) == []


def test_typed_answers_are_absent_under_cruft() -> None:
    """cruft renders without `_cookiecutter`: the hook reads no typed answers, and passes."""
    hook = load_hook("pre_gen_project", GOOD)
    assert hook.GIVEN == {}


FORBIDDEN = {"subprocess", "socket", "ssl", "urllib", "http", "ftplib", "smtplib", "shutil"}


@pytest.mark.parametrize("name", ["pre_gen_project", "post_gen_project"])
def test_hooks_import_only_the_stdlib_and_run_no_commands(name: str) -> None:
    """cruft re-runs the hooks on every update: they start no process, open no connection
    and remove nothing but empty folders (and, in the system temp folder, their own rendered
    copy, `me.unlink`, and the post-gen hook its note, `note.unlink`), so they cannot harm
    the user's project."""
    tree = ast.parse(hook_source(name, GOOD))
    imported = {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    imported |= {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
    assert not imported & FORBIDDEN
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    risky = ("os.system", "os.popen", "os.exec", "os.spawn", "os.remove", "os.unlink", "rmtree")
    removals = [c for c in calls if c.startswith(risky) or c.endswith((".unlink", ".rename"))]
    expected = ["me.unlink", "note.unlink"] if name == "post_gen_project" else ["me.unlink"]
    assert sorted(removals) == expected


def test_post_gen_prints_the_next_steps_only_for_cookiecutter(tmp_path: Path) -> None:
    """cookiecutter sets `_output_dir`: the hook then names the project's folder (from the
    user's shell folder when it is below it), make install, make check and the README.
    cruft's renders set none, update's temporary ones included: nothing is printed there."""
    assert load_hook("post_gen_project", GOOD).OUTPUT_DIR == ""
    hook = load_hook("post_gen_project", {**GOOD, "_output_dir": str(tmp_path)})
    output_dir = hook.OUTPUT_DIR
    assert output_dir == str(tmp_path)
    project = tmp_path / "projects" / "churn-model"
    below = hook.next_steps(project, str(tmp_path))
    assert "\n  cd projects/churn-model\n" in below
    assert "\n  make install " in below
    assert "\n  make check " in below
    assert "projects/churn-model/README.md has the rest" in below
    elsewhere = hook.next_steps(project, "/somewhere/else")
    assert f"\n  cd {project}\n" in elsewhere
    spaced = hook.next_steps(tmp_path / "my projects" / "churn-model", str(tmp_path))
    assert "\n  cd 'my projects/churn-model'\n" in spaced


@pytest.mark.parametrize("answers", [{}, {"project_name": "1 bad"}], ids=["render", "refused"])
def test_a_render_leaves_nothing_in_the_temp_folder(
    tmp_path: Path, answers: dict[str, str]
) -> None:
    """cookiecutter runs a rendered copy of each hook from the temp folder and never deletes
    it (the answers are in it); the hooks delete their copies, refused renders too."""
    temp = tmp_path / "temp"
    temp.mkdir()
    command = [
        str(Path(sys.executable).parent / "cookiecutter"),
        str(REPO / "templates" / "package"),
        "--no-input",
        "--output-dir",
        str(tmp_path / "out"),
        *(f"{key}={value}" for key, value in answers.items()),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, env=clean_env({"TMPDIR": str(temp)})
    )
    assert result.returncode == (1 if answers else 0), result.stderr
    assert list(temp.iterdir()) == []
