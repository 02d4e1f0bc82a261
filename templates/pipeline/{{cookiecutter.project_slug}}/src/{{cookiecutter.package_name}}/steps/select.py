"""Select: the best of the candidate models, by the gate's metric on the same held-out rows.

The chosen one becomes the challenger: it is exported only if it passes the gate, and it
replaces the champion only if it beats it (see `promote.py`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.steps.evaluate import greater_is_better
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import local_path, read_json, write_json


def best_index(evaluations: list[dict[str, Any]]) -> int:
    """The candidate with the best gate metric (the first one on a tie)."""
    metric = evaluations[0]["metric"]
    sign = 1.0 if greater_is_better(metric) else -1.0
    scores = [sign * float(e["metrics"][metric]) for e in evaluations]
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


@reported()
def select(
    evaluation_paths: list[str],
    model_dirs: list[str],
    best_model_dir: str | Path,
    best_evaluation_path: str | Path,
) -> bool:
    """Copy the best candidate's model folder and evaluation; return whether it passed the gate.

    The evaluation written keeps every candidate's parameters and scores (`candidates`).
    """
    evaluations = [read_json(path) for path in evaluation_paths]
    chosen = best_index(evaluations)
    source, dest = local_path(model_dirs[chosen]), local_path(best_model_dir)
    dest.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copyfile(path, dest / path.name)
    best = evaluations[chosen]
    candidates = [
        {"params": e.get("params"), "metrics": e["metrics"], "passed": e["passed"]}
        for e in evaluations
    ]
    write_json({**best, "chosen": chosen, "candidates": candidates}, best_evaluation_path)
    metric = best["metric"]
    logger.info(
        "selected",
        candidates=len(evaluations),
        chosen=chosen,
        metric=metric,
        scores=[e["metrics"][metric] for e in evaluations],
    )
    return bool(best["passed"])
