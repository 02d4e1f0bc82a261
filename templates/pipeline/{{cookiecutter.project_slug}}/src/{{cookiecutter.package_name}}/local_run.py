"""Run the pipelines on this machine with KFP's local SubprocessRunner.

Each task runs as `python -m kfp.dsl.executor_main` in a subprocess of this interpreter
(`use_venv=False`): the project's own environment, no per-task venv, no pip install, no
network. Outputs land under `settings.output_dir` (git-ignored `outputs/`): one folder per run,
with every task's artifacts and the run's full log (`run.log`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.console import Console, Step, captured
from {{ cookiecutter.package_name }}.local_tasks import warm_tasks
from {{ cookiecutter.package_name }}.ops.config import Settings
from {{ cookiecutter.package_name }}.ops.logging import ENV_PREFIX, active_format
from {{ cookiecutter.package_name }}.sources import absolute
from {{ cookiecutter.package_name }}.steps.failures import FAILURE_FILE_VARIABLE

LOG_FILE = "run.log"
PUBLISH_TASK = "export-register-promote"  # the task whose artifacts say what was registered
PREDICT_TASK = "predict-check-drift"  # batch prediction's task: predictions, drift report
MONITOR_TASK = "monitor"  # the monitoring pipeline's drift check
# Said once per run: the runner ignores every task's limits (and would warn for each).
IGNORED_SIZES = (
    "machines: step_resources size the steps on Vertex AI only; "
    "here every step runs on this machine"
)


class PipelineFailedError(RuntimeError):
    """A task of a local run failed: the message names it, says why and what to do."""

    def __init__(self, message: str, run_dir: Path | None = None) -> None:
        super().__init__(message)
        self.run_dir = run_dir  # the run's folder, with what its tasks wrote before


@dataclass(frozen=True)
class LocalRunResult:
    """Where a local run left its outputs, and what it found."""

    pipeline: str
    run_dir: Path | None
    log_file: Path
    steps: list[Step] = field(default_factory=list)
    passed: bool | None = None
    model_uri: Path | None = None
    predictions_uri: str | None = None
    evaluation: dict[str, Any] | None = None
    registration: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None
    resolved: str | None = None
    warnings: list[str] = field(default_factory=list)
    flagged: str | None = None  # batch prediction: the rows with values the model never saw
    warm_tasks: int = 0  # how many tasks started warm (local_tasks.py)
    drift: dict[str, Any] | None = None  # batch prediction, monitoring: the drift check's figures
    monitoring_report: Path | None = None  # ... and its HTML report


def init_local(output_dir: Path) -> None:
    """Point kfp.local at `output_dir`, with tasks run by this interpreter."""
    from kfp import local

    output_dir.mkdir(parents=True, exist_ok=True)
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(output_dir.resolve()),
        raise_on_error=True,
    )


@contextlib.contextmanager
def _task_environment(failure_file: Path) -> Iterator[None]:
    """What the tasks inherit: where a failed step records why, and this process's log
    format (tasks write to a pipe, so on their own they would always pick JSON)."""
    added = {FAILURE_FILE_VARIABLE: str(failure_file)}
    chosen = active_format()
    if f"{ENV_PREFIX}LOG_FORMAT" not in os.environ and chosen is not None:
        added[f"{ENV_PREFIX}LOG_FORMAT"] = chosen
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def _run_pipeline(
    pipeline: Callable[..., Any],
    name: str,
    output_dir: Path,
    verbose: bool,
    per_candidate: dict[str, int] | None = None,
    shown_as: dict[str, str] | None = None,
    **arguments: Any,
) -> tuple[Any, Path | None, Path, list[Step]]:
    """Run a pipeline function locally: its output, its folder, its log file and its steps.

    A failed task raises PipelineFailedError naming the step, the reason and the log file.
    """
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    log_file = output_dir / f".{name}-{stamp}.log"
    failure_file = output_dir / f".{name}-{stamp}.failure.json"
    before = {p.name for p in output_dir.glob(f"{name}-*")}
    console = Console(
        log_file.open("w", encoding="utf-8"),
        sys.stdout,
        verbose,
        dict(per_candidate or {}),
        dict(shown_as or {}),
    )
    console.say(IGNORED_SIZES)
    error: BaseException | None = None
    output = None
    try:
        with warnings.catch_warnings(), _task_environment(failure_file), captured(console):
            # The runner warns when an image name lacks "python": ours is a placeholder here.
            warnings.filterwarnings("ignore", message="You may be attemping to run a task")
            # Cloud-only task settings (display names, caching options, CPU and memory
            # limits) do nothing locally.
            warnings.filterwarnings("ignore", message=r".*have no effect in the current local")
            try:
                output = pipeline(**arguments)
            except RuntimeError as raised:  # kfp.local's "... finished with status FAILURE"
                error = raised
    finally:
        console.log.close()
    run_dir = next((p for p in output_dir.glob(f"{name}-*") if p.name not in before), None)
    if run_dir is not None:
        log_file = log_file.replace(run_dir / LOG_FILE)
    if error is not None:
        why = _why(console.steps, failure_file, error, log_file)
        raise PipelineFailedError(why, run_dir) from error
    failure_file.unlink(missing_ok=True)
    return output, run_dir, log_file, console.steps


def _why(steps: list[Step], failure_file: Path, error: BaseException, log_file: Path) -> str:
    """The failed step, the reason it gave and what to do, for the run's last lines."""
    from {{ cookiecutter.package_name }}.console import plain

    failed = next((s.label or s.name for s in reversed(steps) if s.status == "FAILED"), None)
    try:
        record = json.loads(failure_file.read_text(encoding="utf-8"))
        failure_file.unlink()
    except (OSError, ValueError):
        record = {"message": plain(str(error)), "hint": "read the log file"}
    step = f"step {failed!r} failed" if failed else "the run failed"
    reason = record["message"] if "type" not in record else f"{record['type']}: {record['message']}"
    return f"{step}: {reason}\nwhat to do: {record['hint']}\nfull log: {log_file}"


