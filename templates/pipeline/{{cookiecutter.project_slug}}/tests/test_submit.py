"""Submitting to Vertex AI: checked and built offline; the real calls are faked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }} import submit
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.compile import load_spec
from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX, Settings, get_settings
from {{ cookiecutter.package_name }}.pipelines import TRAINING_PIPELINE
from {{ cookiecutter.package_name }}.submit import SubmitPlan

PARAMS = {"data_uri": "gs://b/data.csv", "threshold": 0.8}
IMAGE = "europe-west4-docker.pkg.dev/acme-ml/images/pipeline:1.0"


@pytest.fixture
def cloud_settings(tmp_path: Path) -> Settings:
    return Settings(
        build_dir=tmp_path / "build",
        gcp_project="acme-ml",
        gcp_region="europe-west4",
        pipeline_root="gs://acme-ml-pipelines/root",
        pipeline_service_account="pipelines@acme-ml.iam.gserviceaccount.com",
        pipeline_image=IMAGE,
        pipeline_schedule_cron="TZ=Europe/Paris 0 3 * * 1",
    )


def test_dry_run_builds_the_pipeline_job_offline(
    cloud_settings: Settings, no_network: list[Any]
) -> None:
    """The PipelineJob has the settings, the parameters and the image; nothing is sent."""
    plan = submit.plan_submission(cloud_settings, "training", PARAMS, dry_run=True)
    sent = submit.submit(plan, dry_run=True)
    assert sent["dry_run"] is True
    assert sent["parent"] == "projects/acme-ml/locations/europe-west4"
    assert sent["job_id"].startswith(f"{TRAINING_PIPELINE}-")
    assert sent["runtime_config"]["gcsOutputDirectory"] == "gs://acme-ml-pipelines/root"
    assert sent["runtime_config"]["parameterValues"]["threshold"] == 0.8
    assert sent["service_account"] == "pipelines@acme-ml.iam.gserviceaccount.com"
    assert sent["schedule"]["cron"] == "TZ=Europe/Paris 0 3 * * 1"
    assert sent["images"] == [IMAGE]
    assert "placeholders_used_for" not in sent
    assert no_network == []


def test_cli_dry_run_needs_no_cloud_setting(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_network: list[Any],
) -> None:
    """`submit --dry-run` works on a fresh project: placeholders fill the cloud settings."""
    monkeypatch.setenv(f"{ENV_PREFIX}BUILD_DIR", str(tmp_path))
    assert main(["submit", "--dry-run", "--threshold", "0.9"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is True
    assert out["job"]["parameter_values"]["threshold"] == 0.9
    # The registry's steps, offline: against a placeholder registry, after the candidates.
    steps = [step.rsplit("/", 1)[-1] for step in out["steps"]]
    assert steps[-2:] == ["select-best", "export-register-promote"]
    assert steps.count("train-evaluate") == 1  # inside the candidates' loop, once in the spec
    assert out["job"]["parameter_values"]["registry_uri"] == "gs://dry-run-bucket/registry"
    assert len(out["job"]["parameter_values"]["candidates"]) == 3
    assert set(out["placeholders_used_for"]) == {"gcp_project", "pipeline_root", "pipeline_image"}
    assert (tmp_path / "training.yaml").is_file()
    assert main(["submit", "--dry-run", "--pipeline", "batch-prediction"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["job"]["parameter_values"]["model_uri"] == "gs://dry-run-bucket/model_uri"
    assert no_network == []


def test_the_monitoring_pipeline_is_scheduled_with_its_own_cron(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_network: list[Any],
) -> None:
    """`submit --pipeline monitoring`: the champion's check of the served records on
    monitoring_schedule_cron, a training run on an alert only when asked."""
    monkeypatch.setenv(f"{ENV_PREFIX}BUILD_DIR", str(tmp_path))
    monkeypatch.setenv(f"{ENV_PREFIX}MONITORING_SCHEDULE_CRON", "0 6 * * *")
    monkeypatch.setenv(f"{ENV_PREFIX}MONITORING_SOURCE", "bq://acme.ml.table")
    get_settings.cache_clear()
    assert main(["submit", "--dry-run", "--pipeline", "monitoring"]) == 0
    out = json.loads(capsys.readouterr().out)
    values = out["job"]["parameter_values"]
    assert values["source"] == "bq://acme.ml.table"
    assert values["model_uri"] == f"models:/{get_settings().model_name}@champion"
    assert (values["since"], values["retrain_on_alert"]) == ("7d", False)
    assert out["schedule"]["cron"] == "0 6 * * *"
    assert [step.rsplit("/", 1)[-1] for step in out["steps"]][:2] == ["resolve-model", "monitor"]
    monkeypatch.setenv(f"{ENV_PREFIX}MONITORING_RETRAIN_ON_ALERT", "true")
    get_settings.cache_clear()
    assert main(["submit", "--pipeline", "monitoring"]) == 2  # where would it train?
    assert "--data-uri" in capsys.readouterr().err
    assert no_network == []


def test_real_submit_needs_the_cloud_settings(tmp_path: Path) -> None:
    """Without project, root and image a real submission stops, naming the variables."""
    with pytest.raises(submit.SubmitConfigError, match=f"{ENV_PREFIX}GCP_PROJECT"):
        submit.plan_submission(Settings(build_dir=tmp_path), "training", PARAMS, dry_run=False)


def test_cli_reports_missing_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    """No data URI, no model URI: exit code 2 and the option to set."""
    assert main(["submit"]) == 2
    err = capsys.readouterr().err
    assert "--data-uri" in err
    assert "REGISTRY_URI as gs://BUCKET/PATH or vertex://PROJECT/REGION" in err  # not a folder
    assert main(["submit", "--pipeline", "batch-prediction"]) == 2
    assert "--model-uri" in capsys.readouterr().err


def test_parameters_are_checked_against_the_compiled_spec(cloud_settings: Settings) -> None:
    """Missing, unknown and mistyped parameters are refused before anything is sent."""
    with pytest.raises(submit.SubmitConfigError, match="missing required parameter 'data_uri'"):
        submit.plan_submission(cloud_settings, "training", {"threshold": 0.8}, dry_run=True)
    plan = submit.plan_submission(cloud_settings, "training", PARAMS, dry_run=True)
    spec = load_spec(plan.template_path)
    problems = submit.check_parameters(
        spec, {"data_uri": "x", "threshold": "high", "seed": 1.5, "extra": 1}
    )
    assert problems == [
        "unknown parameter 'extra'",
        "parameter 'seed'=1.5 is not NUMBER_INTEGER",
        "parameter 'threshold'='high' is not NUMBER_DOUBLE",
    ]


class FakeSchedule:
    """A schedule as Vertex AI lists it; deleting it is recorded."""

    def __init__(self, resource_name: str, deleted: list[str]) -> None:
        self.resource_name = resource_name
        self._deleted = deleted

    def delete(self) -> None:
        self._deleted.append(self.resource_name)


class FakeJob:
    """Records what would have been sent to Vertex AI; its project holds schedules."""

    def __init__(self, existing: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.resource_name = "projects/acme-ml/locations/europe-west4/pipelineJobs/job"
        self.deleted: list[str] = []
        self.schedules = [FakeSchedule(name, self.deleted) for name in existing]

    def submit(self, **kwargs: Any) -> None:
        self.calls.append(("submit", kwargs))

    def create_schedule(self, **kwargs: Any) -> Any:
        self.calls.append(("create_schedule", kwargs))
        self.schedules.append(FakeSchedule(f"schedules/{len(self.schedules) + 1}", self.deleted))
        return self.schedules[-1]

    def listed(self, plan: SubmitPlan) -> list[FakeSchedule]:
        """existing_schedules(plan): the live schedules of the plan's name."""
        return [s for s in self.schedules if s.resource_name not in self.deleted]


