"""The pipelines' logic as plain functions: paths and tables in, paths and dicts out.

Unit tests and notebooks call them directly; `components.py` wraps them for KFP. Each
module imports only what it needs, so a task pays only for its own imports.
"""