def _reports(run_dir: Path | None) -> list[dict[str, Any]]:
    """The validation reports of a run's folder."""
    if run_dir is None:
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(run_dir.glob("*/report"))]


def _artifact(run_dir: Path | None, task: str, name: str) -> dict[str, Any] | None:
    """A JSON artifact a task of the run wrote, if it did."""
    path = run_dir / task / name if run_dir is not None else None
    if path is None or not path.is_file():
        return None
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return found


def _artifact_metadata(run_dir: Path | None, task: str, output: str) -> dict[str, Any]:
    """The metadata a task of the run gave its output artifact `output` ({} if none)."""
    executed = _artifact(run_dir, task, "executor_output.json") or {}
    found = executed.get("artifacts", {}).get(output, {}).get("artifacts") or [{}]
    metadata: dict[str, Any] = found[0].get("metadata") or {}
    return metadata


def source_commit() -> str:
    """The git commit of the working directory (with `-dirty` if it has changes), or ''."""
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        return ""

    def run(*args: str) -> str:
        done = subprocess.run(  # noqa: S603  # git itself, with fixed arguments
            [git, *args], capture_output=True, text=True, timeout=5, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = run("rev-parse", "HEAD")
    if commit and run("status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    return commit


def registry_location(settings: Settings) -> str:
    """The registry URI as the tasks see it: a local folder made absolute."""
    uri = settings.registry_uri
    return uri if "://" in uri else str(Path(uri).resolve())


def run_training(
    settings: Settings,
    data: str | Path | None = None,
    metric: str | None = None,
    threshold: float | None = None,
    params: dict[str, str] | None = None,
    verbose: bool = False,
    sample_data: bool = False,
) -> LocalRunResult:
    """Run the training pipeline: candidates one after another, the best exported under
    output_dir/models/, registered, and compared with the champion (`sample_data`: the data
    is the project's sample, whose model never takes the champion from one of other data)."""
    with warm_tasks(settings.local_warm_start) as starter:  # first: libraries load meanwhile
        result = _train(settings, data, metric, threshold, params, verbose, sample_data)
    return replace(result, warm_tasks=starter.tasks if starter else 0)


def training_choices(
    settings: Settings,
    metric: str | None = None,
    threshold: float | None = None,
    params: dict[str, str] | None = None,
) -> tuple[str, float, list[dict[str, str]]]:
    """The run's gate (metric, threshold) and candidates, each checked against the contract
    and the model (a ContractError names the bad one). Light, without kfp or the model's
    library: the CLI refuses a bad choice with it before the helpers load those."""
    from {{ cookiecutter.package_name }}.contract import load_contract
    from {{ cookiecutter.package_name }}.model import params_from
    from {{ cookiecutter.package_name }}.steps.evaluate import resolve_gate
    from {{ cookiecutter.package_name }}.steps.train import candidate_grid

    metric, threshold = resolve_gate(
        load_contract(),
        metric or settings.eval_metric,
        settings.eval_threshold if threshold is None else threshold,
    )
    candidates = candidate_grid(settings.candidate_values, params or {})
    for candidate in candidates:
        params_from(candidate)  # refuse a bad hyper-parameter before anything runs
    return metric, threshold, candidates


def training_arguments(
    settings: Settings,
    data: str | Path | None,
    metric: str | None = None,
    threshold: float | None = None,
    params: dict[str, str] | None = None,
    sample_data: bool = False,
) -> tuple[dict[str, Any], Path]:
    """The training pipeline's arguments of a local run (the gate and every candidate
    checked first), and the folder its model is exported to."""
    from {{ cookiecutter.package_name }}.pipelines import TRAINING_PIPELINE

    metric, threshold, candidates = training_choices(settings, metric, threshold, params)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    export_dir = settings.output_dir.resolve() / "models" / f"{TRAINING_PIPELINE}-{stamp}"
    arguments = {
        "data_uri": absolute(data or settings.data_path),
        "candidates": [json.dumps(candidate) for candidate in candidates],
        "metric": metric,
        "threshold": threshold,
        "test_fraction": settings.test_fraction,
        "seed": settings.random_seed,
        # Locally a pipeline cannot return an output made inside dsl.If: the export step
        # writes here too, and the gate's verdict says whether it did.
        "export_uri": str(export_dir),
        "registry_uri": registry_location(settings),
        "model_name": settings.model_name,
        "registry_staging_uri": settings.registry_staging_uri,
        "source_commit": source_commit(),
        "sample_data": sample_data,
        "train_sample_rows": settings.train_sample_rows,
    }
    return arguments, export_dir


def _train(
    settings: Settings,
    data: str | Path | None,
    metric: str | None,
    threshold: float | None,
    params: dict[str, str] | None,
    verbose: bool,
    sample_data: bool,
) -> LocalRunResult:
    from {{ cookiecutter.package_name }}.pipelines import (
        TRAINING_PIPELINE,
        make_training_pipeline,
    )

    arguments, export_dir = training_arguments(
        settings, data, metric, threshold, params, sample_data
    )
    output_dir = settings.output_dir.resolve()
    init_local(output_dir)
    task, run_dir, log_file, steps = _run_pipeline(
        make_training_pipeline(parallelism=1, resources=settings.step_resources),
        TRAINING_PIPELINE,
        output_dir,
        verbose,
        {"train-evaluate": len(arguments["candidates"])},
        **arguments,
    )
    passed = bool(task.output)
    exported = passed and (export_dir / "metadata.json").is_file()
    return LocalRunResult(
        TRAINING_PIPELINE,
        run_dir,
        log_file,
        steps,
        passed=passed,
        model_uri=export_dir if exported else None,
        evaluation=_artifact(run_dir, "select-best", "best_evaluation"),
        registration=_artifact(run_dir, PUBLISH_TASK, "registration"),
        decision=_artifact(run_dir, PUBLISH_TASK, "decision"),
    )


def run_batch_prediction(
    settings: Settings,
    model_uri: str | Path,
    data: str | Path | None = None,
    verbose: bool = False,
    fail_on_drift: bool = False,
) -> LocalRunResult:
    """Run the batch-prediction pipeline with a model folder or a registry URI."""
    with warm_tasks(settings.local_warm_start) as starter:  # first: libraries load meanwhile
        result = _predict(settings, str(model_uri), data, verbose, fail_on_drift)
    return replace(result, warm_tasks=starter.tasks if starter else 0)


def drift_report(run_dir: Path | None, task: str) -> tuple[dict[str, Any] | None, Path | None]:
    """The drift check's figures (drift.json) and HTML report a task of the run wrote, also
    when it failed on an alert."""
    from {{ cookiecutter.package_name }}.report import FIGURES_FILE, REPORT_FILE

    if run_dir is None:
        return None, None
    folder = run_dir / task / "drift"
    figures = folder / FIGURES_FILE
    found = json.loads(figures.read_text(encoding="utf-8")) if figures.is_file() else None
    page = folder / REPORT_FILE
    return found, page if page.is_file() else None


def _model_uri(uri: str) -> str:
    """A model folder made absolute; registry URIs as they are."""
    return uri if "://" in uri or uri.startswith("models:/") else str(Path(uri).resolve())


def _predict(
    settings: Settings, uri: str, data: str | Path | None, verbose: bool, fail_on_drift: bool
) -> LocalRunResult:
    from {{ cookiecutter.package_name }}.pipelines import (
        BATCH_PREDICTION_PIPELINE,
        SHOWN_AS,
        make_batch_prediction_pipeline,
    )

    output_dir = settings.output_dir.resolve()
    init_local(output_dir)
    task, run_dir, log_file, steps = _run_pipeline(
        make_batch_prediction_pipeline(settings.step_resources),
        BATCH_PREDICTION_PIPELINE,
        output_dir,
        verbose,
        None,
        SHOWN_AS,
        model_uri=_model_uri(uri),
        data_uri=absolute(data or settings.data_path),
        registry_uri=registry_location(settings),
        registry_staging_uri=settings.registry_staging_uri,
        max_flagged_share=settings.max_flagged_share,
        min_records=settings.monitoring_min_records,
        fail_on_drift=fail_on_drift,
        predictions_format=settings.predictions_format,
        predictions_uri=settings.predictions_uri,
    )
    predicted = _artifact_metadata(run_dir, PREDICT_TASK, "predictions")
    checks = [
        f"predictions check (not fatal): {r['summary']}"
        for r in _reports(run_dir)
        if not r["success"]
    ]
    drift, page = drift_report(run_dir, PREDICT_TASK)
    return LocalRunResult(
        BATCH_PREDICTION_PIPELINE,
        run_dir,
        log_file,
        steps,
        predictions_uri=str(predicted.get("predictions_uri") or task.output.path),
        resolved=str(
            (_artifact(run_dir, "resolve-model", "executor_output.json") or {})
            .get("parameterValues", {})
            .get("Output")
            or uri
        ),
        warnings=checks,
        flagged=predicted.get("flagged"),
        drift=drift,
        monitoring_report=page,
    )


def run_monitoring(
    settings: Settings,
    source: str,
    model_uri: str | None = None,
    since: str | None = None,
    verbose: bool = False,
    fail_on_drift: bool = False,
) -> LocalRunResult:
    """Run the monitoring pipeline: the drift check of the records served since `since`
    (default: monitoring_since) against `model_uri` (default: the champion); a training run
    on the data at data_path when it says alert and monitoring_retrain_on_alert is set."""
    with warm_tasks(settings.local_warm_start) as starter:  # first: libraries load meanwhile
        result = _monitor(settings, source, model_uri, since, verbose, fail_on_drift)
    return replace(result, warm_tasks=starter.tasks if starter else 0)


def _monitor(
    settings: Settings,
    source: str,
    model_uri: str | None,
    since: str | None,
    verbose: bool,
    fail_on_drift: bool,
) -> LocalRunResult:
    from {{ cookiecutter.package_name }}.pipelines import (
        MONITORING_PIPELINE,
        make_monitoring_pipeline,
    )
    from {{ cookiecutter.package_name }}.schema import is_sample_data

    data = settings.data_path
    training, export_dir = training_arguments(settings, data, sample_data=is_sample_data(data))
    uri = model_uri or f"models:/{settings.model_name}@champion"
    output_dir = settings.output_dir.resolve()
    init_local(output_dir)
    _, run_dir, log_file, steps = _run_pipeline(
        make_monitoring_pipeline(parallelism=1, resources=settings.step_resources),
        MONITORING_PIPELINE,
        output_dir,
        verbose,
        None,
        source=source if "://" in source else str(Path(source).resolve()),
        model_uri=_model_uri(uri),
        since=settings.monitoring_since if since is None else since,
        min_records=settings.monitoring_min_records,
        fail_on_drift=fail_on_drift,
        retrain_on_alert=settings.monitoring_retrain_on_alert,
        **training,
    )
    drift, page = drift_report(run_dir, MONITOR_TASK)
    retrained = (export_dir / "metadata.json").is_file()
    return LocalRunResult(
        MONITORING_PIPELINE,
        run_dir,
        log_file,
        steps,
        model_uri=export_dir if retrained else None,
        resolved=str(
            (_artifact(run_dir, "resolve-model", "executor_output.json") or {})
            .get("parameterValues", {})
            .get("Output")
            or uri
        ),
        drift=drift,
        monitoring_report=page,
        registration=_artifact(run_dir, PUBLISH_TASK, "registration"),
        decision=_artifact(run_dir, PUBLISH_TASK, "decision"),
    )
