"""The machine of each step: CPU and memory limits (and an accelerator) from the settings.

On Vertex AI Pipelines a step's limits choose its machine: the smallest that fits them
(without limits every step gets e2-standard-4: 4 vCPUs, 16 GB). The local runner ignores them:
local tasks share this machine. The keys are the pipelines' task names (`STEPS`); the
monitoring pipeline's training run on an alert is sized as training is.
{%- if cookiecutter.framework == "scikit-learn" %}
scikit-learn runs on CPUs only, so no step takes an accelerator.
{%- endif %}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# A number, or a whole number of thousandths ("500m"): KFP's and Kubernetes' rule.
CPU_RULE = re.compile(r"^(\d*\.)?\d+$|^\d+m$")
# A whole number of bytes, or with a unit: E, P, T, G, M, K (powers of 1000) or Ei, Pi, Ti,
# Gi, Mi, Ki (powers of 1024).
MEMORY_RULE = re.compile(r"^\d+(E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki)?$")
# Vertex AI's accelerator names: NVIDIA_TESLA_T4, NVIDIA_L4, NVIDIA_TESLA_A100, TPU_V3...
ACCELERATOR_RULE = re.compile(r"^[A-Z][A-Z0-9_]*$")
{%- if cookiecutter.framework == "scikit-learn" %}
FRAMEWORK_USES_ACCELERATORS = False  # scikit-learn: CPUs only
{%- else %}
# {{ cookiecutter.framework }} trains on a GPU when the image has its GPU build and the model
# is told to (README: "Machines").
FRAMEWORK_USES_ACCELERATORS = True
{%- endif %}


class StepResources(BaseModel):
    """The limits of one step: its machine on Vertex AI."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cpu: str = Field(description='CPUs: "4", "0.5" or "500m"')
    memory: str = Field(description='bytes with a unit: "16G", "512Mi"')
    accelerator: str = ""  # e.g. NVIDIA_TESLA_T4; empty: none
    accelerator_count: int = Field(default=1, ge=1)

    @field_validator("cpu", mode="before")
    @classmethod
    def _cpu(cls, value: Any) -> str:
        text = str(value).strip()
        if not CPU_RULE.match(text) or float(text.rstrip("m")) <= 0:
            raise ValueError(
                f"cpu {value!r} is not a positive number of CPUs, "
                'nor a whole number of thousandths ("4", "0.5", "500m")'
            )
        return text

    @field_validator("memory", mode="before")
    @classmethod
    def _memory(cls, value: Any) -> str:
        text = str(value).strip()
        if not MEMORY_RULE.match(text) or int(re.sub(r"\D", "", text)) == 0:
            raise ValueError(
                f"memory {value!r} is not a positive whole number with an optional unit: "
                'E, P, T, G, M, K or Ei, Pi, Ti, Gi, Mi, Ki ("16G", "512Mi")'
            )
        return text

    @field_validator("accelerator")
    @classmethod
    def _accelerator(cls, value: str) -> str:
        if not value:
            return value
        if not FRAMEWORK_USES_ACCELERATORS:
            raise ValueError(
                f"accelerator {value!r}: scikit-learn runs on CPUs only, "
                "so no step can use one (xgboost and lightgbm can); leave it empty"
            )
        if not ACCELERATOR_RULE.match(value):
            raise ValueError(
                f"accelerator {value!r} is not a Vertex AI accelerator name "
                "(capitals, digits and underscores: NVIDIA_TESLA_T4, NVIDIA_L4)"
            )
        return value

    def describe(self) -> str:
        """One line: `4 CPU, 16G memory` (and `, 1 x NVIDIA_TESLA_T4`)."""
        line = f"{self.cpu} CPU, {self.memory} memory"
        if self.accelerator:
            line += f", {self.accelerator_count} x {self.accelerator}"
        return line


def _sized(cpu: str, memory: str) -> StepResources:
    return StepResources(cpu=cpu, memory=memory)