@pytest.fixture
def fake_vertex(monkeypatch: pytest.MonkeyPatch) -> FakeJob:
    """Vertex AI replaced by a FakeJob whose project already holds one schedule."""
    fake = FakeJob(existing=("schedules/old",))
    monkeypatch.setattr(submit, "build_job", lambda plan, credentials=None: fake)
    monkeypatch.setattr(submit, "existing_schedules", fake.listed)
    return fake


def test_real_submit_creates_the_schedule_or_starts_a_run(
    cloud_settings: Settings, fake_vertex: FakeJob
) -> None:
    """With a cron the schedule is created (Vertex AI starts the runs); without, one run."""
    plan = submit.plan_submission(cloud_settings, "training", PARAMS, dry_run=False)
    assert submit.submit(plan, dry_run=False)["schedule_name"] == "schedules/2"
    plan = submit.plan_submission(cloud_settings, "training", PARAMS, False, schedule_cron="")
    assert submit.submit(plan, dry_run=False)["resource_name"] == fake_vertex.resource_name
    assert [name for name, _ in fake_vertex.calls] == ["create_schedule", "submit"]
    assert fake_vertex.calls[0][1]["cron"] == "TZ=Europe/Paris 0 3 * * 1"
    assert fake_vertex.calls[0][1]["display_name"] == f"{TRAINING_PIPELINE}-schedule"
    assert fake_vertex.calls[1][1]["service_account"] == cloud_settings.pipeline_service_account


def test_redeploying_a_schedule_replaces_the_old_one(
    cloud_settings: Settings, fake_vertex: FakeJob
) -> None:
    """Each deploy leaves exactly one schedule of the name: the new one, then the old deleted."""
    plan = submit.plan_submission(cloud_settings, "training", PARAMS, dry_run=False)
    first = submit.submit(plan, dry_run=False)
    assert first["replaced_schedules"] == ["schedules/old"]
    second = submit.submit(plan, dry_run=False)
    assert second["replaced_schedules"] == [first["schedule_name"]]
    assert [s.resource_name for s in fake_vertex.listed(plan)] == [second["schedule_name"]]


def test_a_failed_schedule_leaves_the_old_one_running(
    cloud_settings: Settings, fake_vertex: FakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old schedule is deleted only once its replacement exists."""

    def refused(**kwargs: Any) -> Any:
        raise RuntimeError("403 Permission denied")

    monkeypatch.setattr(fake_vertex, "create_schedule", refused)
    plan = submit.plan_submission(cloud_settings, "training", PARAMS, dry_run=False)
    with pytest.raises(RuntimeError, match="403"):
        submit.submit(plan, dry_run=False)
    assert fake_vertex.deleted == []
