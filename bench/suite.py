"""The suite's own tiers, timed whole (one run each: they take minutes)."""

from __future__ import annotations

from bench.measure import Figure, time_command
from tests.suite import REPO, clean_env


def suite_figures(include_full: bool) -> list[Figure]:
    """`make test-fast`, and `make test` when asked (it takes tens of minutes)."""
    env = clean_env()
    figures = [
        Figure("suite: make test-fast", "s", [time_command(["make", "test-fast"], REPO, env)])
    ]
    if include_full:
        figures.append(
            Figure(
                "suite: make test", "s", [time_command(["make", "test"], REPO, env, timeout=5400)]
            )
        )
    return figures
