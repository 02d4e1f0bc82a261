"""Export: write the servable model folder (model.joblib and metadata.json)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.schema import (
    FEATURES,
    LABEL,
    PREDICTION,
    PROBABILITY,
)
from {{ cookiecutter.package_name }}.steps.io import (
    METADATA_FILE,
    MODEL_FILE,
    file_sha256,
    local_path,
    write_json,
)


def export_model(
    model_path: str | Path,
    dest_dir: str | Path,
    metrics: dict[str, float],
    extra: dict[str, Any] | None = None,
) -> Path:
    """Copy the model to `dest_dir/model.joblib` and describe it in `dest_dir/metadata.json`.

    The folder (or the joblib file in it) is what a serving API's MODEL_URI takes.
    """
    import sklearn

    dest = local_path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(local_path(model_path), dest / MODEL_FILE)
    metadata = {
        "name": "{{ cookiecutter.project_slug }}",
        "package_version": __version__,
        "framework": "scikit-learn",
        "sklearn_version": sklearn.__version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "features": list(FEATURES),
        "label": LABEL,
        "outputs": [PREDICTION, PROBABILITY],
        "metrics": metrics,
        "sha256": file_sha256(dest / MODEL_FILE),
        **(extra or {}),
    }
    write_json(metadata, dest / METADATA_FILE)
    logger.info("exported", path=str(dest))
    return dest
