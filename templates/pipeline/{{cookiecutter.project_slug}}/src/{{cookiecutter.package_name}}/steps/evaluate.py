"""Evaluate: score the model on the held-out data and apply the quality gate{% if cookiecutter.tracking == "clearml" %} (tracked){% endif %}."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn import metrics as skm
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.ops.logging import logger
{%- if cookiecutter.tracking == "clearml" %}
from {{ cookiecutter.package_name }}.ops.tracking import track
{%- endif %}
from {{ cookiecutter.package_name }}.schema import FEATURES, LABEL
from {{ cookiecutter.package_name }}.steps.io import load_model, read_table

METRICS = ("roc_auc", "accuracy", "f1", "precision", "recall")
CUTOFF = 0.5  # probability above which a prediction is positive
ROC_POINTS = 200  # at most this many points of the ROC curve are kept


@dataclass(frozen=True)
class Evaluation:
    """The scores of a model on a test table, and whether it passes the gate."""

    metrics: dict[str, float]
    metric: str
    threshold: float
    passed: bool
    confusion_matrix: list[list[int]]
    roc_curve: dict[str, list[float]]


def compute_metrics(model: Pipeline, frame: pd.DataFrame) -> dict[str, float]:
    """Every metric of METRICS on a table with the FEATURES and LABEL columns."""
    truth = frame[LABEL].to_numpy()
    proba = model.predict_proba(frame[list(FEATURES)])[:, 1]
    pred = (proba >= CUTOFF).astype(int)
    return {
        "roc_auc": float(skm.roc_auc_score(truth, proba)),
        "accuracy": float(skm.accuracy_score(truth, pred)),
        "f1": float(skm.f1_score(truth, pred, zero_division=0)),
        "precision": float(skm.precision_score(truth, pred, zero_division=0)),
        "recall": float(skm.recall_score(truth, pred, zero_division=0)),
    }


def passes(metrics: dict[str, float], metric: str, threshold: float) -> bool:
    """The gate: `metric` is at least `threshold`."""
    if metric not in metrics:
        raise ValueError(f"unknown metric {metric!r}; choose one of {sorted(metrics)}")
    return metrics[metric] >= threshold


def evaluate_model(
    model: Pipeline, frame: pd.DataFrame, metric: str, threshold: float
) -> Evaluation:
    """Scores, confusion matrix and ROC curve of `model` on `frame`, and the gate's verdict."""
    scores = compute_metrics(model, frame)
    truth = frame[LABEL].to_numpy()
    proba = model.predict_proba(frame[list(FEATURES)])[:, 1]
    fpr, tpr, thresholds = skm.roc_curve(truth, proba)
    step = max(1, len(fpr) // ROC_POINTS)  # keep the artifact small on big test sets
    finite = [min(float(t), 1.0) for t in thresholds[::step]]
    matrix = skm.confusion_matrix(truth, (proba >= CUTOFF).astype(int), labels=[0, 1])
    return Evaluation(
        metrics=scores,
        metric=metric,
        threshold=threshold,
        passed=passes(scores, metric, threshold),
        confusion_matrix=[[int(v) for v in row] for row in matrix],
        roc_curve={"fpr": fpr[::step].tolist(), "tpr": tpr[::step].tolist(), "thresholds": finite},
    )


def evaluate(
    model_path: str | Path, test_path: str | Path, metric: str, threshold: float
) -> Evaluation:
    """Evaluate a saved model on a saved test table."""
{%- if cookiecutter.tracking == "clearml" %}
    params = {"metric": metric, "threshold": threshold}
    with track("evaluate", params=params, inputs=[model_path, test_path]) as run:
        result = evaluate_model(load_model(model_path), read_table(test_path), metric, threshold)
        run.log_metrics({**result.metrics, "passed": float(result.passed)})
{%- else %}
    result = evaluate_model(load_model(model_path), read_table(test_path), metric, threshold)
{%- endif %}
    logger.info(
        "evaluated", gate=metric, threshold=threshold, passed=result.passed, **result.metrics
    )
    return result
