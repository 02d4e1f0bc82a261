"""Split: the training and held-out parts of the table, once, for every candidate model and
for the comparison with the champion (the same held-out rows for all).

With `sample_rows` (the train_sample_rows setting) a table larger than that is sampled as it
is read, chunk by chunk: a uniform, seeded sample of that many rows (the rows with the smallest
random keys), so the step holds the sample and one chunk, never the table. What was read (the
rows read, the table's rows, the seed) is recorded in the model's lineage.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import Contract, ContractError, load_contract
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.sources import read_chunks
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


def sample_table(
    uri: str | Path, contract: Contract, rows: int, seed: int, chunk_rows: int
) -> tuple[pd.DataFrame, int]:
    """A uniform sample of `rows` rows of the table at `uri`, the same for the same seed and
    table, read chunk by chunk; and the table's number of rows."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    kept: pd.DataFrame | None = None
    total = 0
    for chunk in read_chunks(uri, contract, chunk_rows):
        keyed = chunk.assign(_key=rng.random(len(chunk)), _row=np.arange(len(chunk)) + total)
        total += len(chunk)
        both = keyed if kept is None else pd.concat([kept, keyed], ignore_index=True)
        kept = both.nsmallest(rows, "_key")
    if kept is None:
        raise ContractError(f"{str(uri)!r} has no rows to train on")
    sample = kept.sort_values("_row").drop(columns=["_key", "_row"]).reset_index(drop=True)
    return sample, total


@reported()
def split_file(
    data_path: str | Path,
    train_path: str | Path,
    test_path: str | Path,
    test_fraction: float = 0.25,
    seed: int = 42,
    contract: Contract | None = None,
    sample_rows: int = 0,
) -> dict[str, Any]:
    """Write the training and held-out parts of `data_path` (of a seeded sample of
    `sample_rows` rows of it, when it is larger; 0: all of it); return their sizes and what
    was read."""
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    contract = contract or load_contract()
    if sample_rows:
        chunk_rows = get_settings().chunk_rows
        frame, total = sample_table(data_path, contract, sample_rows, seed, chunk_rows)
    else:
        frame = read_table(data_path, contract)
        total = len(frame)
    train_part, test_part = split(frame, contract, test_fraction, seed)
    write_table(train_part, train_path)
    write_table(test_part, test_path)
    info: dict[str, Any] = {
        "train_rows": len(train_part),
        "test_rows": len(test_part),
        "seed": seed,
        "sample": {"rows_read": len(frame), "rows_total": total, "seed": seed},
    }
    logger.info("split", **info)
    return info
