"""Fast tier: every template over its option matrix renders into files that parse."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import hcl2
import pytest
import yaml
from cookiecutter.environment import StrictEnvironment
from jinja2 import FileSystemLoader

from tests.suite import (
    MENU,
    TEMPLATES_DIR,
    assert_ruff_clean,
    choices,
    option_matrix,
    project_files,
    render,
    rendered,
    template_context,
)

READY = [t for t in MENU if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]
CASES = [(t, answers) for t in READY for answers in option_matrix(t)]
LEFTOVER_JINJA = re.compile(r"\{\{-?\s*cookiecutter|\{%-?\s|\s-?%\}|\{#-?\s")
COMMON_PROMPTS = [
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "author_name",
    "author_email",
    "python_version",
    "license",
    "ci_provider",
]


def case_id(case: tuple[str, dict[str, str]]) -> str:
    template, answers = case
    return template + "-" + "-".join(answers.values())


def expected_presence(template: str, answers: dict[str, str]) -> dict[str, bool]:
    """Files an option switches on or off, and whether they must exist."""
    package = "src/PKG"
    rules = {
        ".github/workflows/ci.yml": answers.get("ci_provider") == "github",
        ".github/dependabot.yml": answers.get("ci_provider") == "github",
        ".gitlab-ci.yml": answers.get("ci_provider") == "gitlab",
        "renovate.json": answers.get("ci_provider") == "gitlab",
        "LICENSE": True,
        "README.md": True,
        ".pre-commit-config.yaml": True,
        f"{package}/ops/config.py": True,
        f"{package}/ops/logging.py": True,
        f"{package}/ops/tracking.py": answers.get("tracking") == "clearml",
        f"{package}/py.typed": True,
    }
    if template == "package":
        rules[f"{package}/cli.py"] = answers["cli"] == "yes"
        rules["tests/test_cli.py"] = answers["cli"] == "yes"
    if template == "api":
        clearml = answers.get("tracking") == "clearml"
        rules["tests/test_tracking.py"] = clearml
        rules["tests/test_tracking_lineage.py"] = clearml
        for always in ("Dockerfile", ".dockerignore", ".gcloudignore", f"{package}/serve.py"):
            rules[always] = True
    if template in {"pipeline", "api"}:
        rules[f"{package}/framework.py"] = True
        rules["tests/test_skops.py"] = answers["framework"] == "scikit-learn"
    infra = template in {"pipeline", "api"}
    ci = answers.get("ci_provider", "none")
    for always in (
        "infra/versions.tf",
        "infra/backend.tf",
        "infra/variables.tf",
        "infra/main.tf",
        "infra/iam.tf",
        "infra/outputs.tf",
        "infra/modules/identity/main.tf",
        "infra/modules/storage/main.tf",
        "infra/modules/registry/main.tf",
        "infra/modules/monitoring/main.tf",
        "infra/tools/pyproject.toml",
        "infra/tools/uv.lock",
        "tests/test_infra.py",
    ):
        rules[always] = infra
    rules["infra/ci.tf"] = infra and ci != "none"
    rules["infra/modules/ci/main.tf"] = infra and ci != "none"
    rules["infra/modules/ci/github.tf"] = infra and ci == "github"
    rules["infra/modules/ci/gitlab.tf"] = infra and ci == "gitlab"
    # Cloud Build builds the api's image, and the pipeline's on GitLab (GitHub's runner
    # builds it with docker).
    rules["infra/build.tf"] = template == "api" or (template == "pipeline" and ci == "gitlab")
    rules["infra/modules/serving/main.tf"] = template == "api"
    rules["infra/modules/monitoring/serving.tf"] = template == "api"
    rules["infra/modules/monitoring/sink.tf"] = template == "api"
    rules["infra/modules/scheduling/main.tf"] = template == "pipeline"
    rules["infra/modules/monitoring/drift.tf"] = template == "pipeline"
    if template == "pipeline":
        rules["tests/test_step_tracking.py"] = answers["tracking"] == "clearml"
        rules["Dockerfile"] = True
        rules["data/sample.csv"] = True
        rules["notebooks/explore.ipynb"] = True
    return rules


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_render_parses_and_has_the_options_files(
    case: tuple[str, dict[str, str]], out: Path
) -> None:
    """No Jinja left, every TOML/YAML/JSON/HCL parses, every .py compiles, option files exist or
    not."""
    template, answers = case
    project = rendered(template, **answers)
    package_dir = next((project / "src").iterdir())
    for path in project_files(project):
        text = path.read_text(encoding="utf-8")
        assert not LEFTOVER_JINJA.search(text), f"Jinja left in {path}"
        if path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(text))
        elif path.suffix in {".json", ".ipynb"}:
            json.loads(text)
        elif path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix == ".tf":
            hcl2.loads(text)
        assert text.endswith("\n") or not text, f"{path} does not end with a newline"
        assert not re.search(r"[ \t]+$", text, re.MULTILINE), f"trailing whitespace in {path}"
    for relative, present in expected_presence(template, answers).items():
        path = project / relative.replace("src/PKG", f"src/{package_dir.name}")
        assert path.exists() == present, f"{relative}: expected present={present}"
    assert not [p for p in project.rglob("*") if p.is_dir() and not any(p.iterdir())], (
        "empty folders left"
    )


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_render_is_lint_and_format_clean(case: tuple[str, dict[str, str]], out: Path) -> None:
    """ruff check and ruff format --check pass with the project's own configuration."""
    template, answers = case
    assert_ruff_clean(rendered(template, **answers))


