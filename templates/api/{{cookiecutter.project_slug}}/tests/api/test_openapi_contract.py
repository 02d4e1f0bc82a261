"""Property-based contract test: the service against its own OpenAPI schema (schemathesis).

Generated requests, valid and invalid, go to the app in-process; every answer must be
documented, match its schema and never be a 5xx. The schema is loaded when this module is
imported (schemathesis' pytest fixture loader does not work with pytest 9).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckFunction, not_a_server_error

from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.ops.config import Settings
from {{ cookiecutter.package_name }}.sample_model import build

_models = Path(tempfile.mkdtemp(prefix="contract-"))
atexit.register(shutil.rmtree, _models, ignore_errors=True)
# The body limit is raised: schemathesis counts a 413 as accepting invalid data.
app = create_app(
    Settings(model_uri=str(build(_models / "sample")), max_batch_size=20, max_body_bytes=10**8)
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)  # runs the lifespan: model loaded


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_honours_its_openapi_contract(case: schemathesis.Case[Any]) -> None:
    """Status codes, content types and bodies as documented; no 5xx (but /ready's 503)."""
    # /ready documents its 503 (degraded), so only "no 5xx" is waived there.
    excluded: list[CheckFunction] = [not_a_server_error] if case.path == "/ready" else []
    case.call_and_validate(excluded_checks=excluded)
