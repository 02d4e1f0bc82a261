"""Split: the training and held-out parts of the table, once, for every candidate model and
for the comparison with the champion (the same held-out rows for all)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import Contract, ContractError, load_contract
from {{ cookiecutter.package_name }}.ops.logging import logger
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
        counts = frame[contract.label.name].astype(str).value_counts().to_dict()
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
def split_file(
    data_path: str | Path,
    train_path: str | Path,
    test_path: str | Path,
    test_fraction: float = 0.25,
    seed: int = 42,
    contract: Contract | None = None,
) -> dict[str, Any]:
    """Write the training and held-out parts of `data_path`; return their sizes."""
    contract = contract or load_contract()
    train_part, test_part = split(read_table(data_path, contract), contract, test_fraction, seed)
    write_table(train_part, train_path)
    write_table(test_part, test_path)
    info = {"train_rows": len(train_part), "test_rows": len(test_part), "seed": seed}
    logger.info("split", **info)
    return info
