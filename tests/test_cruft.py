"""Projects take template improvements with cruft: create, check and update keep the user's work.

cruft runs in-process through its own command line (typer's test runner), so the exact
commands of docs/cruft.md are exercised without paying cruft's start-up on every call.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from cruft._cli import app
from typer.testing import CliRunner, Result

from tests.suite import MENU, REPO, TEMPLATES_DIR, render, run

READY = [t for t in MENU if (TEMPLATES_DIR / t / "cookiecutter.json").exists()]
MARKER = "template-update-marker"
USER_LINE = "# Our team's note, kept across template updates.\n"


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git identity of its own; the user's global and system git config are not read."""
    config = tmp_path / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Suite")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "suite@example.com")


def cruft(*args: str | Path) -> Result:
    """Run a cruft command line in-process; return its result (exit code and output)."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def commit_all(repo: Path, message: str) -> str:
    """Stage and commit everything in `repo`; return the new commit's hash."""
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", message], repo)
    return run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


def template_repo(dest: Path) -> Path:
    """This repository's menu, hooks and templates (symlinks kept), as a fresh git repository."""
    ignore = shutil.ignore_patterns("__pycache__", ".*_cache")
    dest.mkdir()
    shutil.copy2(REPO / "cookiecutter.json", dest)
    for name in ("hooks", "templates"):
        shutil.copytree(REPO / name, dest / name, symlinks=True, ignore=ignore)
    run(["git", "init", "-q"], dest)
    commit_all(dest, "Templates v1")
    return dest


def file_to_change(template_dir: Path) -> Path:
    """The template's longest plain Python file: neither a Jinja file name nor an `extends`."""
    candidates = [
        p
        for p in (template_dir / "{{cookiecutter.project_slug}}").rglob("*.py")
        if "{%" not in p.name and "{% extends" not in p.read_text()
    ]
    return max(candidates, key=lambda p: (len(p.read_text().splitlines()), str(p)))


def rendered_path(template_file: Path, template_dir: Path, context: dict[str, str]) -> Path:
    """Where a template file lands in the project, given the answers in .cruft.json."""
    relative = template_file.relative_to(template_dir / "{{cookiecutter.project_slug}}").as_posix()
    return Path(re.sub(r"\{\{\s*cookiecutter\.(\w+)\s*\}\}", lambda m: context[m[1]], relative))


@pytest.mark.slow
@pytest.mark.parametrize("template", READY)
@pytest.mark.usefixtures("git_env")
def test_cruft_update_brings_template_changes_and_keeps_the_users_edits(
    template: str, tmp_path: Path
) -> None:
    """A change to a shared partial and to a template file reaches a project made with
    `cruft create`, merged with the user's own edits: no .rej files, nothing else touched."""
    repo = template_repo(tmp_path / "templates-repo")
    links = run(
        ["git", "ls-files", "-s", f"templates/{template}/templates", f"templates/{template}/hooks"],
        repo,
    )
    assert [line.split()[0] for line in links.stdout.splitlines()] == ["120000", "120000"], (
        "not symlinks"
    )
    created = cruft(
        "create",
        repo,
        "--directory",
        f"templates/{template}",
        "--no-input",
        "--output-dir",
        tmp_path,
    )
    assert created.exit_code == 0, created.output
    [project] = [p for p in tmp_path.iterdir() if (p / ".cruft.json").exists()]
    state = json.loads((project / ".cruft.json").read_text())
    assert state["directory"] == f"templates/{template}"
    assert "_repo_dir" not in state["context"]["cookiecutter"]
    run(["git", "init", "-q"], project)
    commit_all(project, "Start from the template")
    up_to_date = cruft("check", "--project-dir", project)
    assert up_to_date.exit_code == 0, up_to_date.output

    # The template team improves a shared partial and one template file.
    template_dir = repo / "templates" / template
    changed = file_to_change(template_dir)
    with changed.open("a") as f:
        f.write(f"# {MARKER}\n")
    with (repo / "templates" / "shared" / "gitignore.j2").open("a") as f:
        f.write(f"{MARKER}/\n")
    new_commit = commit_all(repo, "Templates v2")

    # Meanwhile the user edits the same file (at its other end) and adds one of their own.
    edited = project / rendered_path(changed, template_dir, state["context"]["cookiecutter"])
    edited.write_text(USER_LINE + edited.read_text())
    (project / "docs").mkdir(exist_ok=True)
    (project / "docs" / "decisions.md").write_text("# Decisions\n\nOurs.\n")
    commit_all(project, "Our work")

    out_of_date = cruft("check", "--project-dir", project)
    assert out_of_date.exit_code == 1
    assert "out of date" in out_of_date.output

    updated = cruft("update", "--project-dir", project, "--skip-apply-ask")
    assert updated.exit_code == 0, updated.output

    assert not list(project.rglob("*.rej")), "cruft left rejected hunks"
    assert edited.read_text().startswith(USER_LINE), "the user's edit was lost"
    assert edited.read_text().endswith(f"# {MARKER}\n"), "the template file change did not arrive"
    assert (project / ".gitignore").read_text().endswith(f"{MARKER}/\n"), (
        "the partial change did not arrive"
    )
    assert (project / "docs" / "decisions.md").read_text() == "# Decisions\n\nOurs.\n"
    status = run(["git", "status", "--porcelain"], project).stdout.splitlines()
    assert sorted(line[3:] for line in status) == sorted(
        [".cruft.json", ".gitignore", edited.relative_to(project).as_posix()]
    )
    assert json.loads((project / ".cruft.json").read_text())["commit"] == new_commit
    after = cruft("check", "--project-dir", project)
    assert after.exit_code == 0, after.output
    assert "up to date" in after.output


@pytest.mark.parametrize("template", READY)
def test_generated_ci_runs_cruft_check_only_as_a_warning(template: str, out: Path) -> None:
    """CI runs `cruft check` when .cruft.json exists, and its failure never fails the pipeline."""
    github = render(template, out / "github", ci_provider="github")
    steps = yaml.safe_load((github / ".github/workflows/ci.yml").read_text())["jobs"]["check"][
        "steps"
    ]
    [step] = [s for s in steps if "cruft check" in s.get("run", "")]
    assert step["if"] == "hashFiles('.cruft.json') != ''"
    assert step["continue-on-error"] is True

    gitlab = render(template, out / "gitlab", ci_provider="gitlab")
    jobs = yaml.safe_load((gitlab / ".gitlab-ci.yml").read_text())
    [job] = [
        j
        for j in jobs.values()
        if isinstance(j, dict) and "cruft check" in " ".join(j.get("script", []))
    ]
    assert job["allow_failure"] is True
    assert job["rules"] == [{"exists": [".cruft.json"]}]
    assert "git" in " ".join(jobs[".uv"]["before_script"]), "cruft clones the template with git"


@pytest.mark.parametrize("template", READY)
def test_template_links_are_symlinks_to_the_shared_partials_and_hooks(template: str) -> None:
    """Each template reaches the partials, the hooks and its Jinja extension through relative
    symlinks, which git stores and cruft's clone restores, so `--directory templates/<name>`
    renders alone."""
    root = TEMPLATES_DIR / template
    links = {
        "templates": TEMPLATES_DIR / "shared",
        "hooks": REPO / "hooks",
        "mlops_templates_cache.py": TEMPLATES_DIR / "shared" / "mlops_templates_cache.py",
    }
    for link, target in links.items():
        assert (root / link).is_symlink(), f"{template}/{link} is not a symlink"
        assert not Path((root / link).readlink()).is_absolute(), f"{template}/{link} is absolute"
        assert (root / link).resolve() == target.resolve()
