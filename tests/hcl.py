"""What `terraform validate` would check, done offline on a rendered infra/ folder.

`terraform validate` needs the google provider, which cannot be downloaded here. These
checks read the .tf files with python-hcl2 and compare them with the provider's schema
(tests/provider_schema.py) and with each other:

- every resource and data source type exists, every argument and nested block of it exists
  (a block written as a block, an argument as an argument), every `lifecycle.ignore_changes`
  path exists, every attribute read from a resource exists;
- every `var.`, `local.`, `module.<name>.<output>` and resource reference resolves in its
  module; every module call passes only the module's variables, and all those it requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

# Arguments every resource takes besides its own (Terraform's meta-arguments).
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner"}
MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}

_VAR = re.compile(r"(?<![\w.])var\.(\w+)")
_LOCAL = re.compile(r"(?<![\w.])local\.(\w+)")
_MODULE = re.compile(r"(?<![\w.])module\.(\w+)(?:\[[^\]]*\])?\.(\w+)")
_RESOURCE = re.compile(r"(?<![\w.])(google_\w+)\.(\w+)(?:\[[^\]]*\])?\.(\w+)")
_DATA = re.compile(r"(?<![\w.])data\.(google_\w+)\.(\w+)(?:\[[^\]]*\])?\.(\w+)")


def unquote(text: str) -> str:
    """A label or string literal as python-hcl2 gives it ('"name"'), without its quotes."""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def is_block(value: object) -> bool:
    """Whether python-hcl2 parsed the value from block syntax (`name { ... }`)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and item.get("__is_block__") for item in value)
    )


