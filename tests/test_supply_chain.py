"""Fast tier: the generated CI's supply chain, for every template and CI provider.

An audit of the locked dependencies (`make audit`: pip-audit over `uv export`), a CycloneDX
SBOM of each image CI builds, and a dependency-update configuration (Dependabot on GitHub,
Renovate on GitLab) for the locks and the CI's own actions and tools. The files' schemas
are checked with the other CI files (tests/test_ci_files.py).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from tests.suite import MENU, clean_env, rendered

CASES = [(t, ci) for t in MENU for ci in ("github", "gitlab")]
IMAGES_BUILT_IN_CI = {"pipeline", "api"}


def case_id(case: tuple[str, str]) -> str:
    return "-".join(case)


def ci_config(template: str, ci: str) -> dict:
    project = rendered(template, ci_provider=ci)
    path = ".github/workflows/ci.yml" if ci == "github" else ".gitlab-ci.yml"
    loaded: dict = yaml.safe_load((project / path).read_text())
    return loaded


def commands(config: dict, ci: str) -> dict[str, str]:
    """Each job's commands and actions, as one text per job."""
    if ci == "github":
        return {
            name: "\n".join(
                f"{step.get('uses', '')} {json.dumps(step.get('with', {}))} {step.get('run', '')}"
                for step in job.get("steps", [])
            )
            for name, job in config["jobs"].items()
        }
    return {
        name: "\n".join(job.get("script", []))
        for name, job in config.items()
        if isinstance(job, dict) and "script" in job
    }


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ci_audits_the_locked_dependencies(case: tuple[str, str]) -> None:
    """A job of its own runs `make audit` on every push and pull or merge request."""
    jobs = commands(ci_config(*case), case[1])
    assert any("make audit" in text for text in jobs.values()), jobs


@pytest.mark.parametrize("template", sorted(MENU))
def test_make_audit_looks_up_the_locks_as_exported(template: str) -> None:
    """`make audit` exports the lock as pinned requirements (no resolution) and has pip-audit
    look each one up; the infra checks' own lock too where there is one."""
    project = rendered(template)
    done = subprocess.run(
        ["make", "-n", "audit"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(),
    )
    exports = re.findall(r"uv\S* export --frozen[^\n]*", done.stdout)
    audits = re.findall(
        r"pip-audit@[\d.]+ --requirement \S+ --no-deps --disable-pip --strict", done.stdout
    )
    expected = 2 if (project / "infra" / "tools" / "uv.lock").exists() else 1
    assert (len(exports), len(audits)) == (expected, expected), done.stdout
    assert any("--project infra/tools" in e for e in exports) == (expected == 2)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in IMAGES_BUILT_IN_CI], ids=case_id)
def test_every_image_ci_builds_gets_a_cyclonedx_sbom(case: tuple[str, str]) -> None:
    """The job that pushes an image, or one that follows it, writes its SBOM (CycloneDX) and
    keeps it with the run."""
    template, ci = case
    config = ci_config(template, ci)
    jobs = commands(config, ci)
    if ci == "github":
        [sbom] = [text for text in jobs.values() if "anchore/sbom-action" in text]
        assert '"format": "cyclonedx-json"' in sbom
        assert "artifact-name" in sbom
        assert "docker push" in sbom or "make image-push" in sbom  # the same job pushed it
    else:
        sbom = config["image-sbom"]
        assert "cyclonedx-json" in "\n".join(sbom["script"])
        assert sbom["artifacts"]["paths"] == ["sbom.cdx.json"]
        [pusher] = sbom["needs"]
        assert "builds submit" in jobs[pusher] or "make image-push" in jobs[pusher]


@pytest.mark.parametrize("template", sorted(MENU))
def test_dependabot_updates_every_lock_and_the_actions(template: str) -> None:
    """Dependabot proposes updates of each uv.lock the project has and of its workflows'
    actions."""
    project = rendered(template, ci_provider="github")
    config = yaml.safe_load((project / ".github" / "dependabot.yml").read_text())
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"uv", "github-actions"}
    locks = {"/" + str(p.parent.relative_to(project)).strip(".") for p in project.rglob("uv.lock")}
    assert {d.rstrip("/") or "/" for d in updates["uv"]["directories"]} == {
        lock.rstrip("/") or "/" for lock in locks
    }


@pytest.mark.parametrize("template", sorted(MENU))
def test_renovate_maintains_the_locks_and_finds_the_ci_tools_versions(template: str) -> None:
    """Renovate refreshes the locks, and its custom managers find each tool version
    .gitlab-ci.yml downloads (a pattern that matched nothing would update nothing)."""
    project = rendered(template, ci_provider="gitlab")
    config = json.loads((project / "renovate.json").read_text())
    assert config["lockFileMaintenance"]["enabled"] is True
    gitlab_ci = (project / ".gitlab-ci.yml").read_text()
    pinned = dict(re.findall(r'^  ([A-Z]+_VERSION): "([^"]+)"$', gitlab_ci, re.MULTILINE))
    found = {}
    for manager in config.get("customManagers", []):
        assert any(
            re.search(pattern.strip("/"), ".gitlab-ci.yml")
            for pattern in manager["managerFilePatterns"]
        )
        for pattern in manager["matchStrings"]:
            match = re.search(pattern.replace("(?<", "(?P<"), gitlab_ci)
            assert match, pattern
            found[manager["depNameTemplate"]] = match["currentValue"]
    assert sorted(found.values()) == sorted(pinned.values())
