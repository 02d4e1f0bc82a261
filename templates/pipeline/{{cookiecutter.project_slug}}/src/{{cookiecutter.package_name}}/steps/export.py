"""Export: the servable model folder (model file and metadata.json), with its scores."""

from __future__ import annotations

import shutil
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
) -> Path:
    """Copy the model folder to `dest_dir` and add the name, version and scores to its
    metadata.json. The folder is what a serving API's MODEL_URI takes."""
    source, dest = local_path(model_dir), local_path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copyfile(path, dest / path.name)
    metadata = {
        "name": MODEL_NAME,
        "version": __version__,
        "package_version": __version__,
        **read_metadata(source),
        "metrics": evaluation["metrics"],
        "gate": {
            "metric": evaluation["metric"],
            "threshold": evaluation["threshold"],
            "passed": evaluation["passed"],
        },
        **(extra or {}),
    }
    write_metadata(metadata, dest)
    logger.info("exported", path=str(dest))
    return dest