# The defaults: at most Vertex AI's default machine (4 vCPUs, 16 GB); the steps that read the
# whole data (ingest, training, prediction, monitoring) get all of it, the others less.
DEFAULT_STEP_RESOURCES: dict[str, StepResources] = {
    "ingest-validate": _sized("4", "16G"),  # reads and validates the data
    "split": _sized("2", "8G"),
    "train-evaluate": _sized("4", "16G"),  # one per candidate: candidate_parallelism at once
    "select-best": _sized("1", "4G"),
    "export-register-promote": _sized("1", "4G"),
    "resolve-model": _sized("1", "4G"),
    "predict-check-drift": _sized("4", "16G"),  # batch prediction
    "validate-predictions": _sized("2", "8G"),
    "monitor": _sized("4", "16G"),  # the drift check of the served records
}
STEPS = tuple(DEFAULT_STEP_RESOURCES)
EXAMPLE = "train-evaluate: {cpu: '8', memory: 32G}"


def merge_step_resources(value: Any) -> dict[str, StepResources]:
    """The defaults, with each step given in `value` changed (only the fields it gives)."""
    if value is None:
        return dict(DEFAULT_STEP_RESOURCES)
    if not isinstance(value, Mapping):
        raise ValueError(f"a mapping of step name to its limits ({EXAMPLE}), not {value!r}")
    unknown = sorted(set(value) - set(STEPS))
    if unknown:
        names = ", ".join(map(repr, unknown))
        raise ValueError(f"unknown step {names}: the steps are {', '.join(STEPS)}")
    merged = dict(DEFAULT_STEP_RESOURCES)
    for step, given in value.items():
        fields = given.model_dump() if isinstance(given, StepResources) else given
        if not isinstance(fields, Mapping):
            raise ValueError(f"{step}: a mapping of cpu, memory, accelerator, not {given!r}")
        try:
            merged[step] = StepResources.model_validate({**merged[step].model_dump(), **fields})
        except ValidationError as error:  # name the step: pydantic's path stops at the field
            rules = "; ".join(
                f"unknown field {e['loc'][0]!r}: the fields are {', '.join(StepResources.model_fields)}"
                if e["type"] == "extra_forbidden"
                else e["msg"].removeprefix("Value error, ")
                for e in error.errors()
            )
            raise ValueError(f"{step}: {rules}") from None
    return merged


def size(task: Any, step: str, resources: Mapping[str, StepResources] | None) -> Any:
    """Set a KFP task's limits from `resources[step]` (the defaults when None); return it."""
    chosen = (resources or DEFAULT_STEP_RESOURCES)[step]
    if task.container_spec is None:
        raise ValueError(f"{step}: only a single step's task has a machine")
    # Each KFP setter first checks that very thing, naming its caller with inspect.stack(),
    # which reads the source of every frame on the stack: 0.5 s of every import of the
    # pipelines (32 calls), paid by each `make run`. The setters themselves are KFP's.
    task._ensure_container_spec_exists = lambda: None
    try:
        task.set_cpu_limit(chosen.cpu).set_memory_limit(chosen.memory)
        if chosen.accelerator:
            task.set_accelerator_type(chosen.accelerator)
            task.set_accelerator_limit(chosen.accelerator_count)
    finally:
        del task._ensure_container_spec_exists
    return task


def spec_machine(executor: dict[str, Any]) -> str:
    """The limits of a compiled spec's executor, one line: `4 CPU, 16G memory`."""
    limits = executor.get("container", {}).get("resources", {})
    cpu, memory = limits.get("resourceCpuLimit"), limits.get("resourceMemoryLimit")
    if not cpu and not memory:
        return "no limits: Vertex AI's default machine"
    line = f"{cpu or 'default'} CPU, {memory or 'default'} memory"
    accelerator = limits.get("accelerator", {})
    if accelerator.get("resourceType"):
        line += f", {accelerator.get('resourceCount', '1')} x {accelerator['resourceType']}"
    return line
