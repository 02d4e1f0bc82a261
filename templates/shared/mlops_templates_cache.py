"""The templates' Jinja extensions: a render's compiled Jinja kept between renders (Jinja's own
bytecode cache, on disk), and a refused render that ends with its reason, not a traceback.

A render compiles every file it writes, the partials they include, every path and every
answer's default from Jinja to Python: three quarters of a pipeline render's own time.
Cookiecutter configures its Jinja environment only through extensions (`_extensions` in a
template's cookiecutter.json; the template's folder is on sys.path while it renders), so this
extension gives the environment a `FileSystemBytecodeCache` for the files, and the same cache
for `from_string`, which compiles paths, answers and hooks and which Jinja never caches.

Entries are keyed by source (a path's text) or by template name and file (checked against the
source's checksum): an edited template recompiles, a stale entry is never used. The cache is
one folder per user, `$MLOPS_TEMPLATES_CACHE` if set, else `mlops-templates/jinja` under
`$XDG_CACHE_HOME` (`~/.cache`); deleting it is always safe. If it cannot be created or
written, renders compile as before and never fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, Template
from jinja2.bccache import Bucket
from jinja2.ext import Extension


def cache_folder() -> Path:
    """`$MLOPS_TEMPLATES_CACHE` if set, else the user's cache folder's `mlops-templates/jinja`."""
    if chosen := os.environ.get("MLOPS_TEMPLATES_CACHE"):
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlops-templates" / "jinja"


class _QuietCache(FileSystemBytecodeCache):
    """Jinja's file cache, except that an entry it cannot write is only not kept."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class RenderCache(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        folder = cache_folder()
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return
        cache = _QuietCache(str(folder))
        environment.bytecode_cache = cache
        environment.from_string = _cached_from_string(environment, cache)  # type: ignore[method-assign]


def _cached_from_string(environment: Environment, cache: FileSystemBytecodeCache) -> Any:
    """`Environment.from_string`, with the compiled code looked up by the source's own text."""
    compile_plainly = environment.from_string

    def from_string(
        source: Any, globals: Any = None, template_class: type[Template] | None = None
    ) -> Template:
        if not isinstance(source, str):  # a parsed template (jinja2.nodes.Template)
            return compile_plainly(source, globals, template_class)
        try:
            bucket = cache.get_bucket(environment, source, None, source)
        except UnicodeError:  # text UTF-8 cannot hold (a lone surrogate): not kept
            return compile_plainly(source, globals, template_class)
        if bucket.code is None:
            bucket.code = environment.compile(source)
            cache.set_bucket(bucket)
        cls = template_class or environment.template_class
        return cls.from_code(environment, bucket.code, environment.make_globals(globals), None)

    return from_string


def _without_traceback(record: logging.LogRecord) -> bool:
    """Cookiecutter logs a failed hook with its own traceback (of cookiecutter's code, never
    the hook's): it buried the hook's one line naming the value and the rule."""
    record.exc_info = None
    record.exc_text = None
    return True


class QuietHookFailure(Extension):
    """A hook that refuses the answers: its reason and cookiecutter's two closing lines."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        logging.getLogger("cookiecutter.hooks").addFilter(_without_traceback)  # once: same filter
