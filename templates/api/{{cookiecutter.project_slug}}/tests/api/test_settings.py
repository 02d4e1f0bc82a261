"""The service's settings: plain variable names (MODEL_URI, PORT) and prefixed ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX, Settings, get_settings


def test_plain_names_work_as_platforms_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """MODEL_URI, PORT and GOOGLE_CLOUD_PROJECT are read without the prefix."""
    monkeypatch.setenv("MODEL_URI", "gs://bucket/model")
    monkeypatch.setenv("PORT", "9999")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-project")
    settings = get_settings()
    assert (settings.model_uri, settings.port) == ("gs://bucket/model", 9999)
    assert settings.gcp_project == "my-project"


def test_prefixed_names_win_over_plain_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prefixed names win when both forms are set."""
    monkeypatch.setenv("MODEL_URI", "plain")
    monkeypatch.setenv(f"{ENV_PREFIX}MODEL_URI", "prefixed")
    monkeypatch.setenv("PORT", "1")
    monkeypatch.setenv(f"{ENV_PREFIX}PORT", "2")
    monkeypatch.setenv(f"{ENV_PREFIX}MAX_BATCH_SIZE", "5")
    settings = Settings()
    assert (settings.model_uri, settings.port, settings.max_batch_size) == ("prefixed", 2, 5)


def test_keywords_and_defaults() -> None:
    """Settings(model_uri=...) works (tests, create_app); the defaults suit a container."""
    settings = Settings(model_uri="models/sample", port=1234)
    assert (settings.model_uri, settings.port) == ("models/sample", 1234)
    defaults = Settings()
    assert (defaults.model_uri, defaults.port) == (None, 8080)
    assert defaults.host == "0.0.0.0"  # noqa: S104  # every interface, as a container needs
    assert defaults.fallback_prediction is None  # the base rate answers, not a constant


def test_out_of_range_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad value fails at start-up, naming the setting."""
    monkeypatch.setenv(f"{ENV_PREFIX}PREDICTION_LOG_SAMPLE_RATE", "2")
    with pytest.raises(ValidationError, match="prediction_log_sample_rate"):
        Settings()


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("PREDICTION_LOG_SAMPLE_RATE", "2", "(prediction_log_sample_rate) = '2': Input should be"),
        ("CONFIG_FILE", "missing.yaml", "CONFIG_FILE=missing.yaml: no such file"),
    ],
    ids=["bad-value", "no-config-file"],
)
def test_the_service_refuses_a_bad_setting_in_one_line(
    tmp_path: Path, variable: str, value: str, said: str
) -> None:
    """`make serve` with a bad setting: exit 2, the setting, its value and the rule last."""
    env = {**os.environ, f"{ENV_PREFIX}{variable}": value, f"{ENV_PREFIX}LOG_FORMAT": "text"}
    started = subprocess.run(
        [sys.executable, "-m", "{{ cookiecutter.package_name }}.serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == 2, started.stderr
    last = started.stderr.strip().splitlines()[-1]
    assert "cannot start" in last, started.stderr
    assert said in last, started.stderr
    assert "Traceback" not in started.stderr
