"""The example library function: replace with the tests of your own code."""

from __future__ import annotations

import math

import pytest

import {{ cookiecutter.package_name }}
from {{ cookiecutter.package_name }} import Summary, summarize


def test_summarize_describes_the_sample() -> None:
    """Count, mean, population std, min and max of a small sample."""
    assert summarize([1, 2, 3, 4]) == Summary(4, 2.5, math.sqrt(1.25), 1.0, 4.0)


@pytest.mark.parametrize("values", [[], [1.0, math.nan], [math.inf]])
def test_summarize_rejects_empty_or_non_finite(values: list[float]) -> None:
    """Empty samples and NaN/infinity fail with a clear message."""
    with pytest.raises(ValueError, match="summarize"):
        summarize(values)


def test_version_comes_from_the_package_metadata() -> None:
    """__version__ is the one version in pyproject.toml."""
    assert {{ cookiecutter.package_name }}.__version__ == "0.1.0"
