"""Bad answers and unsafe re-renders fail cleanly and lose nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suite import render, render_cli


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
    ],
    ids=["stdlib", "keyword", "identifier", "slug", "email", "emoji-only-name"],
)
def test_bad_name_exits_non_zero_with_one_clear_line_and_no_directory(
    answers: dict[str, str], message: str, out: Path
) -> None:
    """The pre-gen hook names the value and the rule; nothing is left in the output folder."""
    result = render_cli("package", out, **answers)
    assert result.returncode != 0
    assert message in result.stderr
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
