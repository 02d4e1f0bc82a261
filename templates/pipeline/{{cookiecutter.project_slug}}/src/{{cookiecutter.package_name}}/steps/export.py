"""Export: the servable model folder (model file and metadata.json), with its scores, its
reference profile (what monitoring compares new data with: profile.py) and its
own version: the pipeline run's name, unique per run, so two models never share one (the
registry's version number names it in `models:/` URIs)."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.model import read_metadata, write_metadata
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path

MODEL_NAME = "{{ cookiecutter.project_slug }}"


@reported()
def export_model(
    model_dir: str | Path,
    dest_dir: str | Path,
    evaluation: dict[str, Any],
    extra: dict[str, Any] | None = None,
    version: str = "",
) -> Path:
    """Copy the model folder to `dest_dir` and add the name, version (`version`, else a new
    unique one) and scores to its metadata.json. The folder is what a serving API's MODEL_URI
    takes."""
    source, dest = local_path(model_dir), local_path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copyfile(path, dest / path.name)
    trained = read_metadata(source)
    # The reference of the drift check: the training rows' profile, and the predictions on
    # the held-out rows (the evaluation's).
    profile = {**trained.get("profile", {}), "predictions": evaluation.get("predictions", {})}
    metadata = {
        "name": MODEL_NAME,
        **trained,
        "profile": profile,
        "version": version or unique_version(),
        "package_version": __version__,
        "metrics": evaluation["metrics"],
        "gate": {
            "metric": evaluation["metric"],
            "threshold": evaluation["threshold"],
            "passed": evaluation["passed"],
        },
        **(extra or {}),
    }
    write_metadata(metadata, dest)
    logger.info("exported", path=str(dest), model_version=metadata["version"])
    return dest


def unique_version() -> str:
    """A version for a model exported outside a pipeline run: the time and a random part."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{MODEL_NAME}-{stamp}-{uuid.uuid4().hex[:8]}"