@pytest.mark.parametrize("template", READY)
def test_longest_allowed_names_stay_format_clean(template: str, out: Path) -> None:
    """A 40-character package name (the maximum) still gives code ruff format leaves alone."""
    name = "a_" + "very_long_package_name_" * 2
    name = name[:40]
    project = render(
        template, out, project_name="Long", project_slug=name.replace("_", "-"), package_name=name
    )
    assert_ruff_clean(project, "format")


HOSTILE = {
    "project_name": 'Zoë\'s "Q\\A" {model}: #1 & <b>',
    "description": "Quotes \" ' and \\ backslashes, : colons, # hashes, [brackets], {braces}, 🚀 ünïcödé",
    "author_name": 'O\'Brien, "Dr." \\ Ångström',
}


@pytest.mark.parametrize("template", READY)
def test_hostile_free_text_survives_intact(template: str, out: Path) -> None:
    """Quotes, backslashes, YAML/TOML specials and non-ASCII reach the metadata unchanged."""
    project = render(template, out, **HOSTILE)
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert meta["description"] == HOSTILE["description"]
    assert meta["authors"][0]["name"] == HOSTILE["author_name"]
    assert (project / "README.md").read_text().splitlines()[0] == f"# {HOSTILE['project_name']}"
    assert project.name == "zoe-s-q-a-model-1-b"


def test_menu_lists_the_three_templates_with_titles() -> None:
    """The root cookiecutter.json is the nested-template menu of pipeline, api and package."""
    assert list(MENU) == ["pipeline", "api", "package"]
    for name, entry in MENU.items():
        assert entry["title"]
        assert entry["description"]
        assert (TEMPLATES_DIR.parent / entry["path"]).resolve() == (TEMPLATES_DIR / name).resolve()


@pytest.mark.parametrize("template", READY)
def test_every_prompt_has_a_human_question(template: str) -> None:
    """Each public key is asked with a question; derived values are private keys."""
    context = template_context(template)
    prompts = context["__prompts__"]
    public = [k for k in context if not k.startswith("_")]
    assert public[: len(COMMON_PROMPTS)] == COMMON_PROMPTS
    assert set(public) == set(prompts)
    for key, values in choices(template).items():
        assert set(values) <= set(prompts[key]) - {"__prompt__"}, key


