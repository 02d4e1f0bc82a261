"""Great Expectations' import: offline, quiet, and without two libraries it never uses here.

Importing GX (1.x) also imports scipy's statistics (used by one expectation, the KL divergence's)
and google-cloud-bigquery (used by GX's BigQuery datasources; this project reads BigQuery itself,
in `bigquery_source.py`, and validates pandas frames): about 1.3 s of the 3.5 s a validation
task spent importing GX. `configure_gx()` registers them as lazy modules first, with the
standard library's `importlib.util.LazyLoader`: each is the real module object, which loads
itself the first time anything reads one of its attributes. GX and any other code (yours,
scikit-learn) see the same module, loaded when used.

Standard library only: the local runner's data helper calls it without importing the project's
other modules (`local_tasks.py`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

# Loaded by GX's own import, used only by features this project does not call.
DEFERRED = ("scipy.stats", "google.cloud.bigquery")


def configure_gx() -> None:
    """Call before the first GX import: offline, quiet, and with DEFERRED loaded on first use."""
    # Older GX 1.x releases sent usage statistics (PostHog) unless GX_ANALYTICS_ENABLED=false;
    # recent ones have no analytics module, and the variable is then ignored. Set it anyway.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # GX logs INFO chatter at import (great_expectations._docs_decorators).
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    if "great_expectations" not in sys.modules:  # afterwards there is nothing left to defer
        for name in DEFERRED:
            defer_import(name)


def defer_import(name: str) -> None:
    """Make `name` a lazy module: imported now, executed when first used. Nothing happens if it
    is already imported or not installed (an import of it then fails as it would have)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return
        loader = importlib.util.LazyLoader(spec.loader)
    except (ImportError, ValueError, TypeError):  # a parent missing; a loader that cannot be lazy
        return
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # `from scipy import stats` reads the parent's attribute
        setattr(sys.modules[parent], child, module)
