"""Hostile answers to the free-text prompts: refused before anything is written, or kept intact.

Every render of hostile text either fails with nothing left in the output folder (the pre-gen
hook names the value and the rule; cookiecutter itself refuses broken Jinja), or gives a project
whose every TOML/YAML/JSON/Python file parses, that ruff passes, whose names Windows can create,
and whose metadata carries each value exactly as typed.
"""

from __future__ import annotations

import ast
import json
import operator
import re
import tempfile
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import CookiecutterException, FailedHookException
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jinja2 import TemplateError

from tests.suite import (
    MENU,
    TEMPLATES_DIR,
    assert_ruff_clean,
    project_files,
    render,
    template_context,
)

READY = [t for t in MENU if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]
FREE_TEXT = ("project_name", "description", "author_name", "author_email")
JINJA = ("{{", "{%", "{#")
DIST_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$")
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')

# Quotes, escapes, Jinja, YAML/TOML/Markdown syntax, lookalikes, emoji: printable, mostly kept.
SPECIALS = [
    '"', "'", "\\", "\\\\", '"""', "'''", "\\n", "\\u0041", "\\x00", "{", "}", "{{", "}}",
    "{%", "%}", "{#", "#}", "[", "]", "[[", "]]", ":", ": ", "#", " #", "&", "*", "!", "|",
    ">", "<", "%", "@", "`", ",", "?", "-", "- ", "---", "...", "~", "=", "$", "${HOME}",
    "null", "true", "No", "0x1F", "1e3", " ", "\xa0", "\u200b", "\ufeff", "é", "e\u0301",
    "ß", "İ", "ﬁ", "Ω", "\u2013", "\u00d7", "\u2019", "数据", "🚀", "\U0001f469\u200d\U0001f4bb",
    "CON", "nul", "<b>", "</script>",
]  # fmt: skip
# Controls, line and paragraph separators, a lone surrogate: always refused.
CONTROLS = ["\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\udcff"]
PRINTABLE = st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))
PIECE = st.one_of(st.sampled_from(SPECIALS), st.text(PRINTABLE, max_size=6))
HOSTILE = st.one_of(
    st.lists(PIECE, max_size=10).map("".join),
    st.text(PRINTABLE),
    st.builds(operator.mul, st.text(PRINTABLE, min_size=1, max_size=5), st.integers(100, 3000)),
    st.just(""),
    st.lists(st.one_of(PIECE, st.sampled_from(CONTROLS)), min_size=1, max_size=6).map("".join),
    st.text(),
)
# Valid-looking addresses too, so hostile characters also reach the rendered email.
EMAILS = st.one_of(
    HOSTILE,
    st.builds(
        "{}@{}.{}".format, st.lists(PIECE, min_size=1, max_size=4).map("".join), PIECE, PIECE
    ),
    st.builds("{}@example.com".format, st.sampled_from(SPECIALS)),
)


def hostile_answers(template: str) -> st.SearchStrategy[dict[str, str]]:
    """One or two of the template's free-text prompts, answered with hostile text."""
    keys = [k for k in FREE_TEXT if k in template_context(template)]
    chosen = st.tuples(st.permutations(keys), st.integers(1, 2)).map(lambda t: t[0][: t[1]])
    return chosen.flatmap(
        lambda ks: st.fixed_dictionaries(
            {k: EMAILS if k == "author_email" else HOSTILE for k in ks}
        )
    )


def windows_unsafe_name(name: str) -> bool:
    """A device name, a forbidden character, or a trailing dot or space."""
    return bool(WINDOWS_RESERVED.match(name) or WINDOWS_FORBIDDEN.search(name)) or name.endswith(
        (".", " ")
    )


def windows_unsafe(project: Path) -> list[str]:
    """Names in the project (its own folder included) that Windows cannot create."""
    return [
        n for n in [project.name, *(p.name for p in project.rglob("*"))] if windows_unsafe_name(n)
    ]


def assert_files_parse(project: Path) -> None:
    """Every TOML/YAML/JSON file parses, every .py compiles, no line ends in whitespace."""
    for path in project_files(project):
        content = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            tomllib.loads(content)
        elif path.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(content))
        elif path.suffix in {".json", ".ipynb"}:
            json.loads(content)
        elif path.suffix == ".py":
            compile(content, str(path), "exec")
        assert not re.search(r"[ \t]+$", content, re.MULTILINE), f"trailing whitespace in {path}"


