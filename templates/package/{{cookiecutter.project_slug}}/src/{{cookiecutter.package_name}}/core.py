"""An example of the library's code: replace it with yours, keep the shape (typed, tested)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from {{ cookiecutter.package_name }}.ops.logging import logger


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of a sample."""

    count: int
    mean: float
    std: float
    minimum: float
    maximum: float


def summarize(values: Iterable[float]) -> Summary:
    """Summarize a non-empty sample of finite numbers (population standard deviation)."""
    sample = [float(v) for v in values]
    if not sample:
        raise ValueError("summarize() needs at least one value")
    if not all(math.isfinite(v) for v in sample):
        raise ValueError("summarize() needs finite values (no NaN or infinity)")
    mean = math.fsum(sample) / len(sample)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in sample) / len(sample))
    summary = Summary(len(sample), mean, std, min(sample), max(sample))
    logger.debug("summarized", count=summary.count)
    return summary
