"""`make bench`: its figures, its table, and one real (quick) run of a group."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.concurrency import knee
from bench.measure import Figure, interleaved
from bench.render import plain_template
from bench.report import markdown
from tests.suite import REPO, TEMPLATES_DIR, clean_env


def test_a_figure_is_a_median_against_its_baseline() -> None:
    """The ratio is median over baseline median: one outlier moves neither."""
    figure = Figure("render x", "s", [1.0, 3.0, 30.0], baseline=[1.0, 1.5, 0.1])
    data = figure.as_dict()
    assert (data["median"], data["min"], data["max"]) == (3.0, 1.0, 30.0)
    assert data["baseline_median"] == 1.0
    assert data["ratio"] == 3.0
    assert Figure("alone", "s", [2.0]).ratio is None


def test_interleaved_alternates_subject_and_baseline() -> None:
    """Subject and baseline take turns, so a burst of machine noise hits both."""
    order: list[str] = []
    samples, base = interleaved(
        lambda: order.append("s") or 2.0, lambda: order.append("b") or 1.0, 3
    )
    assert order == ["s", "b"] * 3
    assert (samples, base) == ([2.0] * 3, [1.0] * 3)


def test_the_table_says_when_a_target_is_missed() -> None:
    """Each figure is a row; a missed target is marked, a met one is not."""
    figures = [
        Figure("serving", "req/s", [400.0, 420.0], [600.0, 610.0], target=">= 0.85", met=False),
        Figure("coldstart", "s", [3.0], [3.1], target="<= 1.5", met=True),
        Figure("suite: make test-fast", "s", [70.0]),
    ]
    machine = {"cpus": 2, "platform": "Linux", "python": "3.11.7", "date": "now"}
    table = markdown({"machine": {**machine, "load_average": [1.0, 1.0, 1.0]},
                      "figures": [f.as_dict() for f in figures]})  # fmt: skip
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(figures)
    assert (
        "| serving | 410 req/s | 400 to 420 | 2 | 605 req/s | 0.68 | >= 0.85: **missed** |" in rows
    )
    assert rows[2].endswith("| <= 1.5: met |")
    assert "Machine: 2 CPUs" in table


def test_the_knee_is_the_fewest_connections_near_the_best_rate() -> None:
    """Past the knee more requests in flight only wait: 90 % of the best rate is enough."""
    assert knee({1: 1500.0, 4: 3000.0, 16: 4600.0, 64: 5000.0, 128: 4900.0}) == 16
    assert knee({1: 1000.0, 16: 1000.0}) == 1  # nothing gained from concurrency
    assert knee({1: 100.0, 4: 200.0, 16: 1000.0}) == 16  # still climbing: the last level


def test_the_results_page_has_a_row_per_connection_level() -> None:
    """`make bench ONLY=concurrency` writes a row per level, under the figures."""
    rows = [
        {"connections": c, "rps": r, "p50": 1.0, "p99": 2.0, "cpu": 200.0}
        for c, r in ((1, 1500.0), (16, 4800.0))
    ]
    machine = {"cpus": 2, "platform": "Linux", "python": "3.11.7", "date": "now"}
    page = markdown({"machine": {**machine, "load_average": [1.0, 1.0, 1.0]}, "figures": [],
                     "concurrency": rows})  # fmt: skip
    assert "| 16 | 4800 | 1 ms | 2 ms | 200 µs |" in page.splitlines()


@pytest.mark.slow
def test_make_bench_runs_a_group_and_writes_json_and_markdown(tmp_path: Path) -> None:
    """`python -m bench.run --quick --only render` times every template against the floor,
    and against a plain template of as many files (plain_template)."""
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--only", "render", "--out", str(out)],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())["figures"]
    menu = json.loads((REPO / "cookiecutter.json").read_text())["templates"]
    assert [f["name"] for f in figures] == [
        name
        for t in menu
        for name in (
            f"render {t}",
            f"render {t}, against as many plain files",
            f"render {t}, a machine's first",
        )
    ]
    for figure in figures:
        assert len(figure["samples"]) == len(figure["baseline"]) == 3
        assert all(seconds > 0 for seconds in figure["samples"] + figure["baseline"])
    assert "render pipeline" in result.stdout
    assert "| render api |" in out.with_suffix(".md").read_text()


def test_the_plain_template_has_the_templates_folders_and_file_count(tmp_path: Path) -> None:
    """The per-file baseline: one plain file for each of the project's files, in as many
    folders, with the templates' Jinja cache and nothing else that runs (no hooks)."""
    source = TEMPLATES_DIR / "api" / "{{cookiecutter.project_slug}}"
    plain = plain_template(tmp_path, "api") / "{{cookiecutter.name}}"

    def shape(root: Path) -> tuple[int, int]:
        files = [p for p in root.rglob("*") if p.is_file()]
        return len(files), len({p.parent for p in files})

    assert shape(plain) == shape(source)
    assert {p.name for p in plain.parent.iterdir()} == {
        "{{cookiecutter.name}}",
        "cookiecutter.json",
        "mlops_templates_cache.py",
    }
    context = json.loads((plain.parent / "cookiecutter.json").read_text())
    assert context["_extensions"] == ["mlops_templates_cache.RenderCache"]
