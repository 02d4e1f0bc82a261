"""Batch prediction: a model folder and a table give the ids (or the input) and the outputs.

Binary: `prediction` (the class) and `probability` (of the positive class); multiclass:
`prediction` and one `probability_<class>` per class; regression: `prediction` (the value).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import PREDICTION, PROBABILITY
from {{ cookiecutter.package_name }}.model import Model, load_model
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path, read_table, write_table

if TYPE_CHECKING:
    import pandas as pd


def predict(model: Model, frame: pd.DataFrame) -> pd.DataFrame:
    """The contract's id columns (all input columns when it has none), then the outputs."""
    import pandas as pd

    ids = model.contract.ids
    kept = frame[ids] if ids else frame
    outputs = pd.DataFrame(model.predict_table(frame), index=frame.index)
    return pd.concat([kept.drop(columns=list(outputs.columns), errors="ignore"), outputs], axis=1)


def summary(model: Model, predictions: pd.DataFrame) -> dict[str, Any]:
    """A batch's size and the spread of its predictions (the task's metadata)."""
    info: dict[str, Any] = {"rows": len(predictions)}
    task = model.contract.task
    if task == "regression":
        info["mean_prediction"] = float(predictions[PREDICTION].mean())
    else:
        shares = predictions[PREDICTION].astype(str).value_counts(normalize=True).to_dict()
        info["predicted_shares"] = {k: float(shares.get(k, 0.0)) for k in model.contract.class_keys}
    if task == "binary":
        info["mean_probability"] = float(predictions[PROBABILITY].mean())
    return info


@reported()
def predict_file(
    model_uri: str | Path, data_path: str | Path, out_path: str | Path
) -> dict[str, Any]:
    """Predict for the table at `data_path`, write the result to `out_path`; return a summary."""
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    model = load_model(local_path(model_uri), allow_pickle=get_settings().allow_pickle_models)
    predictions = predict(model, read_table(data_path, model.contract))
    write_table(predictions, out_path)
    info = summary(model, predictions)
    logger.info("predicted", **info)
    return info
