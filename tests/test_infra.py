"""Fast tier: the pipeline and api renders' infra/, checked offline with every CI provider.

terraform fmt, checkov (in the environment the renders' infra/tools/uv.lock pins) and the
projects' own tests/test_infra.py run on each render, as `make infra-check` would; the
google provider's schema (tests/provider_schema.py) and the references between the files
stand in for `terraform validate`, which needs the provider and so the network.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hcl import load_module, reference_problems, schema_problems
from tests.provider_schema import load as provider_schema
from tests.suite import REPO, TEMPLATES_DIR, choices, clean_env, render, rendered

INFRA_TEMPLATES = ["pipeline", "api"]
PROVIDERS = choices("pipeline")["ci_provider"]
CASES = [(t, ci) for t in INFRA_TEMPLATES for ci in PROVIDERS]
INFRA_TOOLS = TEMPLATES_DIR / "shared" / "infra-tools"
INFRA_VENV = REPO / ".venv-infra"
UV = str(Path(sys.executable).parent / "uv")


def case_id(case: tuple[str, str]) -> str:
    return "-".join(case)


def infra(template: str, ci: str) -> Path:
    return rendered(template, ci_provider=ci) / "infra"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_infra_is_terraform_fmt_clean(case: tuple[str, str]) -> None:
    """`terraform fmt -check` finds nothing to change (the render's alignment is fmt's)."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed: terraform fmt cannot run")
    done = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", "."],
        cwd=infra(*case),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_type_and_argument_is_in_the_provider_schema(case: tuple[str, str]) -> None:
    """Each resource and data source type, argument, nested block, ignore_changes path and
    attribute read exists in the google provider's schema, written as the schema says
    (a block as a block)."""
    assert schema_problems(infra(*case), provider_schema()) == []


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_reference_resolves_and_every_module_call_fits(case: tuple[str, str]) -> None:
    """var., local., module.<name>.<output> and resource references all resolve; each module
    call passes only the module's variables, and all it requires."""
    assert reference_problems(infra(*case)) == []


def test_the_schema_is_the_provider_version_the_renders_pin() -> None:
    """versions.tf pins the major and minor version whose schema the checks above read."""
    schema = provider_schema()
    assert schema["provider"] == "registry.terraform.io/hashicorp/google"
    versions = (infra("pipeline", "github") / "versions.tf").read_text()
    [constraint] = re.findall(r'version\s*=\s*"~> ([0-9.]+)"', versions)
    assert schema["version"].startswith(constraint + ".")
    assert len(schema["resources"]) > 1000  # the whole provider, not a sample


def test_the_schema_checks_can_fail(out: Path) -> None:
    """A misspelled argument, an argument written as a block, a wrong ignore_changes path,
    an unknown attribute, an undeclared variable and a module call missing a variable are
    each reported."""
    root = render("api", out, ci_provider="github") / "infra"
    storage = root / "modules" / "storage" / "main.tf"
    text = storage.read_text().replace("uniform_bucket_level_access", "uniform_level_access")
    storage.write_text(text.replace("versioning {", "website = {}\n  versioning {"))
    serving = root / "modules" / "serving" / "main.tf"
    text = serving.read_text().replace("containers[0].image,", "containers[0].img,")
    serving.write_text(text.replace(".this.uri", ".this.url_of_service"))
    main = root / "main.tf"
    text = main.read_text().replace("max_instances       = var.max_instances\n", "")
    main.write_text(text.replace("var.fallback_rate", "var.fallback_share"))
    problems = "\n".join(schema_problems(root, provider_schema()) + reference_problems(root))
    for expected in (
        "no argument or block 'uniform_level_access'",
        "'website' is a block in the provider's schema, written as an argument",
        "ignore_changes names 'template[0].containers[0].img'",
        "google_cloud_run_v2_service has no attribute 'url_of_service'",
        "var.fallback_share is not declared",
        "does not pass 'max_instances'",
    ):
        assert expected in problems


@pytest.fixture(scope="session")
def checkov() -> str:
    """checkov from the environment the renders' infra/tools/uv.lock pins (.venv-infra, made
    by `make install`; made here if it is missing or stale)."""
    done = subprocess.run(
        [UV, "sync", "--frozen", "--quiet", "--project", str(INFRA_TOOLS)],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env({"UV_PROJECT_ENVIRONMENT": str(INFRA_VENV)}),
    )
    assert done.returncode == 0, done.stderr
    return str(INFRA_VENV / "bin" / "checkov")


