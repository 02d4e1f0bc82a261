"""The sample model: `make sample-model` writes models/sample/ (model file and metadata.json).

The same folder as the pipeline template's export, so the service runs before a real model
exists and serves the pipeline's models unchanged: trained on synthetic data generated from the
service's data contract (nothing is downloaded), so it fits whatever contract the service has.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.contract import Contract, class_indices, load_contract

DEFAULT_DIR = Path("models/sample")
NAME = "{{ cookiecutter.project_slug }}-sample"


def held_out_metrics(
    model: Any, contract: Contract, table: dict[str, list[Any]]
) -> dict[str, float]:
    """The task's headline score on a held-out table: accuracy, or r2 for regression (numpy
    only: the service may have no scikit-learn)."""
    import numpy as np

    scores = model.scores(model.encode_table(table))
    truth = table[contract.label.name]
    if contract.task == "regression":
        actual = np.asarray(truth, dtype=np.float64)
        residual = float(np.sum((actual - scores) ** 2))
        return {"r2": round(1.0 - residual / float(np.sum((actual - actual.mean()) ** 2)), 4)}
    classes = np.asarray(class_indices(truth, contract))
    return {"accuracy": round(float(np.mean(scores.argmax(axis=1) == classes)), 4)}


def build(
    out_dir: Path = DEFAULT_DIR, rows: int = 2000, seed: int = 42, contract: Contract | None = None
) -> Path:
    """Train the sample model on synthetic data of the contract; write it to `out_dir`."""
    from {{ cookiecutter.package_name }}.framework import Params
    from {{ cookiecutter.package_name }}.model import Model, annotate
    from {{ cookiecutter.package_name }}.profile import Profile
    from {{ cookiecutter.package_name }}.synthetic import synthetic_table

    contract = contract or load_contract()
    model = Model.fit(contract, synthetic_table(contract, rows, seed), Params())
    held_out = synthetic_table(contract, rows // 4, seed + 1)
    metrics = held_out_metrics(model, contract, held_out)
    # The predictions' reference (monitoring's), as the pipeline's export has it.
    scores = model.scores(model.encode_table(held_out))
    model.metadata["profile"]["predictions"] = Profile.learn_predictions(contract, scores)
    folder = model.save(out_dir, name=NAME, package_version=__version__, metrics=metrics)
    # Its own version, as every exported model has: the same file, the same version.
    annotate(folder, version=f"sample-{model.metadata['sha256'][:12]}")
    return folder


def main(argv: list[str] | None = None) -> None:
    """`python -m {{ cookiecutter.package_name }}.sample_model [--out DIR]`: prints `model_uri: DIR`."""
    parser = argparse.ArgumentParser(description="Write the sample model and its metadata.")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="the folder to write")
    args = parser.parse_args(argv)
    print(f"model_uri: {build(args.out)}")


if __name__ == "__main__":
    main()
