"""Batch prediction: a model and a table give a table with `prediction` and `probability` columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.schema import FEATURES, PREDICTION, PROBABILITY
from {{ cookiecutter.package_name }}.steps.io import load_model, read_table, write_table


def predict(model: Pipeline, frame: pd.DataFrame, cutoff: float = 0.5) -> pd.DataFrame:
    """`frame` with the model's `probability` and 0/1 `prediction` (probability >= cutoff)."""
    proba = model.predict_proba(frame[list(FEATURES)])[:, 1]
    out = frame.copy()
    out[PROBABILITY] = proba.round(6)
    out[PREDICTION] = (proba >= cutoff).astype(int)
    return out


def predict_file(
    model_uri: str | Path, data_path: str | Path, out_path: str | Path
) -> dict[str, Any]:
    """Predict for the table at `data_path`, write the result to `out_path`; return a summary."""
    predictions = predict(load_model(model_uri), read_table(data_path))
    write_table(predictions, out_path)
    info: dict[str, Any] = {
        "rows": len(predictions),
        "positive_rate": float(predictions[PREDICTION].mean()),
        "mean_probability": float(predictions[PROBABILITY].mean()),
    }
    logger.info("predicted", **info)
    return info