@pytest.mark.parametrize("template", READY)
def test_default_description_reads_naturally(template: str) -> None:
    """The suggested description is a sentence a user keeps: "... for the team.", not the
    "... of the team." it once was."""
    description = template_context(template)["description"]
    assert description[0].isupper(), description
    assert description.endswith("."), description
    assert "for the team" in description
    assert "of the team" not in description


def test_api_tracking_prompt_says_what_tracking_means_for_a_service() -> None:
    """A serving project tracks no experiments itself: the question says tracking is for the
    jobs beside the service, so nobody expects the service to log runs."""
    question = template_context("api")["__prompts__"]["tracking"]["__prompt__"]
    assert "beside the service" in question
    assert "service itself tracks nothing" in question


def test_common_prompts_are_the_same_in_every_template() -> None:
    """The prompts all templates share have the same defaults and questions everywhere."""
    contexts = {t: template_context(t) for t in READY}
    first = contexts[READY[0]]
    for template, context in contexts.items():
        for key in COMMON_PROMPTS:
            if key == "project_name" or key == "description":
                continue  # each template suggests its own name and description
            assert context[key] == first[key], f"{template}: {key}"
            assert context["__prompts__"][key] == first["__prompts__"][key], f"{template}: {key}"


@pytest.mark.parametrize("template", READY)
def test_every_dependency_is_a_reserved_package_name(template: str, out: Path) -> None:
    """The pre-gen hook's list of names a package must not shadow covers every dependency."""
    reserved = set(template_context(template)["_reserved_names"])
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
        requirements = list(meta["dependencies"])
        for extra in meta.get("optional-dependencies", {}).values():
            requirements += extra
        for requirement in requirements:
            name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("-", "_")
            top = name.split("_")[0] if name.startswith(("google_", "uvicorn")) else name
            assert name in reserved or top in reserved, f"{template}: {name} not in _reserved_names"


def test_pipeline_without_tracking_never_mentions_it(out: Path) -> None:
    """With tracking=none the steps and components have no trace of tracking: no import,
    no `track()`, no dead branch."""
    project = render("pipeline", out, tracking="none")
    mentions = [
        str(path.relative_to(project))
        for path in (project / "src").rglob("*.py")
        if re.search(r"\btrack", path.read_text(encoding="utf-8"))
    ]
    assert mentions == []


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_render_cache_changes_no_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jinja's compiled templates are kept between renders (mlops_templates_cache.py): a
    render from the cache, one that fills it and one that cannot keep it are the same files."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MLOPS_TEMPLATES_CACHE", str(cache))
    first = tree_bytes(render("pipeline", tmp_path / "cold"))
    kept = list(cache.iterdir())
    assert len(kept) > 100  # the files, their partials, the paths, the answers and the hooks
    assert tree_bytes(render("pipeline", tmp_path / "warm")) == first
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("MLOPS_TEMPLATES_CACHE", str(tmp_path / "not-a-folder" / "jinja"))
    assert tree_bytes(render("pipeline", tmp_path / "uncached")) == first


def test_an_edited_template_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached entry is used only for the very source it was compiled from."""
    monkeypatch.setenv("MLOPS_TEMPLATES_CACHE", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(TEMPLATES_DIR / "shared"))
    (tmp_path / "t").mkdir()
    page = tmp_path / "t" / "page.txt"

    def rendered_page() -> str:
        context = {"cookiecutter": {"_extensions": ["mlops_templates_cache.RenderCache"]}}
        env = StrictEnvironment(context=context, loader=FileSystemLoader(str(tmp_path / "t")))
        return env.get_template("page.txt").render(x=1) + env.from_string(page.read_text()).render(
            x=2
        )

    page.write_text("a{{ x }}")
    assert rendered_page() == "a1a2"
    page.write_text("b{{ x }}")
    assert rendered_page() == "b1b2"
