"""Timing primitives: medians with min and max, never single wall-clock readings."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One benchmark result: the samples, their summary and, if any, the baseline's."""

    name: str
    unit: str
    samples: list[float]
    baseline: list[float] = field(default_factory=list)
    note: str = ""
    target: str = ""
    met: bool | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def ratio(self) -> float | None:
        """median / baseline median: how many baselines this costs (or delivers)."""
        return self.median / statistics.median(self.baseline) if self.baseline else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            median=self.median,
            min=min(self.samples),
            max=max(self.samples),
            baseline_median=statistics.median(self.baseline) if self.baseline else None,
            ratio=self.ratio,
        )
        return data


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of `action` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def time_command(
    command: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float = 3600
) -> float:
    """Wall seconds of a whole process; fails loudly if the command fails."""
    started = time.perf_counter()
    result = subprocess.run(
        list(command),
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return elapsed


def interleaved(
    subject: Callable[[], float], baseline: Callable[[], float], runs: int
) -> tuple[list[float], list[float]]:
    """Alternate subject and baseline so machine noise hits both alike."""
    samples: list[float] = []
    base: list[float] = []
    for _ in range(runs):
        samples.append(subject())
        base.append(baseline())
    return samples, base
