"""Evaluate: score the model on the held-out data and apply the quality gate{% if cookiecutter.tracking == "clearml" %} (tracked){% endif %}.

The metrics depend on the task; the gate compares one of them to a threshold, in the
metric's own direction (a score must reach it, an error must stay at or below it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import Contract, ContractError, load_contract
from {{ cookiecutter.package_name }}.model import (
    CUTOFF,
    Model,
    load_model,
    targets,
)
from {{ cookiecutter.package_name }}.ops.logging import logger
{%- if cookiecutter.tracking == "clearml" %}
from {{ cookiecutter.package_name }}.ops.tracking import track
{%- endif %}
from {{ cookiecutter.package_name }}.profile import Profile
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path, read_table, write_json

if TYPE_CHECKING:
    import pandas as pd

# Each task's metrics, and whether a greater value is better.
METRICS: dict[str, dict[str, bool]] = {
    "binary": {
        "roc_auc": True,
        "accuracy": True,
        "f1": True,
        "precision": True,
        "recall": True,
        "log_loss": False,
    },
    "multiclass": {
        "f1_macro": True,
        "accuracy": True,
        "balanced_accuracy": True,
        "log_loss": False,
    },
    "regression": {"r2": True, "rmse": False, "mae": False},
}
ALL_METRICS = sorted({name for metrics in METRICS.values() for name in metrics})
DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "f1_macro", "regression": "r2"}
# A score that clearly beats guessing; errors (lower is better) have no default: set THRESHOLD.
DEFAULT_THRESHOLD = {
    "roc_auc": 0.7,
    "accuracy": 0.7,
    "balanced_accuracy": 0.5,
    "f1": 0.5,
    "f1_macro": 0.5,
    "precision": 0.5,
    "recall": 0.5,
    "r2": 0.3,
}
ROC_POINTS = 200  # at most this many points of the ROC curve are kept


class GateError(ContractError):
    """The gate's metric or threshold does not fit the task."""

    hint = "choose a metric of the task (METRIC=) and a threshold (THRESHOLD=)"


def resolve_gate(
    contract: Contract, metric: str | None = None, threshold: float | None = None
) -> tuple[str, float]:
    """The gate's metric and threshold: the given ones, checked, or the task's defaults."""
    metrics = METRICS[contract.task]
    metric = metric or DEFAULT_METRIC[contract.task]
    if metric not in metrics:
        raise GateError(
            f"metric {metric!r} is not a metric of a {contract.task} task: "
            f"choose one of {', '.join(metrics)}"
        )
    if threshold is None:
        if metric not in DEFAULT_THRESHOLD:
            raise GateError(f"metric {metric!r} (lower is better) has no default threshold")
        threshold = DEFAULT_THRESHOLD[metric]
    return metric, float(threshold)


def greater_is_better(metric: str) -> bool:
    """Whether a greater value of `metric` is better (a score), or a smaller (an error)."""
    higher = {name: up for task in METRICS.values() for name, up in task.items()}
    if metric not in higher:
        raise GateError(f"unknown metric {metric!r}; choose one of {sorted(higher)}")
    return higher[metric]


def passes(metrics: dict[str, float], metric: str, threshold: float) -> bool:
    """The gate: a score at least `threshold`, an error at most `threshold`."""
    if metric not in metrics:
        raise GateError(f"unknown metric {metric!r}; choose one of {sorted(metrics)}")
    value = metrics[metric]
    return value >= threshold if greater_is_better(metric) else value <= threshold


@dataclass(frozen=True)
class Evaluation:
    """The scores of a model on a test table, and whether it passes the gate."""

    metrics: dict[str, float]
    metric: str
    threshold: float
    passed: bool
    rows: int
    params: dict[str, Any] = field(default_factory=dict)  # the model's hyper-parameters
    labels: list[str] = field(default_factory=list)  # the confusion matrix's classes
    confusion_matrix: list[list[int]] = field(default_factory=list)
    roc_curve: dict[str, list[float]] = field(default_factory=dict)
    # The predictions' distribution on these rows: the drift check's reference for the
    # predictions (profile.py), which export adds to the model's profile.
    predictions: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return asdict(self)


