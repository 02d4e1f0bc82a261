"""Run the pipelines on this machine with KFP's local SubprocessRunner.

Each task runs as `python -m kfp.dsl.executor_main` in a subprocess of this interpreter
(`use_venv=False`): the project's own environment, no per-task venv, no pip install, no
network. Outputs land under `settings.output_dir` (git-ignored `outputs/`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.ops.config import Settings
from {{ cookiecutter.package_name }}.ops.logging import ENV_PREFIX, active_format, logger
from {{ cookiecutter.package_name }}.steps.io import MODEL_FILE


class PipelineFailedError(RuntimeError):
    """A task of a local run failed: its logs, above the message, say why."""


@dataclass(frozen=True)
class LocalRunResult:
    """Where a local run left its outputs."""

    pipeline: str
    output_dir: Path
    passed: bool | None = None
    model_uri: Path | None = None
    predictions_uri: Path | None = None


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
def _tasks_log_like_this_process() -> Iterator[None]:
    """Tasks write to a pipe, so on their own they would pick JSON even when this process
    writes text to a terminal: pass them this process's format (unless one is set)."""
    variable = f"{ENV_PREFIX}LOG_FORMAT"
    chosen = active_format()
    if variable in os.environ or chosen is None:
        yield
        return
    os.environ[variable] = chosen
    try:
        yield
    finally:
        os.environ.pop(variable, None)


def _run_pipeline(pipeline: Callable[..., Any], output_dir: Path, **arguments: Any) -> Any:
    """Run a pipeline function locally; a failed task raises PipelineFailedError."""
    started = time.time()
    with warnings.catch_warnings(), _tasks_log_like_this_process():
        # The runner warns when an image name lacks "python": ours is a placeholder here.
        warnings.filterwarnings("ignore", message="You may be attemping to run a task")
        # Cloud-only task settings (display names, caching options) do nothing locally.
        warnings.filterwarnings("ignore", message=r".*have no effect in the current local runner")
        try:
            return pipeline(**arguments)
        except RuntimeError as error:  # kfp.local's "... finished with status FAILURE ..."
            message = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # without the colours
            failed = _failed_validations(output_dir, since=started)
            raise PipelineFailedError("\n".join([message, *failed])) from error


def _failed_validations(output_dir: Path, since: float) -> list[str]:
    """The summaries of the failed validation reports written since `since`."""
    summaries = []
    for path in sorted(output_dir.glob("*/validate-data*/report")):
        if path.stat().st_mtime >= since:
            report = json.loads(path.read_text(encoding="utf-8"))
            if not report["success"]:
                summaries.append(f"Data validation failed: {report['summary']}")
    return summaries


def run_training(
    settings: Settings,
    data: str | Path | None = None,
    metric: str | None = None,
    threshold: float | None = None,
    regularization: float = 1.0,
) -> LocalRunResult:
    """Run the training pipeline; the model is exported under output_dir/models/."""
    from {{ cookiecutter.package_name }}.pipelines import (
        TRAINING_PIPELINE,
        training_pipeline,
    )

    output_dir = settings.output_dir.resolve()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    export_dir = output_dir / "models" / f"{TRAINING_PIPELINE}-{stamp}"
    init_local(output_dir)
    task = _run_pipeline(
        training_pipeline,
        output_dir,
        data_uri=str(Path(data or settings.data_path).resolve()),
        metric=metric or settings.eval_metric,
        threshold=settings.eval_threshold if threshold is None else threshold,
        regularization=regularization,
        test_fraction=settings.test_fraction,
        seed=settings.random_seed,
        # Locally a pipeline cannot return an output made inside dsl.If: the export step
        # writes here too, and the gate's verdict says whether it did.
        export_uri=str(export_dir),
    )
    passed = bool(task.output)
    model_uri = export_dir if passed and (export_dir / MODEL_FILE).exists() else None
    logger.info("local training run finished", passed=passed, model_uri=str(model_uri))
    return LocalRunResult(TRAINING_PIPELINE, output_dir, passed=passed, model_uri=model_uri)


def run_batch_prediction(
    settings: Settings, model_uri: str | Path, data: str | Path | None = None
) -> LocalRunResult:
    """Run the batch-prediction pipeline with an exported model (folder or joblib file)."""
    from {{ cookiecutter.package_name }}.pipelines import (
        BATCH_PREDICTION_PIPELINE,
        batch_prediction_pipeline,
    )

    output_dir = settings.output_dir.resolve()
    init_local(output_dir)
    task = _run_pipeline(
        batch_prediction_pipeline,
        output_dir,
        model_uri=str(Path(model_uri).resolve()),
        data_uri=str(Path(data or settings.data_path).resolve()),
    )
    predictions = Path(task.output.path)
    logger.info("local batch prediction finished", predictions_uri=str(predictions))
    return LocalRunResult(BATCH_PREDICTION_PIPELINE, output_dir, predictions_uri=predictions)
