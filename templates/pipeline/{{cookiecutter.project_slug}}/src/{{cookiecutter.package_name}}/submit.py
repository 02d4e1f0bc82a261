"""Submit a compiled pipeline to Vertex AI Pipelines (google-cloud-aiplatform's PipelineJob).

A dry run builds the very same PipelineJob offline: explicit project and location and
`AnonymousCredentials`, so neither google.auth.default() nor the metadata server is asked,
and nothing is sent. aiplatform is imported only here, and only when needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.compile import (
    compile_pipeline,
    load_spec,
    spec_images,
)
from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX, Settings
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.sizing import spec_machine

if TYPE_CHECKING:
    from google.auth.credentials import Credentials
    from google.cloud.aiplatform import PipelineJob

# What a dry run uses for the settings a real submission needs.
DRY_RUN_PLACEHOLDERS = {
    "gcp_project": "dry-run-project",
    "pipeline_root": "gs://dry-run-bucket/pipeline-root",
    "pipeline_image": "europe-west1-docker.pkg.dev/dry-run-project/images/pipeline:dry-run",
}
_PARAMETER_TYPES: dict[str, tuple[type, ...]] = {
    "STRING": (str,),
    "NUMBER_DOUBLE": (float, int),
    "NUMBER_INTEGER": (int,),
    "BOOLEAN": (bool,),
}


class SubmitConfigError(ValueError):
    """A setting or parameter needed to submit is missing or wrong."""


@dataclass
class SubmitPlan:
    """Everything a submission sends, gathered before anything is sent."""

    pipeline: str
    template_path: Path
    job_kwargs: dict[str, Any]
    service_account: str | None
    schedule_cron: str | None
    images: dict[str, str] = field(default_factory=dict)
    placeholders: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    machines: dict[str, str] = field(default_factory=dict)  # step to its limits

    @property
    def schedule_name(self) -> str:
        """The schedule's display name: one per pipeline of this project, replaced on redeploy."""
        return f"{self.job_kwargs['display_name']}-schedule"

    def describe(self) -> dict[str, Any]:
        """The plan as JSON-ready data."""
        out: dict[str, Any] = {
            "pipeline": self.pipeline,
            "job": self.job_kwargs,
            "service_account": self.service_account,
            "images": sorted(set(self.images.values())),
            "steps": self.steps,
            "machines": self.machines,
            "schedule": (
                {"cron": self.schedule_cron, "display_name": self.schedule_name}
                if self.schedule_cron
                else None
            ),
        }
        if self.placeholders:
            out["placeholders_used_for"] = self.placeholders
        return out


def describe_job(job: PipelineJob) -> dict[str, Any]:
    """What the built, not yet created, PipelineJob would send."""
    from google.protobuf import json_format

    # The public `gca_resource` raises until the job is created: the private one is the
    # exact request body.
    resource = job._gca_resource
    return {
        "job_id": job.job_id,
        "parent": f"projects/{job.project}/locations/{job.location}",
        "runtime_config": json_format.MessageToDict(resource._pb.runtime_config),
    }


def spec_steps(spec: dict[str, Any]) -> list[str]:
    """The tasks of a compiled spec, in order, inside their loops and conditions
    (`for-loop-2/train`, `condition-3/register-model`): what the job will run."""
    return list(_spec_tasks(spec))


def spec_step_machines(spec: dict[str, Any]) -> dict[str, str]:
    """Each task of a compiled spec (as `spec_steps` names it) with the CPU, memory and
    accelerator limits its executor has: its machine on Vertex AI."""
    executors = spec.get("deploymentSpec", {}).get("executors", {})
    components = spec.get("components", {})
    machines: dict[str, str] = {}
    for step, task in _spec_tasks(spec).items():
        label = components.get(task.get("componentRef", {}).get("name", ""), {})
        machines[step] = spec_machine(executors.get(label.get("executorLabel", ""), {}))
    return machines