def test_checkov_passes_every_render(checkov: str, tmp_path: Path) -> None:
    """checkov fails no check on any render's infra/ (one run over copies of them all:
    its start-up is most of its time); every check it skips says why, on the same line."""
    for template, ci in CASES:
        shutil.copytree(infra(template, ci), tmp_path / f"{template}-{ci}")
    done = subprocess.run(
        [
            checkov,
            *("--directory", str(tmp_path), "--framework", "terraform", "--output", "json"),
            *("--quiet", "--compact", "--skip-download"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LOG_LEVEL": "ERROR"},
    )
    report = json.loads(done.stdout)
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == [], done.stdout[-3000:]
    assert report["summary"]["passed"] > 100
    skips = [
        line.strip()
        for path in tmp_path.rglob("*.tf")
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips
    assert [s for s in skips if not re.search(r"checkov:skip=CKV2?_\w+: \w.{20,}", s)] == []


def infra_test_copy(project: Path, folder: Path) -> Path:
    """What tests/test_infra.py reads (infra/, README.md, Makefile) and the test itself,
    copied into `folder`; without the project's tests/__init__.py, so that pytest gives each
    copy's test module a name of its own when one run collects several."""
    shutil.copytree(project / "infra", folder / "infra")
    (folder / "tests").mkdir()
    for name in ("README.md", "Makefile", "tests/test_infra.py"):
        shutil.copy(project / name, folder / name)
    return folder / "tests" / "test_infra.py"


def test_the_projects_infra_tests_pass_and_can_fail(tmp_path: Path, out: Path) -> None:
    """Each render's own tests/test_infra.py (allow-lists, federation, outputs) passes; in
    copies given a primitive role and a role outside the identity's allow-list, the tests
    that guard against those fail. One pytest run for all (its start-up is most of its time),
    without the projects' conftest: the suite's environment lacks their packages, so the one
    test that imports the project runs in the slow tier's make check instead."""
    files = {
        f"{t}-{ci}": infra_test_copy(infra(t, ci).parent, tmp_path / f"{t}-{ci}") for t, ci in CASES
    }
    for template, ci in [("api", "github"), ("pipeline", "gitlab")]:
        broken = render(template, out / template, ci_provider=ci)
        iam = broken / "infra" / "iam.tf"
        roles = re.findall(r'role\s+= "(roles/[^"]+)"', iam.read_text())
        text = iam.read_text().replace(roles[0], "roles/editor", 1)
        iam.write_text(text.replace(roles[-1], "roles/run.admin", 1))
        files[f"broken-{template}"] = infra_test_copy(broken, tmp_path / f"broken-{template}")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", *map(str, files.values()), "-q", "--noconftest"),
            *("-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(tmp_path)),
            *("--import-mode=importlib", "-k", "not schedule"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
    )
    # pytest names each file relative to the folder it runs in (the rootdir).
    names = {path.resolve(): name for name, path in files.items()}
    failed = {
        (names[(tmp_path / path).resolve()], test)
        for path, test in re.findall(r"^FAILED (\S+)::(\w+)", done.stdout, re.MULTILINE)
    }
    assert " passed" in done.stdout, done.stdout[-4000:]
    assert failed == {
        (broken, test)
        for broken in ("broken-api", "broken-pipeline")
        for test in (
            "test_no_primitive_role_anywhere",
            "test_every_grant_is_in_its_identitys_allow_list",
        )
    }, done.stdout[-6000:]


def state_with_outputs(folder: Path, outputs: dict[str, object]) -> None:
    """A local state file holding these outputs, as `terraform apply` leaves one."""
    state = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "00000000-0000-0000-0000-000000000000",
        "outputs": {
            name: {"value": value, "type": "number" if isinstance(value, int) else "string"}
            for name, value in outputs.items()
        },
        "resources": [],
        "check_results": None,
    }
    (folder / "terraform.tfstate").write_text(json.dumps(state))


@pytest.mark.parametrize("case", [c for c in CASES if c[1] != "none"], ids=case_id)
def test_make_ci_variables_prints_the_commands_that_set_them(
    case: tuple[str, str], out: Path
) -> None:
    """From terraform's own `output -json` over a state file: one command per output, the
    variable's name in capitals, its value quoted for the shell."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed: terraform output cannot run")
    template, ci = case
    project = render(template, out, ci_provider=ci)
    outputs = {
        name: f"value of {name}'s"
        for name in load_module(project / "infra").outputs
        if name != "cloud_run_cpu"
    }
    outputs["gcp_project"] = "acme-ml"
    if template == "api":
        outputs["cloud_run_cpu"] = 2
    state_with_outputs(project / "infra", outputs)
    done = subprocess.run(
        ["make", "ci-variables"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=clean_env({"TF_CLI_CONFIG_FILE": os.devnull}),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    setter = ["gh", "variable", "set"] if ci == "github" else ["glab", "variable", "set"]
    assert len(lines) == len(outputs)
    for line in lines:
        words = shlex.split(line)
        assert words[:3] == setter
        name, value = words[3], words[-1]
        assert name == name.upper()
        assert value == str(outputs[name.lower()])
        assert (words[4] == "--body") == (ci == "github")


def test_make_ci_variables_says_when_nothing_was_applied(out: Path) -> None:
    """Before any terraform apply, the target says what to do instead of printing nothing."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed: terraform output cannot run")
    project = render("api", out, ci_provider="gitlab")
    done = subprocess.run(
        ["make", "ci-variables"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=clean_env({"TF_CLI_CONFIG_FILE": os.devnull}),
    )
    assert done.returncode != 0
    assert "run terraform apply in infra/ first" in done.stderr


def test_the_service_is_configured_as_make_deploy_configures_it() -> None:
    """The Terraform variables' defaults are make deploy's: CPUs, requests in flight per CPU,
    most instances, the service's name; memory and workers follow the CPUs in both."""
    project = rendered("api")
    makefile = (project / "Makefile").read_text()
    variables = load_module(project / "infra").variables

    def default(name: str) -> str:
        return str(variables[name]["default"]).strip('"')

    assert default("cpu") == re.search(r"\$\(or \$\(CLOUD_RUN_CPU\),(\d+)\)", makefile)[1]
    assert (
        default("concurrency_per_cpu")
        == re.search(r"CLOUD_RUN_CONCURRENCY_PER_CPU \?= (\d+)", makefile)[1]
    )
    assert default("max_instances") == re.search(r"--max-instances=(\d+)", makefile)[1]
    assert default("service") == re.search(r"CLOUD_RUN_SERVICE \?= (\S+)", makefile)[1]
    assert "--memory=$(CLOUD_RUN_MEMORY)" in makefile
    assert "CLOUD_RUN_MEMORY ?= $(CLOUD_RUN_CPU)Gi" in makefile
    serving = (project / "infra" / "modules" / "serving" / "main.tf").read_text()
    assert 'memory = "${var.cpu}Gi"' in serving
    assert "max_instance_request_concurrency = var.cpu * var.concurrency_per_cpu" in serving


def test_the_infra_tools_lock_in_every_render_is_the_stored_one() -> None:
    """The renders' infra/tools/ is the suite's templates/shared/infra-tools/, byte for byte
    (the lock test checks that one against its pyproject.toml)."""
    for template in INFRA_TEMPLATES:
        tools = rendered(template) / "infra" / "tools"
        for name in ("pyproject.toml", "uv.lock"):
            assert (tools / name).read_bytes() == (INFRA_TOOLS / name).read_bytes()


def test_infra_check_says_why_it_skips_terraform_fmt_without_terraform() -> None:
    """Where terraform is not installed, make infra-check says that fmt is skipped and why,
    and goes on with the other checks (here replaced by echo: they have tests of their own)."""
    project = rendered("api")
    path = os.pathsep.join(
        d
        for d in [str(Path(sys.executable).parent), *os.environ["PATH"].split(os.pathsep)]
        if d and not (Path(d) / "terraform").exists()
    )
    done = subprocess.run(
        ["make", "infra-check", "INFRA_RUN=echo", "RUN=echo"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=clean_env({"PATH": path}),
    )
    assert done.returncode == 0, done.stderr
    assert "terraform is not installed, so terraform fmt is skipped" in done.stdout
    assert "checkov --directory infra" in done.stdout
    assert "pytest tests/test_infra.py" in done.stdout
    assert not (project / ".tools").exists()  # uv came from PATH: nothing was installed
