"""Resolve: the model a batch prediction uses, a folder or a registered version, made a local
folder. A `models:/<name>@champion` URI is resolved when the pipeline runs, so a scheduled
batch prediction always uses the champion of the day."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.model import ModelLoadError
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.registry import is_model_uri, open_registry, resolve
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path


@reported()
def resolve_to(model_uri: str, registry_uri: str, dest: str | Path, **options: Any) -> str:
    """Copy the model folder `model_uri` names into `dest`; return the version or folder."""
    target = local_path(dest)
    target.mkdir(parents=True, exist_ok=True)
    if is_model_uri(model_uri):
        # A remote registry downloads straight into the task's output: no copy left behind.
        version, folder = resolve(model_uri, open_registry(registry_uri, **options), target)
        resolved = version.uri
    else:
        folder, resolved = local_path(model_uri), model_uri
        if folder.is_file():
            folder = folder.parent
        if not folder.is_dir():
            raise ModelLoadError(f"no model folder at {model_uri}")
    if folder.resolve() != target.resolve():
        for path in folder.iterdir():
            if path.is_file():
                shutil.copyfile(path, target / path.name)
    logger.info("model resolved", model_uri=model_uri, resolved=resolved)
    return resolved
