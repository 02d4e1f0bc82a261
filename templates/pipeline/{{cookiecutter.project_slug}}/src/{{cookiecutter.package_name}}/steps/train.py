"""Train: fit the model the contract describes on the training part, save its folder{% if cookiecutter.tracking == "clearml" %} (tracked){% endif %}."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.contract import Contract, load_contract
from {{ cookiecutter.package_name }}.framework import GRID, MAIN_PARAMETER, Params
from {{ cookiecutter.package_name }}.model import Model{% if cookiecutter.tracking == "clearml" %}, annotate{% endif %}
from {{ cookiecutter.package_name }}.ops.logging import logger
{%- if cookiecutter.tracking == "clearml" %}
from {{ cookiecutter.package_name }}.ops.tracking import track
{%- endif %}
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import read_table


def candidate_grid(values: list[float], params: dict[str, str]) -> list[dict[str, str]]:
    """The candidates' hyper-parameters: `params`, with each of `values` (default: the
    framework's GRID) for its main hyper-parameter, unless `params` fixes that one."""
    if MAIN_PARAMETER in params:
        return [dict(params)]
    return [{**params, MAIN_PARAMETER: str(value)} for value in values or GRID]


@reported()
def train(
    train_path: str | Path,
    model_dir: str | Path,
    params: Params,
    contract: Contract | None = None,
) -> dict[str, Any]:
    """Fit on the table at `train_path`; write the model folder; return what was trained."""
    contract = contract or load_contract()
{%- if cookiecutter.tracking == "clearml" %}
    with track("train", params=asdict(params), inputs=[train_path]) as run:
        info = _train(train_path, model_dir, params, contract)
        if run.id is not None:  # a registered model's lineage names its tracked run
            info["clearml_task_id"] = run.id
            annotate(model_dir, training=info)
        run.log_metrics({"train_rows": info["train_rows"]})
        run.log_artifact(model_dir, name="model")
{%- else %}
    info = _train(train_path, model_dir, params, contract)
{%- endif %}
    logger.info("trained", rows=info["train_rows"], estimator=info["estimator"], task=contract.task)
    return info


def _train(
    train_path: str | Path, model_dir: str | Path, params: Params, contract: Contract
) -> dict[str, Any]:
    frame = read_table(train_path, contract)
    model = Model.fit(contract, frame, params)
    info = {
        "estimator": model.metadata["estimator"],
        "task": contract.task,
        "train_rows": len(frame),
        **asdict(params),
    }
    model.save(model_dir, training=info)
    return info
