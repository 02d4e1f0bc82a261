"""Train: split the table, fit the model the contract describes, save its folder{% if cookiecutter.tracking == "clearml" %} (tracked){% endif %}."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import Contract, ContractError, load_contract
from {{ cookiecutter.package_name }}.framework import Params
from {{ cookiecutter.package_name }}.model import Model
from {{ cookiecutter.package_name }}.ops.logging import logger
{%- if cookiecutter.tracking == "clearml" %}
from {{ cookiecutter.package_name }}.ops.tracking import track
{%- endif %}
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import read_table, write_table

if TYPE_CHECKING:
    import pandas as pd

MIN_ROWS_PER_CLASS = 2  # a stratified split puts at least one row of each class in each part


def split(
    frame: pd.DataFrame, contract: Contract, test_fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reproducible train/test split, stratified by class for classification."""
    from sklearn.model_selection import train_test_split

    stratify = None
    if contract.task != "regression":
        counts = frame[contract.label.name].astype(str).value_counts()
        rare = {k: int(v) for k, v in counts.items() if v < MIN_ROWS_PER_CLASS}
        missing = [k for k in contract.class_keys if k not in counts]
        if rare or missing:
            per_class = {k: int(counts.get(k, 0)) for k in contract.class_keys}
            raise ContractError(
                f"label {contract.label.name!r}: every class needs at least "
                f"{MIN_ROWS_PER_CLASS} rows to train and test; rows per class: {per_class}"
            )
        stratify = frame[contract.label.name].astype(str)
    train_part, test_part = train_test_split(
        frame, test_size=test_fraction, random_state=seed, stratify=stratify
    )
    return train_part, test_part


@reported()
def train(
    data_path: str | Path,
    model_dir: str | Path,
    test_path: str | Path,
    params: Params,
    test_fraction: float = 0.25,
    seed: int = 42,
    contract: Contract | None = None,
) -> dict[str, Any]:
    """Split `data_path`, fit on the train part; write the model folder and the test part."""
    contract = contract or load_contract()
    settings = {**asdict(params), "test_fraction": test_fraction, "seed": seed}
{%- if cookiecutter.tracking == "clearml" %}
    with track("train", params=settings, inputs=[data_path]) as run:
        info = _train(data_path, model_dir, test_path, params, settings, contract)
        run.log_metrics({"train_rows": info["train_rows"], "test_rows": info["test_rows"]})
        run.log_artifact(model_dir, name="model")
{%- else %}
    info = _train(data_path, model_dir, test_path, params, settings, contract)
{%- endif %}
    logger.info("trained", rows=info["train_rows"], estimator=info["estimator"], task=contract.task)
    return info


def _train(
    data_path: str | Path,
    model_dir: str | Path,
    test_path: str | Path,
    params: Params,
    settings: dict[str, Any],
    contract: Contract,
) -> dict[str, Any]:
    frame = read_table(data_path, contract)
    train_part, test_part = split(frame, contract, settings["test_fraction"], settings["seed"])
    model = Model.fit(contract, train_part, params)
    info = {
        "estimator": model.metadata["estimator"],
        "task": contract.task,
        "train_rows": len(train_part),
        "test_rows": len(test_part),
        **settings,
    }
    model.save(model_dir, training=info)
    write_table(test_part, test_path)
    return info
