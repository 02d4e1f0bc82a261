"""The google Terraform provider's schema, offline: every resource, data source and argument.

Terraform's registry and GitHub are out of reach here, so `terraform providers schema` cannot
run. The schema comes from a package registry instead: the prebuilt CDK for Terraform
bindings on npm (`@cdktf/provider-google`) are generated from the provider's own schema, and
each resource's generated JavaScript maps every argument to its Terraform name, says whether
it is a block, and nests the blocks' own arguments. This module reads those files into a
small JSON (tests/data/google-provider-schema.json.gz, about 100 kB) that the fast tier
checks the rendered infra/ against (tests/test_infra.py).

    python -m tests.provider_schema        # npm pack, parse, write the JSON (about 30 MB fetched)

The bindings are the last ones published (cdktf is deprecated): google provider 6.50.0, so
the templates pin `~> 6.50`. PyPI's `cdktf-cdktf-provider-google` carries the same files in a
jsii tarball; `pulumi-gcp` renames arguments (lifecycle_rule is lifecycle_rules there) and
ships no Terraform schema, so it cannot serve as one.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = "@cdktf/provider-google"
PACKAGE_VERSION = "16.12.1"
SCHEMA_FILE = Path(__file__).parent / "data" / "google-provider-schema.json.gz"

_TYPE = re.compile(r"terraformResourceType: '(\w+)'")
_CLASS = re.compile(
    r"^class \w+ extends cdktf\.(TerraformResource|TerraformDataSource|TerraformProvider) \{",
    re.MULTILINE,
)
_STRUCT = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{$")
_ENTRY = re.compile(r"^(\w+): \{$")
_CHILD = re.compile(r"(?<!cdktf\.)\b(\w+)ToHclTerraform\b")
_GETTER = re.compile(r"this\.get\w*Attribute\('(\w+)'\)")


def _entries(lines: list[str], start: int) -> list[tuple[str, str, bool, str]]:
    """The `const attrs = {...}` block from line `start`: name, value code, block?, kind."""
    found = []
    i = start
    while lines[i].strip() != "};":
        match = _ENTRY.match(lines[i].strip())
        if match:
            value, block, kind = (line.strip() for line in lines[i + 1 : i + 4])
            if not (value.startswith("value: ") and block.startswith("isBlock: ")):
                raise ValueError(f"unexpected attribute entry at line {i}: {lines[i : i + 4]}")
            found.append((match.group(1), value, block == "isBlock: true,", kind.split('"')[1]))
            i += 5
        else:
            i += 1
    return found


def parse_binding(js: str) -> tuple[str, str, dict[str, Any]]:
    """One generated index.js: (kind, Terraform type, {arguments, attributes})."""
    [tf_type] = set(_TYPE.findall(js))
    cls = _CLASS.search(js)
    if cls is None:
        raise ValueError(f"{tf_type}: no resource class")
    lines = js.splitlines()
    class_line = js[: cls.start()].count("\n")
    structs: dict[str, list[tuple[str, str, bool, str]]] = {}
    current = None
    for number, line in enumerate(lines):
        match = _STRUCT.match(line)
        if match:
            current = match.group(1)
        elif line == "}":
            current = None
        elif line.strip() == "const attrs = {":
            key = "" if number > class_line else current
            if key is not None:
                structs[key] = _entries(lines, number + 1)

    def tree(entries: list[tuple[str, str, bool, str]], seen: tuple[str, ...]) -> dict[str, Any]:
        node: dict[str, Any] = {}
        for name, value, block, kind in entries:
            children = [c for c in _CHILD.findall(value) if c in structs and c not in seen]
            if children:
                nested = tree(structs[children[0]], (*seen, children[0]))
                node[name] = {"kind": kind, "block": block, "nested": nested}
            else:
                node[name] = kind
        return node

    entry = {
        "arguments": tree(structs.get("", []), ()),
        "attributes": sorted(set(_GETTER.findall(js[cls.start() :]))),
    }
    kind = {
        "TerraformResource": "resources",
        "TerraformDataSource": "data_sources",
        "TerraformProvider": "provider",
    }[cls.group(1)]
    return kind, tf_type, entry


def extract(package_dir: Path) -> dict[str, Any]:
    """The schema of an unpacked package (its package.json and lib/*/index.js)."""
    meta = json.loads((package_dir / "package.json").read_text())
    schema: dict[str, Any] = {
        "source": f"npm {meta['name']}@{meta['version']} (lib/*/index.js), by tests.provider_schema",
        "provider": meta["cdktf"]["provider"]["name"],
        "version": meta["cdktf"]["provider"]["version"],
        "resources": {},
        "data_sources": {},
        "provider_config": {},
    }
    for index in sorted((package_dir / "lib").glob("*/index.js")):
        js = index.read_text(encoding="utf-8")
        if "terraformResourceType: '" not in js:
            continue  # lazy-index and other helpers
        kind, tf_type, entry = parse_binding(js)
        if kind == "provider":
            schema["provider_config"] = entry
        else:
            schema[kind][tf_type] = entry
    return schema


@cache
def load() -> dict[str, Any]:
    """The stored schema."""
    with gzip.open(SCHEMA_FILE, "rt", encoding="utf-8") as file:
        schema: dict[str, Any] = json.load(file)
    return schema


def main(argv: list[str] | None = None) -> int:
    """Fetch the package with npm, extract the schema, store it."""
    parser = argparse.ArgumentParser(prog="python -m tests.provider_schema", description=__doc__)
    parser.add_argument("--version", default=PACKAGE_VERSION, help=f"{PACKAGE}'s version")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        packed = subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{args.version}", "--pack-destination", tmp, "--silent"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        with tarfile.open(Path(tmp) / packed) as archive:
            archive.extractall(tmp, filter="data")
        schema = extract(Path(tmp) / "package")
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    # mtime=0: the same schema gives the same bytes, so git sees no change on a re-run.
    with gzip.GzipFile(SCHEMA_FILE, "wb", compresslevel=9, mtime=0) as file:
        file.write(text.encode())
    print(
        f"{SCHEMA_FILE.relative_to(Path.cwd())}: {schema['provider']} {schema['version']}, "
        f"{len(schema['resources'])} resources, {len(schema['data_sources'])} data sources"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
