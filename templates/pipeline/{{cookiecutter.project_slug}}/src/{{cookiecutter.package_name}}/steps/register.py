"""Register: the exported model becomes the next version of its name in the registry, with
its lineage (data, code, run, parameters, scores, framework{% if cookiecutter.tracking == "clearml" %}, the ClearML task{% endif %})."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.model import read_metadata
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.registry import (
    Version,
    open_registry,
    registration_record,
)
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path


@reported()
def register(
    model_dir: str | Path,
    registry_uri: str,
    name: str,
    evaluation: dict[str, Any],
    lineage: dict[str, Any],
    **options: Any,
) -> Version:
    """Register the model folder as the next version of `name`; return the version."""
    folder = local_path(model_dir)
    metadata = read_metadata(folder)
    training = metadata.get("training") or {}
    full = {
        **lineage,
        "task": metadata.get("task"),
        "gate": metadata.get("gate"),
        "train_rows": training.get("train_rows"),
{%- if cookiecutter.tracking == "clearml" %}
        "clearml_task_id": training.get("clearml_task_id"),
{%- endif %}
        "candidates": evaluation.get("candidates"),
    }
    record = registration_record(
        metadata, {k: v for k, v in full.items() if v is not None}, evaluation["metrics"]
    )
    version = open_registry(registry_uri, **options).register(name, folder, record)
    logger.info("registered", model_version=version.uri, registry=registry_uri)
    return version