def _spec_tasks(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The container tasks of a compiled spec by their paths, in the order they run."""
    components = spec.get("components", {})

    def ordered(tasks: dict[str, Any]) -> list[str]:
        """Each task after the tasks it depends on (names break ties)."""
        done: list[str] = []
        while len(done) < len(tasks):
            ready = sorted(
                name
                for name, task in tasks.items()
                if name not in done and set(task.get("dependentTasks", [])) <= set(done)
            )
            done.append(ready[0] if ready else sorted(set(tasks) - set(done))[0])
        return done

    def walk(tasks: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for name in ordered(tasks):
            task = tasks[name]
            inner = components.get(task.get("componentRef", {}).get("name", ""), {}).get("dag")
            if inner is not None:
                found |= walk(inner.get("tasks", {}), f"{prefix}{name}/")
            else:  # by its display name, as the settings and the console name it
                found[prefix + task.get("taskInfo", {}).get("name", name)] = task
        return found

    return walk(spec.get("root", {}).get("dag", {}).get("tasks", {}), "")


def check_parameters(spec: dict[str, Any], values: dict[str, Any]) -> list[str]:
    """Problems of `values` against the compiled spec's inputs.

    PipelineJob itself only rejects unknown names: it takes missing required parameters
    and wrong types, and the run fails later, in the cloud.
    """
    definitions = spec.get("root", {}).get("inputDefinitions", {}).get("parameters", {})
    problems = [f"unknown parameter {name!r}" for name in values if name not in definitions]
    for name, definition in definitions.items():
        if name not in values:
            if not definition.get("isOptional"):
                problems.append(f"missing required parameter {name!r}")
            continue
        kinds = _PARAMETER_TYPES.get(definition.get("parameterType", ""), (object,))
        value = values[name]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            problems.append(f"parameter {name!r}={value!r} is not {definition['parameterType']}")
    return problems


def _setting(settings: Settings, name: str, dry_run: bool, missing: list[str]) -> str:
    value = str(getattr(settings, name))
    if value:
        return value
    missing.append(name)
    return DRY_RUN_PLACEHOLDERS[name] if dry_run else ""


def plan_submission(
    settings: Settings,
    pipeline: str,
    parameter_values: dict[str, Any],
    dry_run: bool,
    schedule_cron: str | None = None,
) -> SubmitPlan:
    """Compile the spec with the project's image and gather the PipelineJob's arguments."""
    missing: list[str] = []
    project = _setting(settings, "gcp_project", dry_run, missing)
    pipeline_root = _setting(settings, "pipeline_root", dry_run, missing)
    image = _setting(settings, "pipeline_image", dry_run, missing)
    if missing and not dry_run:
        names = ", ".join(f"{ENV_PREFIX}{name.upper()}" for name in missing)
        raise SubmitConfigError(f"set {names} to submit to Vertex AI Pipelines")

    template = compile_pipeline(
        pipeline,
        settings.build_dir,
        image=image,
        parallelism=settings.candidate_parallelism,
        resources=settings.step_resources,
    )
    spec = load_spec(template)
    problems = check_parameters(spec, parameter_values)
    if problems:
        raise SubmitConfigError("; ".join(problems))
    name = spec["pipelineInfo"]["name"]
    job_kwargs: dict[str, Any] = {
        "display_name": name,
        "template_path": str(template),
        "pipeline_root": pipeline_root,
        "parameter_values": parameter_values,
        "enable_caching": settings.pipeline_enable_caching,
        "project": project,
        "location": settings.gcp_region,
        "labels": {"pipeline": name},
    }
    cron = settings.pipeline_schedule_cron if schedule_cron is None else schedule_cron
    return SubmitPlan(
        pipeline=pipeline,
        template_path=template,
        job_kwargs=job_kwargs,
        service_account=settings.pipeline_service_account or None,
        schedule_cron=cron or None,
        images=spec_images(spec),
        placeholders=missing,
        steps=spec_steps(spec),
        machines=spec_step_machines(spec),
    )


def build_job(plan: SubmitPlan, credentials: Credentials | None = None) -> PipelineJob:
    """The PipelineJob of a plan (creating it sends nothing)."""
    try:
        from google.cloud.aiplatform import PipelineJob
    except ImportError as error:  # e.g. in the component image, built without the cloud group
        raise SubmitConfigError(
            "google-cloud-aiplatform is missing: run `make install` (it installs the cloud group)"
        ) from error

    return PipelineJob(**plan.job_kwargs, credentials=credentials)


def existing_schedules(plan: SubmitPlan) -> list[Any]:
    """The schedules of this plan's name in its project and region (a Vertex AI call)."""
    from google.cloud.aiplatform import PipelineJobSchedule

    return PipelineJobSchedule.list(
        filter=f'display_name="{plan.schedule_name}"',
        project=plan.job_kwargs["project"],
        location=plan.job_kwargs["location"],
    )


def _delete_older_schedules(plan: SubmitPlan, keep: str) -> list[str]:
    """Delete the schedules this one replaces (a schedule's pipeline spec cannot be updated).

    Called after the new schedule exists, so a failed deployment leaves the old one running.
    """
    deleted = []
    for old in existing_schedules(plan):
        if old.resource_name != keep:
            old.delete()
            deleted.append(old.resource_name)
    return deleted


def submit(plan: SubmitPlan, dry_run: bool) -> dict[str, Any]:
    """Submit the plan and return what was sent.

    Dry run: build the job offline, send nothing. Otherwise create the schedule when a
    cron is set (Vertex AI then starts the runs) and delete the schedules of the same name
    it replaces, else start one run now.
    """
    if dry_run:
        from google.auth.credentials import AnonymousCredentials

        job = build_job(plan, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
        return {"dry_run": True, **plan.describe(), **describe_job(job)}

    job = build_job(plan)
    if plan.schedule_cron:
        schedule = job.create_schedule(
            cron=plan.schedule_cron,
            display_name=plan.schedule_name,
            service_account=plan.service_account,
        )
        replaced = _delete_older_schedules(plan, keep=schedule.resource_name)
        logger.info(
            "schedule created",
            name=schedule.resource_name,
            cron=plan.schedule_cron,
            replaced=replaced,
        )
        return {
            "dry_run": False,
            **plan.describe(),
            "schedule_name": schedule.resource_name,
            "replaced_schedules": replaced,
        }
    job.submit(service_account=plan.service_account)
    logger.info("pipeline job submitted", job=job.resource_name)
    return {"dry_run": False, **plan.describe(), "resource_name": job.resource_name}
