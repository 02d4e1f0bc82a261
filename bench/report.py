"""The results page's table, in Markdown, from the figures `make bench` wrote as JSON.

python -m bench.report [build/bench/results.json]   (prints the table)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _number(value: float) -> str:
    """Three significant figures: 0.332, 23.6, 705."""
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def markdown(results: dict[str, Any]) -> str:
    """A Markdown table of every figure, then the machine it ran on."""
    lines = [
        "| benchmark | median | min to max | runs | baseline | ratio | target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in results["figures"]:
        base = f"{_number(f['baseline_median'])} {f['unit']}" if f["baseline"] else ""
        ratio = f"{f['ratio']:.2f}" if f["ratio"] is not None else ""
        target = ""
        if f["target"]:
            target = f"{f['target']}: {'met' if f['met'] else '**missed**'}"
        lines.append(
            f"| {f['name'].strip()} | {_number(f['median'])} {f['unit']} "
            f"| {_number(f['min'])} to {_number(f['max'])} | {len(f['samples'])} "
            f"| {base} | {ratio} | {target} |"
        )
    if results.get("servers"):
        lines += ["", *servers_table(results["servers"])]
    if results.get("concurrency"):
        lines += ["", *concurrency_table(results["concurrency"])]
    m = results["machine"]
    load = ", ".join(f"{x:.1f}" for x in m["load_average"])
    lines += [
        "",
        f"Machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}; "
        f"finished {m['date']}, load average at the end {load}.",
    ]
    return "\n".join(lines)


def servers_table(rows: list[dict[str, Any]]) -> list[str]:
    """Every server of the serving group, per connection count; those it could not measure."""
    lines = [
        "| server | connections | requests/s | p50 | p99 | CPU per request |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        if row.get("skipped"):
            lines.append(f"| {row['server']} | | not measured: {row['skipped']} | | | |")
            continue
        lines.append(
            f"| {row['server']} | {row['connections']} | {row['rps']:.0f} "
            f"| {_number(row['p50'])} ms | {_number(row['p99'])} ms | {row['cpu']:.0f} µs |"
        )
    return lines


def concurrency_table(rows: list[dict[str, Any]]) -> list[str]:
    """The service on one worker, per connection level."""
    lines = [
        "| connections, one worker | requests/s | p50 | p99 | CPU per request |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['connections']} | {row['rps']:.0f} | {_number(row['p50'])} ms "
            f"| {_number(row['p99'])} ms | {row['cpu']:.0f} µs |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "build/bench/results.json")
    print(markdown(json.loads(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
