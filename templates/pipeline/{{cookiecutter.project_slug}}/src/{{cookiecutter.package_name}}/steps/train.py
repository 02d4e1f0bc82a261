"""Train: split the table, fit a scikit-learn Pipeline, save it{% if cookiecutter.tracking == "clearml" %} (tracked){% endif %}."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from {{ cookiecutter.package_name }}.ops.logging import logger
{%- if cookiecutter.tracking == "clearml" %}
from {{ cookiecutter.package_name }}.ops.tracking import track
{%- endif %}
from {{ cookiecutter.package_name }}.schema import FEATURES, LABEL
from {{ cookiecutter.package_name }}.steps.io import read_table, save_model, write_table


@dataclass(frozen=True)
class TrainParams:
    """The training's hyper-parameters."""

    regularization: float = 1.0  # LogisticRegression's C (inverse strength)
    max_iter: int = 1000
    test_fraction: float = 0.25
    seed: int = 42


def split(
    frame: pd.DataFrame, test_fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified, reproducible train/test split."""
    train_part, test_part = train_test_split(
        frame, test_size=test_fraction, random_state=seed, stratify=frame[LABEL]
    )
    return train_part, test_part


def build_model(params: TrainParams) -> Pipeline:
    """The untrained model: scaling, then logistic regression."""
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(C=params.regularization, max_iter=params.max_iter)),
        ]
    )


def fit(frame: pd.DataFrame, params: TrainParams) -> Pipeline:
    """Fit the model on a table with the FEATURES and LABEL columns."""
    model = build_model(params)
    model.fit(frame[list(FEATURES)], frame[LABEL])
    return model


def train(
    data_path: str | Path,
    model_path: str | Path,
    test_path: str | Path,
    params: TrainParams,
) -> dict[str, Any]:
    """Split `data_path`, fit on the train part, write the model and the held-out test part."""
{%- if cookiecutter.tracking == "clearml" %}
    with track("train", params=asdict(params), inputs=[data_path]) as run:
        info = _train(data_path, model_path, test_path, params)
        run.log_metrics({"train_rows": info["train_rows"], "test_rows": info["test_rows"]})
        run.log_artifact(model_path, name="model")
{%- else %}
    info = _train(data_path, model_path, test_path, params)
{%- endif %}
    logger.info("trained", rows=info["train_rows"], estimator=info["estimator"])
    return info


def _train(
    data_path: str | Path, model_path: str | Path, test_path: str | Path, params: TrainParams
) -> dict[str, Any]:
    frame = read_table(data_path)
    train_part, test_part = split(frame, params.test_fraction, params.seed)
    model = fit(train_part, params)
    save_model(model, model_path)
    write_table(test_part, test_path)
    return {
        "framework": "scikit-learn",
        "estimator": type(model[-1]).__name__,
        "features": list(FEATURES),
        "label": LABEL,
        "train_rows": len(train_part),
        "test_rows": len(test_part),
        **asdict(params),
    }
