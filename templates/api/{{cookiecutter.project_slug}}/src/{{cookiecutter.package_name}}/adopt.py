"""`make contract MODEL_URI=...`: adopt a model's data contract as the service's own.

The service checks requests against its contract (`contract.yaml`) even with no model loaded,
and refuses a model whose features or task differ. After the pipeline's `make schema` changes
the data, this brings the service's contract in line with the model trained on it. It takes
every MODEL_URI the service takes (a folder, gs://, models:/<name>/<version>,
models:/<name>@<alias> in the registry at registry_uri), with the service's settings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from {{ cookiecutter.package_name }}.contract import (
    CONTRACT_FILE,
    CONTRACT_HEADER,
    ContractError,
    read_contract,
    write_contract,
)
from {{ cookiecutter.package_name }}.ops.config import settings_problem

PROJECT = "{{ cookiecutter.project_slug }}"


class NoModelError(ContractError):
    """MODEL_URI names no model folder."""

    hint = (
        "give MODEL_URI a model folder (with metadata.json; local or gs://), or "
        "models:/<name>@<alias> of the registry at registry_uri"
    )


def adopt(model_uri: str, target: Path = CONTRACT_FILE) -> list[str]:
    """Write the model's contract to `target`; return how it differs from the one there."""
    import json

    from {{ cookiecutter.package_name }}.api.predictor import (
        METADATA_FILE,
        ModelLoadError,
        model_folder,
    )
    from {{ cookiecutter.package_name }}.model import model_contract
    from {{ cookiecutter.package_name }}.ops.config import get_settings

    settings = get_settings()
    try:
        with model_folder(
            model_uri, settings.registry_uri, staging_uri=settings.registry_staging_uri
        ) as (folder, _):
            metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except ModelLoadError as error:
        raise NoModelError(str(error)) from None
    contract = model_contract(metadata, f"{model_uri}/{METADATA_FILE}")
    before = read_contract(target).same_inputs(contract) if target.is_file() else ["new file"]
    write_contract(contract, target, CONTRACT_HEADER.format(project=PROJECT))
    return before


def main(argv: list[str] | None = None) -> int:
    """Adopt the contract of `--model-uri`; print what changed. Exit 2 with one line if refused."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-uri",
        required=True,
        help="a model folder (local or gs://), models:/<name>/<version> or models:/<name>@<alias>",
    )
    args = parser.parse_args(argv)
    if not args.model_uri:
        print("error: give the model: make contract MODEL_URI=<folder or URI>", file=sys.stderr)
        return 2
    try:
        changes = adopt(args.model_uri)
    except ContractError as error:
        print(f"error: {error}", file=sys.stderr)
        print(f"what to do: {error.hint}", file=sys.stderr)
        return 2
    except (ValidationError, SettingsError) as error:  # the settings name the registry
        print(f"error: {settings_problem(error)}", file=sys.stderr)
        return 2
    contract = read_contract(CONTRACT_FILE)
    print(f"contract: {CONTRACT_FILE} (task {contract.task}, {len(contract.features)} features)")
    print("changes: " + ("; ".join(changes) if changes else "none: the inputs were the same"))
    print(
        "next: make sample-model (models/sample, which make serve serves, is of the old contract), "
        "then make check (the tests follow the new contract)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
