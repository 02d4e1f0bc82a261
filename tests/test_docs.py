"""The documentation site builds with --strict: a broken link or a missing page fails."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.suite import REPO


def test_docs_build_strict(tmp_path: Path) -> None:
    """mkdocs build --strict succeeds and writes every page of the nav."""
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in (
        "walkthrough",
        "reference/pipeline",
        "reference/api",
        "reference/package",
        "cloud",
        "monitoring",
    ):
        assert (tmp_path / "site" / page / "index.html").exists(), page


def test_the_drift_rule_gives_the_defaults_the_code_uses() -> None:
    """The monitoring page and the pipeline's README (one partial) state the thresholds and
    the minimum of contract.py: a default changed there must change the text."""
    code = (REPO / "templates" / "shared" / "model" / "contract.py.j2").read_text()
    names = "DRIFT_WARN|DRIFT_ALERT|MISSING_WARN|MISSING_ALERT|DRIFT_MIN_RECORDS"
    value = dict(re.findall(rf"^({names}) = ([0-9.]+)$", code, re.MULTILINE))
    assert len(value) == 5
    rule = (REPO / "templates" / "shared" / "model" / "drift_rule.md.j2").read_text()
    text = " ".join(rule.split())
    assert f"PSI warns at {value['DRIFT_WARN']} and alerts at {value['DRIFT_ALERT']}" in text
    missing = f"warns at a change of {value['MISSING_WARN']} (ten points) and alerts at"
    assert f"{missing} {value['MISSING_ALERT']}" in text
    assert f"`monitoring_min_records` ({value['DRIFT_MIN_RECORDS']})" in text
    assert not re.search(r"{{|{%", rule)  # the docs include it raw: no Jinja
