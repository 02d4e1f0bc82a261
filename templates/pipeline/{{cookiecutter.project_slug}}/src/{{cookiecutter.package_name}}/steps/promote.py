"""Promote: the challenger replaces the champion only if it is strictly better by the gate's
metric on the same held-out rows (a tie keeps the champion); the first version becomes the
champion. Every decision, with both scores, is kept in the registry's history.

The project's sample data (synthetic once `make schema` ran) is for checking the engineering:
a model trained on it never replaces a champion trained on other data (it is registered, and
`make promote` can still make it the champion), and a model of other data always replaces a
champion trained on it. Between two models of real data, the scores decide: next month's table
promotes a better model as usual.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.contract import ContractError, load_contract
from {{ cookiecutter.package_name }}.model import load_model
from {{ cookiecutter.package_name }}.ops.logging import logger
from {{ cookiecutter.package_name }}.registry import (
    CHAMPION,
    Registry,
    Version,
    get_version,
    open_registry,
)
from {{ cookiecutter.package_name }}.steps.evaluate import (
    evaluate_model,
    greater_is_better,
)
from {{ cookiecutter.package_name }}.steps.failures import reported
from {{ cookiecutter.package_name }}.steps.io import read_table


def champion_of(registry: Registry, name: str) -> Version | None:
    """The current champion, or None."""
    return next((v for v in registry.versions(name) if CHAMPION in v.aliases), None)


def champion_score(
    registry: Registry, champion: Version, test_path: str | Path, metric: str
) -> float | None:
    """The champion's `metric` on the held-out rows; None if it cannot read them (another
    contract: other features, another task)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        model = load_model(registry.fetch(champion, Path(tmp)))
        current = load_contract()
        if model.contract.same_inputs(current) or model.contract.task != current.task:
            return None
        try:
            result = evaluate_model(model, read_table(test_path, current), metric, 0.0)
        except ContractError:
            return None
    return float(result.metrics[metric])


def decide(challenger: float, champion: float | None, metric: str) -> bool:
    """Promote when there is no comparable champion, or the challenger is strictly better."""
    if champion is None:
        return True
    return challenger > champion if greater_is_better(metric) else challenger < champion


def trained_on_sample(version: Version) -> bool:
    """Whether the version was trained on the project's sample data (its lineage says)."""
    return bool(version.lineage.get("sample_data"))


@reported()
def promote(
    registry_uri: str,
    name: str,
    version: int,
    test_path: str | Path,
    metric: str,
    **options: Any,
) -> dict[str, Any]:
    """Compare the new version with the champion on `test_path`; move the alias if it wins."""
    registry = open_registry(registry_uri, **options)
    challenger = get_version(registry, name, version, None)
    score = float(challenger.metrics[metric])
    champion = champion_of(registry, name)
    best: float | None = None
    if champion is None:
        promoted, reason = True, "first version: it becomes the champion"
    elif trained_on_sample(challenger) and not trained_on_sample(champion):
        promoted = False
        reason = (
            f"trained on the project's sample data, and the champion {champion.uri} on other "
            f"data: not promoted (make promote MODEL_URI={challenger.uri} does it by hand)"
        )
    elif trained_on_sample(champion) and not trained_on_sample(challenger):
        promoted, reason = True, f"the champion {champion.uri} was trained on the sample data"
    else:
        best = champion_score(registry, champion, test_path, metric)
        reason = (
            f"the champion {champion.uri} does not fit the current data contract"
            if best is None
            else f"{metric} {score:.4f} against the champion's {best:.4f}"
        )
        promoted = decide(score, best, metric)
    if promoted:
        registry.set_alias(name, CHAMPION, version)
    winner = challenger if promoted or champion is None else champion
    decision = {
        "event": "comparison",
        "challenger": challenger.uri,
        "champion_before": champion.uri if champion else None,
        "champion": winner.uri,
        "promoted": promoted,
        "metric": metric,
        "challenger_score": score,
        "champion_score": best,
        "reason": reason,
    }
    registry.log_event(name, decision)
    logger.info("compared with the champion", **decision)
    return decision


def promote_by_hand(registry_uri: str, name: str, version: int, **options: Any) -> Version:
    """`make promote`: make a version the champion (a roll-back, or an override)."""
    registry = open_registry(registry_uri, **options)
    chosen = get_version(registry, name, version, None)
    before = champion_of(registry, name)
    registry.set_alias(name, CHAMPION, version)
    registry.log_event(
        name,
        {
            "event": "manual promotion",
            "champion_before": before.uri if before else None,
            "champion": chosen.uri,
            "by": getpass.getuser(),
        },
    )
    return chosen