def compute_metrics(model: Model, frame: pd.DataFrame) -> dict[str, float]:
    """Every metric of the model's task on a table with the features and the label."""
    from sklearn import metrics as skm

    contract = model.contract
    truth = targets(contract, frame)
    scores = model.scores(model.encode_table(frame))
    if contract.task == "regression":
        return {
            "r2": float(skm.r2_score(truth, scores)),
            "rmse": float(skm.mean_squared_error(truth, scores) ** 0.5),
            "mae": float(skm.mean_absolute_error(truth, scores)),
        }
    labels = list(range(len(contract.classes)))
    if contract.task == "binary":
        predicted = (scores[:, 1] >= CUTOFF).astype(int)
        return {
            "roc_auc": float(skm.roc_auc_score(truth, scores[:, 1])),
            "accuracy": float(skm.accuracy_score(truth, predicted)),
            "f1": float(skm.f1_score(truth, predicted, zero_division=0)),
            "precision": float(skm.precision_score(truth, predicted, zero_division=0)),
            "recall": float(skm.recall_score(truth, predicted, zero_division=0)),
            "log_loss": float(skm.log_loss(truth, scores, labels=labels)),
        }
    predicted = scores.argmax(axis=1)
    return {
        "f1_macro": float(skm.f1_score(truth, predicted, average="macro", labels=labels)),
        "accuracy": float(skm.accuracy_score(truth, predicted)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(truth, predicted)),
        "log_loss": float(skm.log_loss(truth, scores, labels=labels)),
    }


def evaluate_model(model: Model, frame: pd.DataFrame, metric: str, threshold: float) -> Evaluation:
    """Scores, confusion matrix and (binary) ROC curve of `model` on `frame`, and the verdict."""
    from sklearn import metrics as skm

    contract = model.contract
    scores = compute_metrics(model, frame)
    verdict = passes(scores, metric, threshold)
    params = dict(model.metadata.get("params") or {})
    proba = model.scores(model.encode_table(frame))
    reference = Profile.learn_predictions(contract, proba)
    if contract.task == "regression":
        return Evaluation(
            scores, metric, threshold, verdict, len(frame), params, predictions=reference
        )
    truth = targets(contract, frame)
    predicted = (
        (proba[:, 1] >= CUTOFF).astype(int) if contract.task == "binary" else proba.argmax(axis=1)
    )
    labels = list(range(len(contract.classes)))
    matrix = skm.confusion_matrix(truth, predicted, labels=labels)
    roc: dict[str, list[float]] = {}
    if contract.task == "binary":
        fpr, tpr, cuts = skm.roc_curve(truth, proba[:, 1])
        step = max(1, len(fpr) // ROC_POINTS)  # keep the artifact small on big test sets
        roc = {
            "fpr": fpr[::step].tolist(),
            "tpr": tpr[::step].tolist(),
            "thresholds": [min(float(t), 1.0) for t in cuts[::step]],
        }
    return Evaluation(
        scores,
        metric,
        threshold,
        verdict,
        len(frame),
        params,
        labels=contract.class_keys,
        confusion_matrix=[[int(v) for v in row] for row in matrix],
        roc_curve=roc,
        predictions=reference,
    )


@reported()
def evaluate(
    model_path: str | Path,
    test_path: str | Path,
    metric: str | None = None,
    threshold: float | None = None,
    report_path: str | Path | None = None,
) -> Evaluation:
    """Evaluate a saved model folder on a saved test table; write the evaluation as JSON."""
    model = load_model(local_path(model_path))
    metric, threshold = resolve_gate(model.contract, metric, threshold)
{%- if cookiecutter.tracking == "clearml" %}
    params = {"metric": metric, "threshold": threshold}
    with track("evaluate", params=params, inputs=[model_path, test_path]) as run:
        result = evaluate_model(model, read_table(test_path, model.contract), metric, threshold)
        run.log_metrics({**result.metrics, "passed": float(result.passed)})
{%- else %}
    result = evaluate_model(model, read_table(test_path, model.contract), metric, threshold)
{%- endif %}
    if report_path is not None:
        write_json(result.to_json(), report_path)
    logger.info(
        "evaluated", gate=metric, threshold=threshold, passed=result.passed, **result.metrics
    )
    return result


def default_contract_gate() -> tuple[str, float]:
    """The project's contract's default gate (the pipelines' parameter defaults)."""
    return resolve_gate(load_contract())
