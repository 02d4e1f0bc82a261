"""The drift report: one HTML page a person opens, and the same figures as JSON for machines.

The page: the verdict and its line, the model and its version, the window and the source, the
counts; the features sorted by drift (the most moved first) with their index and empty values;
then per feature (and for the predictions) the reference and the current distribution over the
same bins, side by side. One self-contained file: no script, no style sheet, no font to fetch,
so it opens from a bucket, an artifact viewer or a mail attachment alike.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.drift import (
    ALERT,
    OK,
    TOO_FEW,
    WARN,
    DriftResult,
    Measure,
)

REPORT_FILE = "report.html"  # in the report's folder, beside FIGURES_FILE
FIGURES_FILE = "drift.json"
COLOURS = {OK: "#2e7d32", WARN: "#ef6c00", ALERT: "#c62828", TOO_FEW: "#546e7a"}
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212121;
  margin: 2rem auto; max-width: 980px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.badge { color: #fff; border-radius: 3px; padding: .1rem .45rem; font-weight: 600; }
.line { font-family: ui-monospace, monospace; background: #f5f5f5; padding: .5rem .7rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e0e0e0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.facts td:first-child { color: #616161; width: 11rem; }
.bar { height: .8rem; display: inline-block; vertical-align: middle; }
.ref { background: #90a4ae; } .cur { background: #1e88e5; }
.dist td { border: none; padding: .1rem .5rem; } .dist td.bin { width: 13rem; color: #424242; }
.dist td.share { width: 3.6rem; text-align: right; font-variant-numeric: tabular-nums; }
.dist td.plot { width: 14rem; }
.feature { border-top: 1px solid #bdbdbd; margin-top: 1.4rem; padding-top: .4rem; }
.muted { color: #757575; }
"""


def write_report(result: DriftResult, folder: str | Path) -> tuple[Path, Path]:
    """Write `report.html` and `drift.json` into `folder`; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures = folder / FIGURES_FILE
    figures.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n", "utf-8")
    page = folder / REPORT_FILE
    page.write_text(render(result), encoding="utf-8")
    return page, figures


def render(result: DriftResult) -> str:
    """The report as one HTML page."""
    model = result.model
    title = f"Drift report: {model.get('name') or 'model'}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p>{_badge(result.status)} <span class="line">{_e(result.line())}</span></p>',
        _facts(result),
        _summary(result),
    ]
    measures = ([result.predictions] if result.predictions is not None else []) + result.features
    parts += [_distribution(m, result) for m in measures]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _badge(status: str) -> str:
    colour = COLOURS.get(status, COLOURS[TOO_FEW])
    return f'<span class="badge" style="background:{colour}">{_e(status)}</span>'


def _facts(result: DriftResult) -> str:
    model, window = result.model, result.window
    rows = [
        ("model", f"{model.get('name', '?')}, version {model.get('version', '?')}"),
        ("model URI", model.get("uri", "")),
        ("window", f"{window.get('since') or 'the beginning'} to {window.get('until') or 'now'}"),
        ("source", window.get("source", "")),
        ("records", f"{result.records} (at least {result.min_records} for a verdict)"),
    ]
    if result.predictions is not None:
        rows.append(("predictions compared", f"{result.predictions.records}"))
    rows += [(str(k).replace("_", " "), _count(v)) for k, v in result.counts.items()]
    body = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows if v != "")
    return f'<table class="facts">{body}</table>'


def _count(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    return str(value)


def _summary(result: DriftResult) -> str:
    head = (
        '<tr><th>feature</th><th>kind</th><th class="num">PSI</th>'
        '<th class="num">empty values: reference</th><th class="num">now</th><th>level</th></tr>'
    )
    rows = []
    for m in ([result.predictions] if result.predictions else []) + result.features:
        anchor = f"#{_anchor(m.name)}"
        rows.append(
            f'<tr><td><a href="{_e(anchor)}">{_e(m.name)}</a></td><td>{_e(m.kind)}</td>'
            f'<td class="num">{m.psi:.3f}</td>'
            f'<td class="num">{m.missing_reference:.1%}</td>'
            f'<td class="num">{m.missing_current:.1%}</td>'
            f"<td>{_badge(m.level) if result.status != TOO_FEW else _e('-')}</td></tr>"
        )
    caption = (
        "<h2>Features, the most moved first</h2><p class=muted>PSI: the population stability "
        "index of the values over the reference's bins (warn and alert thresholds per row "
        "below); empty values: their share in the reference and now.</p>"
    )
    return f"{caption}<table>{head}{''.join(rows)}</table>"


def _anchor(name: str) -> str:
    return "f-" + "".join(c if c.isalnum() else "-" for c in name)


def _distribution(measure: Measure, result: DriftResult) -> str:
    top = max([*measure.reference, *measure.current, 1e-9])
    rows = []
    for name, ref, cur in zip(measure.bins, measure.reference, measure.current, strict=True):
        rows.append(
            f'<tr><td class="bin">{_e(name)}</td>'
            f'<td class="share">{ref:.1%}</td><td class="plot">{_bar("ref", ref / top)}</td>'
            f'<td class="share">{cur:.1%}</td><td class="plot">{_bar("cur", cur / top)}</td></tr>'
        )
    psi_warn, psi_alert = measure.thresholds["psi"]
    level = _badge(measure.level) if result.status != TOO_FEW else ""
    head = '<tr><th>bin</th><th colspan="2">reference</th><th colspan="2">current</th></tr>'
    return (
        f'<div class="feature" id="{_e(_anchor(measure.name))}">'
        f"<h2>{_e(measure.name)} {level}</h2>"
        f'<p class="muted">{_e(measure.kind)}; PSI {measure.psi:.3f} (warn at {psi_warn}, '
        f"alert at {psi_alert}); {measure.records} records</p>"
        f'<table class="dist">{head}{"".join(rows)}</table></div>'
    )


def _bar(kind: str, fraction: float) -> str:
    width = max(0.0, min(1.0, fraction)) * 14
    return f'<span class="bar {kind}" style="width:{width:.2f}rem"></span>'
