"""Bad answers and unsafe re-renders fail cleanly and lose nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException, OutputDirExistsException

from tests.suite import MENU, TEMPLATES_DIR, load_hook, render, render_cli

READY = [t for t in MENU if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"package_name": "logging"}, "package_name 'logging' shadows the standard library"),
        ({"package_name": "import"}, "package_name 'import' is a Python keyword"),
        ({"package_name": "9lives"}, "package_name '9lives' is not a valid Python identifier"),
        (
            {"project_slug": "bad slug!"},
            "project_slug 'bad slug!' is not a valid distribution name",
        ),
        (
            {"author_email": "not-an-email"},
            "author_email 'not-an-email' does not look like an address",
        ),
        ({"project_name": "🚀🚀"}, "project_name '🚀🚀' has no ASCII letter or digit"),
        ({"description": "{{ 6 * 7 }}"}, "description '{{ 6 * 7 }}' is Jinja"),
        ({"project_name": "Con"}, "project_slug 'con' is a device name Windows reserves"),
    ],
    ids=["stdlib", "keyword", "identifier", "slug", "email", "emoji-only-name", "jinja", "device"],
)
def test_bad_name_exits_non_zero_with_one_clear_line_and_no_directory(
    answers: dict[str, str], message: str, out: Path
) -> None:
    """The pre-gen hook names the value and the rule, in the last lines (after it, only
    cookiecutter's two lines saying it stopped: no traceback); nothing is left in the output
    folder."""
    result = render_cli("package", out, **answers)
    assert result.returncode != 0
    shown = (result.stdout + result.stderr).strip().splitlines()
    assert any(message in line for line in shown[-3:]), shown
    assert "Traceback" not in result.stdout + result.stderr
    assert list(out.iterdir()) == []


def test_jinja_in_an_answer_is_rejected_before_anything_is_written(out: Path) -> None:
    """Cookiecutter renders answers as Jinja: a stray '{{' fails before any file exists.

    The message is cookiecutter's own (a TemplateSyntaxError): the hooks never see the value.
    """
    result = render_cli("package", out, description="uses {{ braces")
    assert result.returncode != 0
    assert "TemplateSyntaxError" in result.stderr
    assert list(out.iterdir()) == []


def test_existing_directory_is_refused_without_overwrite(out: Path) -> None:
    """Rendering over an existing project fails clearly unless overwrite is asked for."""
    assert render_cli("package", out).returncode == 0
    (out / "my-library" / "notes.md").write_text("mine")
    again = render_cli("package", out)
    assert again.returncode != 0
    assert "already exists" in again.stderr + again.stdout
    assert (out / "my-library" / "notes.md").read_text() == "mine"


def test_overwrite_keeps_the_users_own_files(out: Path) -> None:
    """With overwrite (-f) the template's files are refreshed and the user's files stay."""
    project = render("package", out)
    (project / "notes.md").write_text("mine")
    (project / "src" / "my_library" / "model.py").write_text("X = 1\n")
    render("package", out, overwrite=True)
    assert (project / "notes.md").read_text() == "mine"
    assert (project / "src" / "my_library" / "model.py").read_text() == "X = 1\n"


def test_overwrite_keeps_the_users_empty_folders(out: Path) -> None:
    """The post-gen tidy-up removes only the empty folders this render left, not the user's."""
    project = render("package", out, ci_provider="none")
    assert not (project / ".github").exists()  # emptied by the option: removed
    (project / "data" / "raw").mkdir(parents=True)
    (project / "notebooks").mkdir()
    render("package", out, overwrite=True, ci_provider="none")
    assert (project / "data" / "raw").is_dir()
    assert (project / "notebooks").is_dir()
    assert not (project / ".github").exists()
    # The hooks' note of the user's empty folders is read once and removed.
    note = load_hook("post_gen_project", {"project_slug": project.name}).existing_empty_folders_file
    assert not note(project, Path(tempfile.gettempdir())).exists()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below root and its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def user_project(template: str, out: Path, **answers: str) -> Path:
    """A rendered project the user has since worked in: a file and a folder of their own."""
    project = render(template, out, **answers)
    (project / "notes.md").write_text("mine")
    (project / "data").mkdir(exist_ok=True)  # a template may ship data/ (pipeline: a sample)
    (project / "data" / "train.csv").write_text("x,y\n1,2\n")
    return project


@pytest.mark.parametrize("template", READY)
def test_render_over_an_existing_project_changes_nothing_without_overwrite(
    template: str, out: Path
) -> None:
    """Without overwrite the render stops with 'already exists' and touches no file."""
    project = user_project(template, out)
    before = snapshot(project)
    with pytest.raises(OutputDirExistsException, match="already exists"):
        render(template, out, description="Something else.")
    assert snapshot(project) == before


@pytest.mark.parametrize("template", READY)
def test_overwrite_with_an_option_switched_off_deletes_nothing(template: str, out: Path) -> None:
    """Re-rendering with ci_provider=none (which generates no workflow) keeps the user's
    files, and the old workflow too: an overwrite never deletes, cruft update does that."""
    project = user_project(template, out, ci_provider="github")
    render(template, out, overwrite=True, ci_provider="none")
    assert (project / "notes.md").read_text() == "mine"
    assert (project / "data" / "train.csv").read_text() == "x,y\n1,2\n"
    assert (project / ".github" / "workflows" / "ci.yml").exists()
    assert "No CI file was generated" in (project / "README.md").read_text()


@pytest.mark.parametrize("template", READY)
def test_refused_overwrite_leaves_the_existing_project_whole(template: str, out: Path) -> None:
    """When the pre-gen hook refuses an overwrite, cookiecutter must not remove the folder
    it did not create: every file, the user's and the template's, is still there."""
    project = user_project(template, out)
    before = snapshot(project)
    with pytest.raises(FailedHookException):
        render(template, out, overwrite=True, author_email="not-an-email")
    assert snapshot(project) == before
