"""`make demo` runs every template's job and ends with a summary a person can act on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import demo


def test_demo_ends_with_a_summary_of_every_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line per template (what it ran, ok or FAILED, seconds) and where to look next; a
    failed job does not stop the others, and makes the exit code 1."""

    def works(project: Path, job: demo.Job) -> None:
        job.ran.append("make install")
        job.look_at = f"{project}/dist/"

    def fails(project: Path, job: demo.Job) -> None:
        job.ran.append("make run")
        raise RuntimeError("the model missed the gate")

    jobs = {"pipeline": fails, "api": works, "package": works}
    assert demo.main(tmp_path, jobs) == 1
    printed = capsys.readouterr().out
    tail = printed[printed.rindex("== summary") :].splitlines()[1:]
    assert len(tail) == 6, tail  # the summary is the end of the output: two lines a template
    rows = {line.split()[0]: line for line in tail[::2]}
    assert list(rows) == ["pipeline", "api", "package"]
    assert re.search(r"FAILED +\d+\.\d s  ran: make run$", rows["pipeline"])
    assert re.search(r"ok +\d+\.\d s  ran: make install$", rows["api"])
    assert (
        tail[1].strip()
        == f"next: {tmp_path / 'my-pipeline'}/ (the error above; rerun the last command there)"
    )
    assert tail[3].strip() == f"next: {tmp_path / 'my-model-api'}/dist/"
    assert "the model missed the gate" in printed