def strings(value: object) -> list[str]:
    """Every string inside a parsed value (expressions are strings too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() if not key.startswith("__") for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


@dataclass
class Module:
    """The declarations of one module folder, as parsed."""

    path: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    data: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    bodies: list[tuple[str, object]] = field(default_factory=list)


def parse_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as file:
        parsed: dict[str, Any] = hcl2.load(file)
    return parsed


def load_module(folder: Path) -> Module:
    """Every .tf file of one folder (not its subfolders: each is a module of its own)."""
    module = Module(folder)
    for path in sorted(folder.glob("*.tf")):
        parsed = parse_file(path)
        name = path.name
        for block in parsed.get("variable", []):
            for label, body in block.items():
                module.variables[unquote(label)] = body
        for block in parsed.get("output", []):
            for label, body in block.items():
                module.outputs[unquote(label)] = body
                module.bodies.append((f"{name}: output {unquote(label)}", body))
        for block in parsed.get("locals", []):
            for key, value in block.items():
                if not key.startswith("__"):
                    module.locals[key] = value
                    module.bodies.append((f"{name}: local.{key}", value))
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for block in parsed.get(kind, []):
                for tf_type, named in block.items():
                    for label, body in named.items():
                        if label.startswith("__"):
                            continue
                        target.append((unquote(tf_type), unquote(label), body, name))
                        where = f"{name}: {unquote(tf_type)}.{unquote(label)}"
                        module.bodies.append((where, body))
        for block in parsed.get("module", []):
            for label, body in block.items():
                module.calls[unquote(label)] = body
                module.bodies.append((f"{name}: module {unquote(label)}", body))
        for block in parsed.get("provider", []):
            for label, body in block.items():
                module.providers.append((unquote(label), body))
                module.bodies.append((f"{name}: provider {unquote(label)}", body))
    return module


def module_tree(root: Path) -> dict[Path, Module]:
    """The root module and every module it calls by a local path, recursively."""
    found: dict[Path, Module] = {}
    pending = [root.resolve()]
    while pending:
        folder = pending.pop()
        if folder in found:
            continue
        module = found[folder] = load_module(folder)
        for body in module.calls.values():
            source = unquote(str(body.get("source", "")))
            if source.startswith("./") or source.startswith("../"):
                pending.append((folder / source).resolve())
    return found


def _check_body(
    body: dict[str, Any], arguments: dict[str, Any], where: str, top: bool
) -> list[str]:
    """Problems of one resource (or nested block) body against its schema arguments."""
    problems = []
    for key, value in body.items():
        if key.startswith("__") or (top and key in META_ARGUMENTS):
            continue
        if key == "dynamic":
            for item in value:
                for label, dynamic in item.items():
                    if label.startswith("__"):
                        continue
                    problems += _check_named(
                        unquote(label), dynamic.get("content", []), arguments, where
                    )
            continue
        problems += _check_named(key, value, arguments, where)
    return problems


def _check_named(key: str, value: object, arguments: dict[str, Any], where: str) -> list[str]:
    if key not in arguments:
        return [f"{where}: no argument or block {key!r} in the provider's schema"]
    spec = arguments[key]
    block = isinstance(spec, dict) and spec["block"]
    if block and not is_block(value):
        return [f"{where}: {key!r} is a block in the provider's schema, written as an argument"]
    if not block and is_block(value):
        return [f"{where}: {key!r} is an argument in the provider's schema, written as a block"]
    problems = []
    if block:
        assert isinstance(value, list)
        for item in value:
            problems += _check_body(item, spec["nested"], f"{where}.{key}", top=False)
    return problems


def _check_path(path: str, arguments: dict[str, Any], where: str) -> list[str]:
    """An ignore_changes path (template[0].containers[0].image) against the schema."""
    node: dict[str, Any] | None = arguments
    for part in re.sub(r"\[[^\]]*\]", "", path).split("."):
        if node is None or part not in node:
            return [f"{where}: ignore_changes names {path!r}, not in the provider's schema"]
        spec = node[part]
        node = spec["nested"] if isinstance(spec, dict) else None
    return []


def schema_problems(root: Path, schema: dict[str, Any]) -> list[str]:
    """Types, arguments, blocks, ignore_changes paths and attributes the schema lacks."""
    problems = []
    for module in module_tree(root).values():
        for tf_type, name, body, file in module.resources:
            where = f"{module.path.name}/{file}: {tf_type}.{name}"
            if tf_type not in schema["resources"]:
                problems.append(f"{where}: no resource type {tf_type!r} in the provider")
                continue
            arguments = schema["resources"][tf_type]["arguments"]
            problems += _check_body(body, arguments, where, top=True)
            for lifecycle in body.get("lifecycle", []):
                for path in lifecycle.get("ignore_changes", []):
                    problems += _check_path(path.strip("${}"), arguments, where)
        for tf_type, name, body, file in module.data:
            where = f"{module.path.name}/{file}: data.{tf_type}.{name}"
            if tf_type not in schema["data_sources"]:
                problems.append(f"{where}: no data source {tf_type!r} in the provider")
                continue
            problems += _check_body(body, schema["data_sources"][tf_type]["arguments"], where, True)
        for label, body in module.providers:
            if label == "google":
                problems += _check_body(
                    body, schema["provider_config"]["arguments"], "provider google", top=True
                )
        declared = {(t, n) for t, n, _, _ in module.resources}
        for where, body in module.bodies:
            for text in strings(body):
                for tf_type, name, attribute in _RESOURCE.findall(text):
                    entry = schema["resources"].get(tf_type)
                    if (tf_type, name) not in declared:
                        problems.append(f"{where}: {tf_type}.{name} is not declared here")
                    elif entry and attribute not in set(entry["arguments"]) | set(
                        entry["attributes"]
                    ):
                        problems.append(f"{where}: {tf_type} has no attribute {attribute!r}")
    return problems


def reference_problems(root: Path) -> list[str]:
    """References that resolve to nothing, and module calls that do not fit the module."""
    modules = module_tree(root)
    problems = []
    for folder, module in modules.items():
        here = folder.relative_to(root.resolve()).as_posix() if folder != root.resolve() else "."
        data = {(t, n) for t, n, _, _ in module.data}
        for where, body in module.bodies:
            where = f"{here}/{where}"
            for text in strings(body):
                problems += [
                    f"{where}: var.{n} is not declared"
                    for n in _VAR.findall(text)
                    if n not in module.variables
                ]
                problems += [
                    f"{where}: local.{n} is not declared"
                    for n in _LOCAL.findall(text)
                    if n not in module.locals
                ]
                problems += [
                    f"{where}: data.{t}.{n} is not declared"
                    for t, n, _ in _DATA.findall(text)
                    if (t, n) not in data
                ]
                for call, output in _MODULE.findall(text):
                    if call not in module.calls:
                        problems.append(f"{where}: module.{call} is not called here")
                        continue
                    source = unquote(str(module.calls[call]["source"]))
                    called = modules[(folder / source).resolve()]
                    if output not in called.outputs:
                        problems.append(f"{where}: module {call} has no output {output!r}")
        for call, body in module.calls.items():
            source = unquote(str(body["source"]))
            called = modules[(folder / source).resolve()]
            given = {k for k in body if not k.startswith("__")} - MODULE_META
            problems += [
                f"{here}: module {call} passes {name!r}, which {source} does not declare"
                for name in sorted(given - set(called.variables))
            ]
            required = {n for n, v in called.variables.items() if "default" not in v}
            problems += [
                f"{here}: module {call} does not pass {name!r}, which {source} requires"
                for name in sorted(required - given)
            ]
    return problems
