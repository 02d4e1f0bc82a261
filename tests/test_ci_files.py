"""Every generated CI file is valid against its provider's published JSON schema (offline)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.suite import MENU, REPO, TEMPLATES_DIR, option_matrix, rendered

READY = [t for t in MENU if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]
# check-jsonschema ships the schemas, so validation needs no network.
SCHEMAS = {
    ".github/workflows/ci.yml": "vendor.github-workflows",
    ".github/dependabot.yml": "vendor.dependabot",
    ".gitlab-ci.yml": "vendor.gitlab-ci",
    "renovate.json": "vendor.renovate",
}
CHECK = str(Path(sys.executable).parent / "check-jsonschema")


def validate(paths: list[Path], schema: str) -> None:
    """One check-jsonschema call for all files of a schema (its start-up costs a second)."""
    result = subprocess.run(
        [CHECK, "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout}{result.stderr}"


@pytest.mark.parametrize("template", READY)
def test_generated_ci_files_match_their_schema(template: str, tmp_path: Path) -> None:
    """Each option combination's workflow / pipeline file validates against the schema."""
    found: dict[str, list[Path]] = {schema: [] for schema in SCHEMAS.values()}
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        for relative, schema in SCHEMAS.items():
            if (project / relative).exists():
                found[schema].append(project / relative)
    for schema, paths in found.items():
        assert paths, f"the matrix rendered no file for {schema}"
        validate(paths, schema)


def test_the_suites_own_workflow_matches_the_schema() -> None:
    """The suite's GitHub Actions workflows validate against the schema too."""
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert workflows
    validate(workflows, "vendor.github-workflows")


@pytest.mark.parametrize("template", READY)
def test_generated_dockerfiles_pass_hadolint(template: str, tmp_path: Path) -> None:
    """hadolint finds nothing at warning level in any rendered Dockerfile."""
    dockerfiles = []
    for answers in option_matrix(template):
        project = rendered(template, **answers)
        dockerfiles += list(project.glob("Dockerfile"))
    if template in ("package", "api"):
        assert dockerfiles, "the api, and the package with cli=yes, render a Dockerfile"
    hadolint = str(Path(sys.executable).parent / "hadolint")
    for dockerfile in dockerfiles:
        result = subprocess.run(
            [hadolint, "--failure-threshold", "warning", str(dockerfile)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{dockerfile}:\n{result.stdout}{result.stderr}"
