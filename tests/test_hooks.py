"""Unit tests of the hooks, run on their source exactly as cookiecutter renders it."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
from cookiecutter.environment import StrictEnvironment

from tests.suite import REPO

GOOD = {
    "project_name": "Churn Model",
    "project_slug": "churn-model",
    "package_name": "churn_model",
    "description": "Predicts churn.",
    "author_name": "DS Team",
    "author_email": "ds@example.com",
    "_reserved_names": ["fastapi", "kfp"],
}


def load_hook(name: str, context: dict[str, object]) -> types.ModuleType:
    """Render a hook with cookiecutter's own Jinja environment and import the result."""
    source = (REPO / "hooks" / f"{name}.py").read_text()
    env = StrictEnvironment(context={"cookiecutter": context})
    module = types.ModuleType(name)
    exec(
        compile(env.from_string(source).render(cookiecutter=context), name, "exec"), module.__dict__
    )
    return module


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
