"""Every step sized: CPU and memory limits from the step_resources setting, in the compiled
specs (on Vertex AI they choose each step's machine) and in `submit --dry-run`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.cli import EXIT_REFUSED, main
from {{ cookiecutter.package_name }}.compile import compile_pipelines, load_spec
from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX, Settings, get_settings
from {{ cookiecutter.package_name }}.sizing import (
    DEFAULT_STEP_RESOURCES,
    STEPS,
    merge_step_resources,
)
from {{ cookiecutter.package_name }}.submit import spec_step_machines

VARIABLE = f"{ENV_PREFIX}STEP_RESOURCES"


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The three pipelines compiled with the default sizes."""
    paths = compile_pipelines(tmp_path_factory.mktemp("build"))
    return {name: load_spec(path) for name, path in paths.items()}


def test_every_step_of_every_pipeline_has_cpu_and_memory_limits(
    specs: dict[str, dict[str, Any]],
) -> None:
    """No executor of the training, batch-prediction or monitoring spec is left to Vertex
    AI's default machine, and each step has its own default."""
    assert set(specs) == {"training", "batch-prediction", "monitoring"}
    for name, spec in specs.items():
        executors = spec["deploymentSpec"]["executors"]
        assert executors, name
        for label, executor in executors.items():
            limits = executor["container"]["resources"]
            assert limits["resourceCpuLimit"], (name, label)
            assert limits["resourceMemoryLimit"], (name, label)
        for step, machine in spec_step_machines(spec).items():
            expected = DEFAULT_STEP_RESOURCES[step.rsplit("/", 1)[-1]].describe()
            assert machine == expected, (name, step)
    batch = spec_step_machines(specs["batch-prediction"])
    assert set(batch) == {"ingest-validate", "resolve-model", "predict-check-drift",
                          "validate-predictions"}  # fmt: skip


def test_a_setting_changes_only_the_fields_it_gives(tmp_path: Path) -> None:
    """`train-evaluate: {memory: 64G}` keeps its CPUs and every other step's defaults, and
    the compiled spec has it, also in the monitoring pipeline's training run."""
    settings = Settings(step_resources={"train-evaluate": {"memory": "64G"}})
    train = settings.step_resources["train-evaluate"]
    assert (train.cpu, train.memory) == (DEFAULT_STEP_RESOURCES["train-evaluate"].cpu, "64G")
    assert settings.step_resources["split"] == DEFAULT_STEP_RESOURCES["split"]
    paths = compile_pipelines(tmp_path, resources=settings.step_resources)
    for name in ("training", "monitoring"):
        machines = spec_step_machines(load_spec(paths[name]))
        [trained] = [m for step, m in machines.items() if step.endswith("/train-evaluate")]
        assert trained == f"{train.cpu} CPU, 64G memory", name


def test_the_dry_run_shows_each_step_with_its_machine(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_network: list[Any],
) -> None:
    """`submit --dry-run` lists every step it would run with its CPU and memory."""
    monkeypatch.setenv(f"{ENV_PREFIX}BUILD_DIR", str(tmp_path))
    monkeypatch.setenv(VARIABLE, json.dumps({"predict-check-drift": {"cpu": "8", "memory": "32G"}}))
    get_settings.cache_clear()
    args = ["submit", "--dry-run", "--pipeline", "batch-prediction"]
    assert main([*args, "--model-uri", "models:/m@champion"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out["machines"]) == out["steps"]
    assert out["machines"]["predict-check-drift"] == "8 CPU, 32G memory"
    assert out["machines"]["resolve-model"] == DEFAULT_STEP_RESOURCES["resolve-model"].describe()
    assert no_network == []


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"train-evaluate": {"memory": "12 parsecs"}}, "train-evaluate: memory '12 parsecs'"),
        ({"monitor": {"cpu": "four"}}, "monitor: cpu 'four' is not a positive number"),
        ({"monitor": {"cpu": "0"}}, "monitor: cpu '0' is not a positive number"),
        ({"trian-evaluate": {"cpu": "4"}}, "unknown step 'trian-evaluate': the steps are"),
        ({"split": {"gpu": "1"}}, "split: unknown field 'gpu': the fields are cpu, memory"),
    ],
)
def test_a_bad_size_is_refused_naming_the_setting_and_the_rule(
    given: dict[str, Any],
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command stops before compiling anything; its last lines name the variable, the
    step and the rule the value breaks."""
    monkeypatch.setenv(VARIABLE, json.dumps(given))
    get_settings.cache_clear()
    assert main(["compile"]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert err.startswith(f"error: setting {VARIABLE} (step_resources): ")
    assert named in err
    assert "what to do: fix it in config.yaml" in err


def test_memory_takes_the_kubernetes_units() -> None:
    """Whole numbers of bytes, with or without a unit of powers of 1000 or 1024."""
    sizes = merge_step_resources({"split": {"memory": "512Mi"}, "monitor": {"memory": "2T"}})
    assert (sizes["split"].memory, sizes["monitor"].memory) == ("512Mi", "2T")
    with pytest.raises(ValidationError, match=r"E, P, T, G, M, K or Ei, Pi, Ti, Gi, Mi, Ki"):
        Settings(step_resources={"split": {"memory": "16GB"}})


def test_the_config_file_sizes_the_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In config.yaml, as the README shows it."""
    config = tmp_path / "config.yaml"
    config.write_text('step_resources:\n  train-evaluate: {cpu: "8", memory: 32G}\n')
    monkeypatch.setenv(f"{ENV_PREFIX}CONFIG_FILE", str(config))
    resources = Settings().step_resources
    assert resources["train-evaluate"].describe() == "8 CPU, 32G memory"
    assert set(resources) == set(STEPS)
{%- if cookiecutter.framework == "scikit-learn" %}


def test_scikit_learn_takes_no_accelerator() -> None:
    """scikit-learn runs on CPUs only: a GPU on a step would be paid for and never used."""
    with pytest.raises(ValidationError, match="scikit-learn runs on CPUs only"):
        Settings(step_resources={"train-evaluate": {"accelerator": "NVIDIA_TESLA_T4"}})
{%- else %}


def test_training_can_have_an_accelerator(tmp_path: Path) -> None:
    """{{ cookiecutter.framework }} can train on a GPU: the type and count are in the spec."""
    given = {"accelerator": "NVIDIA_TESLA_T4", "accelerator_count": 2}
    settings = Settings(step_resources={"train-evaluate": given})
    paths = compile_pipelines(tmp_path, resources=settings.step_resources)
    machines = spec_step_machines(load_spec(paths["training"]))
    [trained] = [m for step, m in machines.items() if step.endswith("/train-evaluate")]
    assert trained.endswith(", 2 x NVIDIA_TESLA_T4")
    with pytest.raises(ValidationError, match="not a Vertex AI accelerator name"):
        Settings(step_resources={"train-evaluate": {"accelerator": "a t4 please"}})
{%- endif %}
