"""The {{ cookiecutter.package_name }} library: see README.md for use."""

from importlib.metadata import PackageNotFoundError, version

from {{ cookiecutter.package_name }}.core import Summary, summarize

try:
    __version__ = version("{{ cookiecutter.project_slug }}")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["Summary", "__version__", "summarize"]
