"""How many requests in flight one worker (one CPU) of the api serves usefully.

`concurrency`: the generated service, one worker, loaded at 1 to 128 connections (wrk, else
the bounded asyncio client), levels alternating round by round. Micro-batching makes a busy
worker score more records per model call, so requests/s climbs with the requests in flight
until the CPU is saturated; past that knee more requests in flight only wait in the worker's
queue (Little's law: latency = in flight / rate), where Cloud Run could have started another
instance for them. The knee, the fewest connections reaching KNEE_SHARE of the best rate, is
the `--concurrency` per CPU the api's `make deploy` sets (README: "Deploy to Cloud Run").
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench.measure import Figure
from bench.serving import load_generator, measure, project, project_server

LEVELS = (1, 4, 8, 16, 32, 64, 128)
KNEE_SHARE = 0.9
# Per level: requests/s, p50, p99, CPU per request; `make bench` writes them (key
# "concurrency") and the results page's concurrency table.
CONCURRENCY_ROWS: list[dict[str, Any]] = []


def knee(rates: dict[int, float]) -> int:
    """The fewest connections whose rate reaches KNEE_SHARE of the best level's."""
    best = max(rates.values())
    return min(level for level, rate in rates.items() if rate >= KNEE_SHARE * best)


def concurrency_figures(quick: bool) -> list[Figure]:
    """Requests/s and p99 of one worker per connection level, against 1 connection; the knee."""
    path = project()
    rounds, seconds = (3, 3.0) if quick else (5, 5.0)
    keys = ("rps", "p50", "p99", "cpu")
    results: dict[int, dict[str, list[float]]] = {c: {k: [] for k in keys} for c in LEVELS}
    server = project_server(path, "service")
    try:
        server.wait_ready()
        with tempfile.TemporaryDirectory() as tmp:
            for level in LEVELS:  # warm-up, and the connections' set-up
                measure(server, level, 1.0, Path(tmp))
            for _ in range(rounds):
                for level in LEVELS:
                    values = measure(server, level, seconds, Path(tmp))
                    for key, value in zip(keys, values, strict=True):
                        results[level][key].append(value)
    finally:
        server.stop()
    medians = {c: {k: statistics.median(v) for k, v in got.items()} for c, got in results.items()}
    CONCURRENCY_ROWS[:] = [{"connections": c} | m for c, m in medians.items()]
    per_cpu = knee({c: m["rps"] for c, m in medians.items()})
    figures = [
        Figure(
            f"concurrency {level} conn: requests/s",
            "req/s",
            results[level]["rps"],
            results[LEVELS[0]]["rps"],
            note=f"one worker; baseline: 1 connection; load: {load_generator()}",
        )
        for level in LEVELS[1:]
    ]
    figures.append(
        Figure(
            f"concurrency: knee (>= {KNEE_SHARE:.0%} of the best rate) per CPU",
            "conns",
            [float(per_cpu)],
            note=f"p99 there {medians[per_cpu]['p99']:.3g} ms",
        )
    )
    return figures
