"""`make bench`: run the benchmarks, print a table, write the figures as JSON.

python -m bench.run [--quick] [--only render,serving,...] [--out build/bench/results.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

from bench.concurrency import CONCURRENCY_ROWS, concurrency_figures
from bench.images import image_figures
from bench.measure import Figure
from bench.monitoring import monitoring_figures
from bench.pipeline import pipeline_figures
from bench.render import finished_templates, render_figures, render_to_green_figures
from bench.report import markdown
from bench.scale import scale_figures
from bench.serving import SERVER_ROWS, coldstart_figures, serving_figures
from bench.suite import suite_figures

Group = Callable[[argparse.Namespace], list[Figure]]


def groups() -> dict[str, Group]:
    """Every benchmark group, in the order the table shows them."""
    templates = finished_templates()
    found: dict[str, Group] = {
        "render": lambda a: render_figures(templates, 3 if a.quick else 7),
        "green": lambda a: render_to_green_figures(templates, 1 if a.quick else 3),
    }
    if "api" in templates:
        found["serving"] = lambda a: serving_figures(a.quick)
        found["coldstart"] = lambda a: coldstart_figures(a.quick)
        found["concurrency"] = lambda a: concurrency_figures(a.quick)
    if "pipeline" in templates:
        found["pipeline"] = lambda a: pipeline_figures(2 if a.quick else 3)
        found["scale"] = lambda a: scale_figures(a.quick)
    if {"api", "pipeline"} <= set(templates):
        found["monitoring"] = lambda a: monitoring_figures(a.quick)
    found["images"] = lambda a: image_figures(templates)
    found["suite"] = lambda a: suite_figures(include_full=a.full_suite)
    return found


def machine() -> dict[str, object]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }


def table(figures: list[Figure]) -> str:
    rows = [("benchmark", "median", "min", "max", "baseline", "ratio", "target")]
    for f in figures:
        d = f.as_dict()
        base = f"{d['baseline_median']:.3f}" if d["baseline_median"] is not None else "-"
        ratio = f"{d['ratio']:.2f}" if d["ratio"] is not None else "-"
        target = f"{f.target} ({'met' if f.met else 'MISSED'})" if f.target else "-"
        rows.append(
            (
                f.name,
                f"{f.median:.3f} {f.unit}",
                f"{min(f.samples):.3f}",
                f"{max(f.samples):.3f}",
                base,
                ratio,
                target,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--full-suite", action="store_true", help="also time `make test` (tens of minutes)"
    )
    parser.add_argument("--only", default="", help="comma-separated groups: " + ", ".join(groups()))
    parser.add_argument("--out", type=Path, default=Path("build/bench/results.json"))
    args = parser.parse_args(argv)
    chosen = [g for g in args.only.split(",") if g] or list(groups())
    figures: list[Figure] = []
    for name in chosen:
        print(f"== {name}", file=sys.stderr, flush=True)
        figures += groups()[name](args)
    print(table(figures))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"machine": machine(), "figures": [f.as_dict() for f in figures]}
    if SERVER_ROWS:
        results["servers"] = SERVER_ROWS
    if CONCURRENCY_ROWS:
        results["concurrency"] = CONCURRENCY_ROWS
    args.out.write_text(json.dumps(results, indent=2))
    args.out.with_suffix(".md").write_text(markdown(results) + "\n")
    print(f"\nfigures written to {args.out}, as a Markdown table to {args.out.with_suffix('.md')}")
    return 0  # a missed target is reported in the table, not as a failure of the run


if __name__ == "__main__":
    sys.exit(main())
