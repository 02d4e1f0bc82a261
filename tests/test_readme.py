"""Each generated README documents every setting of the project's Settings class."""

from __future__ import annotations

import ast

import pytest

from tests.suite import MENU, TEMPLATES_DIR, option_matrix, rendered

READY = [t for t in MENU if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]


def settings_fields(source: str) -> list[str]:
    """Names of the annotated fields of `class Settings` (model_config excluded)."""
    tree = ast.parse(source)
    [settings] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings"]
    return [
        node.target.id
        for node in settings.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id != "model_config"
    ]


@pytest.mark.parametrize("template", READY)
def test_readme_configuration_table_lists_every_setting(template: str) -> None:
    """For every option combination, each Settings field has a row in the README's table."""
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        config = next(project.glob("src/*/ops/config.py"))
        readme = (project / "README.md").read_text()
        fields = settings_fields(config.read_text())
        assert fields, "no settings found"
        missing = [f for f in fields if f"| `{f}` |" not in readme]
        assert not missing, f"{template} {answers}: README lacks {missing}"