def settings_default(config: Path, field: str) -> object:
    """The default of a field of the generated `Settings` class, read from its source."""
    for node in ast.walk(ast.parse(config.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == field:
            assert node.value is not None
            return ast.literal_eval(node.value)
    raise AssertionError(f"{config} has no {field}")


def assert_values_intact(project: Path, answers: dict[str, str]) -> None:
    """pyproject, README, LICENSE and the settings carry each answer exactly as typed."""
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    readme = (project / "README.md").read_text(encoding="utf-8").splitlines()
    [package] = [p for p in (project / "src").iterdir() if p.is_dir()]
    if "project_name" in answers:
        assert readme[0] == f"# {answers['project_name']}"
        config = package / "ops" / "config.py"
        assert settings_default(config, "project_name") == answers["project_name"]
    if "description" in answers:
        assert meta["description"] == answers["description"]
        assert readme[2] == answers["description"]
    if "author_name" in answers:
        assert meta["authors"][0]["name"] == answers["author_name"]
        assert answers["author_name"] in (project / "LICENSE").read_text(encoding="utf-8")
    if "author_email" in answers:
        assert meta["authors"][0]["email"] == answers["author_email"]
    assert DIST_NAME.match(project.name), project.name
    assert package.name.isidentifier(), package.name
    assert package.name.isascii(), package.name


def check_hostile_render(
    template: str, answers: dict[str, str], capfd: pytest.CaptureFixture[str]
) -> None:
    """Render with hostile answers; assert a clean refusal or an intact, valid project."""
    capfd.readouterr()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        try:
            project = render(template, out, **answers)
        except FailedHookException:
            event("refused by the pre-gen hook")
            assert list(out.iterdir()) == [], "a refused render left files"
            errors = [
                line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")
            ]
            named = set(answers) | (
                {"project_slug", "package_name"} if "project_name" in answers else set()
            )
            assert errors, "the hook refused without saying why"
            assert {line.split()[1] for line in errors} <= named, errors
        except (TemplateError, CookiecutterException, RecursionError):
            # cookiecutter itself refuses only Jinja it cannot render (Jinja's parser recurses
            # once per "{" of an answer such as "{" * 218, and gives up at Python's limit)
            event("refused by cookiecutter")
            assert any(mark in value for value in answers.values() for mark in JINJA), answers
            assert list(out.iterdir()) == [], "a refused render left files"
        else:
            event("rendered")
            assert_files_parse(project)
            assert_values_intact(project, answers)
            assert windows_unsafe(project) == []
            assert_ruff_clean(project, "check")


@pytest.mark.parametrize("template", READY)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_hostile_free_text_is_refused_cleanly_or_kept_intact(
    template: str, data: st.DataObject, capfd: pytest.CaptureFixture[str]
) -> None:
    """Quotes, backslashes, braces, YAML/TOML syntax, controls, long and empty values."""
    check_hostile_render(template, data.draw(hostile_answers(template)), capfd)


@pytest.mark.slow
@pytest.mark.parametrize("template", READY)
@settings(  # 150 more per template: a render and ruff take ~0.8 s each on two busy cores
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_many_hostile_free_texts_are_refused_cleanly_or_kept_intact(
    template: str, data: st.DataObject, capfd: pytest.CaptureFixture[str]
) -> None:
    """The same property over many more examples."""
    check_hostile_render(template, data.draw(hostile_answers(template)), capfd)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Café Müller", "cafe-muller"),
        ("Ærøskøbing Ølbryggeri", "aeroskobing-olbryggeri"),
        ("Straße 2", "strasse-2"),
        ("数据模型", "shu-ju-mo-xing"),
        ("Ελληνικό Μοντέλο", "elleniko-montelo"),
        ("Привет, мир", "privet-mir"),
        ("İstanbul Çay", "istanbul-cay"),
        ("Zoë\u2019s model \u2013 v2", "zoes-model-v2"),
    ],
)
@pytest.mark.parametrize("template", READY)
def test_non_ascii_project_name_gets_an_ascii_slug_and_package(
    template: str, name: str, slug: str, out: Path
) -> None:
    """Letters of any script are transliterated into the folder and package names; the
    name itself stays as typed in README and settings, and ruff accepts the project."""
    project = render(template, out, project_name=name)
    assert project.name == slug
    assert (project / "src" / slug.replace("-", "_")).is_dir()
    assert_values_intact(project, {"project_name": name})
    assert windows_unsafe(project) == []
    assert_ruff_clean(project, "check")


@pytest.mark.parametrize("name", ["Con", "aux", "NUL", "Com1", "lpt9."])
def test_windows_device_name_is_refused(
    name: str, out: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A name Windows reserves for a device would give a folder Windows cannot create."""
    with pytest.raises(FailedHookException):
        render(READY[0], out, project_name=name)
    assert "is a device name Windows reserves" in capfd.readouterr().err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("template", READY)
def test_free_text_defaults_are_plain_text(template: str) -> None:
    """The hook tells a user's Jinja from cookiecutter's by comparing typed and rendered
    answers, which holds only while the free-text defaults contain no Jinja."""
    context = template_context(template)
    for key in FREE_TEXT:
        assert not any(mark in str(context.get(key, "")) for mark in JINJA), key


def test_the_template_repository_can_be_checked_out_on_windows() -> None:
    """git cannot check out a name with <>:"|?* on Windows, so cookiecutter and cruft could
    not clone the templates there: conditions in file names use single quotes."""
    paths = [*TEMPLATES_DIR.rglob("*"), *(TEMPLATES_DIR.parent / "hooks").rglob("*")]
    assert [str(p) for p in paths if windows_unsafe_name(p.name)] == []


def test_the_fixed_part_of_every_conditional_file_name_is_windows_safe() -> None:
    """'{% if ... %}con.py{% endif %}' would render a name Windows cannot create."""
    fixed = [re.sub(r"\{%.*?%\}", "", p.name) for p in TEMPLATES_DIR.rglob("*") if "{%" in p.name]
    assert fixed, "no conditional file names found"
    assert [name for name in fixed if name and windows_unsafe_name(name)] == []
