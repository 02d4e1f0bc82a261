"""`make schema`: infer the data contract from a CSV; write it and the project's sample data.

Kinds, bounds, categories and nullability come from the columns; the task from the label
(override it with `task=`). The sample data that the tests and `make run` use is synthetic,
generated from the contract: a team's real rows never have to be committed. Nothing is
written unless the whole inference succeeds.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.contract import (
    CONTRACT_FILE,
    CONTRACT_HEADER,
    TASKS,
    Contract,
    ContractError,
    Feature,
    Label,
    Scalar,
    parse_contract,
    write_contract,
)
from {{ cookiecutter.package_name }}.steps.io import DataError

if TYPE_CHECKING:
    import pandas as pd

MAX_CATEGORIES = 50  # a text column with more distinct values is not taken as a feature
MAX_CLASSES = 50  # a text label with more distinct values is not taken as classes
MAX_NUMERIC_CLASSES = 20  # a whole-number label with at most this many values is classes
NUMERIC_SHARE = 0.9  # a text column whose values are this often numbers is numeric
SAMPLE_ROWS = 400
# The project's sample data: what the tests and a plain `make run` use, and what `make schema`
# rewrites as synthetic rows. A model trained on it never takes the champion from one trained
# on other data (steps/promote.py).
SAMPLE_DATA = Path("data") / "sample.csv"
PROJECT = "{{ cookiecutter.project_slug }}"
POSITIVE_NAMES = {"1", "true", "yes", "y", "positive", "pos"}
ID_NAME = re.compile(r"(^|[^a-z])id$", re.IGNORECASE)


class SchemaError(ContractError):
    """The table cannot make a contract: the message says which column and why."""

    hint = "fix the table, or choose other columns (LABEL=, TASK=, IDS=), then make schema again"


class LabelError(SchemaError):
    """LABEL is missing or names no column of the table."""

    hint = "give LABEL= the column to predict, exactly as the table's header writes it"


@dataclass
class Inferred:
    """The contract inferred from a table, and what the inference noticed."""

    contract: Contract
    source: str
    rows: int
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_data(uri: str | Path) -> pd.DataFrame:
    """Read a table for inference, from any source (`sources.py`), as the data says; an
    unusable one is one DataError line."""
    from {{ cookiecutter.package_name }}.sources import read_frame

    frame = read_frame(uri)
    if frame.empty:
        raise DataError(f"{str(uri)!r} has a header but no data rows")
    return frame


def _is_numeric(column: pd.Series[Any]) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _as_numbers(column: pd.Series[Any]) -> tuple[pd.Series[Any], list[str]]:
    """The column as numbers, and the non-empty values that are not numbers."""
    import pandas as pd

    numbers = pd.to_numeric(column, errors="coerce")
    bad = column[numbers.isna() & column.notna()]
    return numbers, [str(v) for v in bad.unique()[:5]]


def _nice(value: float, step: float, up: bool) -> float:
    rounded = (math.ceil if up else math.floor)(value / step) * step
    return round(rounded, 10)


def bounds(values: pd.Series[Any], integer: bool) -> tuple[float, float]:
    """Plausible bounds: the observed range widened by half of it on each side (never below
    0 for a column with no negative value), rounded outwards to a readable step."""
    low, high = float(values.min()), float(values.max())
    span = high - low or abs(high) or 1.0
    step = 10.0 ** math.floor(math.log10(span)) / 10
    step = max(step, 1.0) if integer else step
    wide_low, wide_high = low - span / 2, high + span / 2
    if low >= 0:
        wide_low = max(wide_low, 0.0)
    nice_low, nice_high = _nice(wide_low, step, up=False), _nice(wide_high, step, up=True)
    if integer:
        return float(int(nice_low)), float(int(nice_high))
    return nice_low, nice_high


def _compact(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def infer_feature(name: str, column: pd.Series[Any], notes: list[str]) -> Feature | str:
    """The feature a column makes, or why it is not one."""
    import pandas as pd

    present = column.dropna()
    nullable = bool(column.isna().any())
    if present.empty:
        return "every value is empty"
    if pd.api.types.is_bool_dtype(column):
        return Feature(
            name=name, kind="categorical", nullable=nullable, categories=["False", "True"]
        )
    if not _is_numeric(column):
        numbers, bad = _as_numbers(present)
        if numbers.notna().mean() >= NUMERIC_SHARE:
            notes.append(
                f"{name!r}: numeric, but some values are not numbers (e.g. {bad}): "
                "validation will name them"
            )
            present = numbers.dropna()
        else:
            distinct = sorted(present.astype(str).unique())
            if len(distinct) > MAX_CATEGORIES:
                return (
                    f"{len(distinct)} distinct text values (an id, a date or free text?); "
                    "add it by hand, or as an id with IDS="
                )
            return Feature(name=name, kind="categorical", nullable=nullable, categories=distinct)
    integer = bool((present == present.round()).all())
    low, high = bounds(present.astype(float), integer)
    return Feature(
        name=name, kind="numeric", nullable=nullable, min=_compact(low), max=_compact(high)
    )


def _class_value(text: str, numeric: bool) -> Scalar:
    if numeric:
        number = float(text)
        return int(number) if number.is_integer() else number
    return text


def infer_label(frame: pd.DataFrame, name: str, task: str | None) -> tuple[str, Label]:
    """The task and the label's description."""
    column = frame[name]
    if column.isna().any():
        count = int(column.isna().sum())
        raise SchemaError(
            f"label {name!r} is empty on {count} of {len(column)} rows: every training row "
            "needs a label (drop those rows first)"
        )
    numbers, bad = _as_numbers(column)
    numeric = not bad
    if task is not None and task not in TASKS:
        raise SchemaError(f"task {task!r} is not one of {', '.join(TASKS)}")
    distinct = column.nunique()
    if distinct < 2:
        raise SchemaError(
            f"label {name!r} has one value only ({column.iloc[0]!r}): a model needs at least "
            "two classes, or a varying value"
        )
    whole = numeric and bool((numbers == numbers.round()).all())
    if task is None:
        if numeric:
            task = (
                "binary"
                if whole and distinct == 2
                else "multiclass"
                if whole and distinct <= MAX_NUMERIC_CLASSES
                else "regression"
            )
        elif distinct == 2:
            task = "binary"
        elif distinct <= MAX_CLASSES:
            task = "multiclass"
        else:
            raise SchemaError(
                f"label {name!r} has {distinct} distinct text values: too many classes (at most "
                f"{MAX_CLASSES}) for classification, and text cannot be a regression label"
            )
    if task == "regression":
        if not numeric:
            raise SchemaError(
                f"regression needs a numeric label: {name!r} has text such as {bad[:3]}"
            )
        low, high = bounds(numbers, whole)
        label = Label(
            name=name, min=_compact(low), max=_compact(high), mean=round(float(numbers.mean()), 6)
        )
        return task, label
    if task == "binary" and distinct != 2:
        raise SchemaError(
            f"a binary label has 2 values; {name!r} has {distinct}: use task multiclass"
        )
    if task == "multiclass" and distinct > MAX_CLASSES:
        kind = "numbers: TASK=regression predicts a number" if numeric else "text"
        raise SchemaError(
            f"label {name!r} has {distinct} distinct values: too many classes (at most "
            f"{MAX_CLASSES}) for multiclass; its values are {kind}"
        )
    if task == "multiclass" and distinct < 3:
        raise SchemaError(f"a multiclass label has 3 values or more; {name!r} has 2: use binary")
    text = (
        column.astype(str)
        if not numeric
        else numbers.map(lambda v: str(_class_value(str(v), True)))
    )
    keys = sorted(text.unique(), key=lambda k: (float(k), k) if numeric else (0.0, k))
    classes = [_class_value(k, numeric) for k in keys]
    shares = {k: round(float(v), 4) for k, v in text.value_counts(normalize=True).items()}
    shares = {k: shares[k] for k in keys}
    positive: Scalar | None = None
    if task == "binary":
        named = [c for c in classes if str(c).lower() in POSITIVE_NAMES]
        positive = named[0] if len(named) == 1 else classes[1]
    return task, Label(name=name, classes=classes, positive_class=positive, shares=shares)


def _close_column(name: str, columns: list[str]) -> str | None:
    """The column `name` most likely meant: the same but for case and spaces, else a near one."""
    import difflib

    def folded(text: str) -> str:
        return " ".join(text.split()).casefold()

    same = [c for c in columns if folded(c) == folded(name)]
    if same:
        return same[0]
    near = difflib.get_close_matches(name, columns, n=1, cutoff=0.8)
    return near[0] if near else None


def infer_contract(
    frame: pd.DataFrame,
    label: str,
    task: str | None = None,
    ids: list[str] | None = None,
    source: str = "the table",
) -> Inferred:
    """The contract of a table: its label, task, features and id columns."""
    columns = [str(c) for c in frame.columns]
    if not label:
        raise LabelError(f"LABEL is required: the column of {source} to predict, one of {columns}")
    if label not in columns:
        hint = ""
        if len(columns) == 1 and ";" in columns[0]:
            hint = " (separated by ';'? the pipeline reads comma-separated CSV)"
        elif close := _close_column(label, columns):
            hint = f" (did you mean {close!r}?)"
        raise LabelError(
            f"label {label!r} is not a column of {source}{hint}: its columns are {columns}"
        )
    if ids is not None:
        if unknown := [c for c in ids if c not in columns]:
            raise SchemaError(f"id column(s) {unknown} not in {source}: its columns are {columns}")
        if label in ids:
            raise SchemaError(f"{label!r} cannot be both the label and an id column")
    chosen_task, label_spec = infer_label(frame, label, task)
    notes: list[str] = []
    skipped: list[str] = []
    if ids is None:
        ids = [
            c
            for c in columns
            if c != label and ID_NAME.search(c) and frame[c].notna().all() and frame[c].is_unique
        ]
        notes += [f"{c!r}: an id (named like one, unique per row): passed through" for c in ids]
    features = []
    for name in columns:
        if name == label or name in ids:
            continue
        made = infer_feature(name, frame[name], notes)
        if isinstance(made, str):
            skipped.append(f"{name!r}: {made}")
        else:
            features.append(made)
    if not features:
        raise SchemaError(f"{source} has no usable feature column besides the label {label!r}")
    spec = {"task": chosen_task, "label": label_spec, "features": features, "ids": ids}
    try:
        contract = parse_contract(spec, source)
    except ContractError as error:
        raise SchemaError(str(error)) from None
    return Inferred(contract, source, len(frame), notes, skipped)


def keep_edits(inferred: Inferred, previous: Contract) -> Inferred:
    """The inferred contract with what a person wrote into the previous one kept: the
    description and drift thresholds of each feature found again (same name and kind) and of
    the label (same name). The rest (bounds, categories, classes) is the new data's."""
    before = {f.name: f for f in previous.features}
    kept: list[str] = []
    features = []
    for feature in inferred.contract.features:
        old = before.get(feature.name)
        if old is not None and old.kind == feature.kind and (old.description or old.drift):
            feature = feature.model_copy(
                update={"description": old.description, "drift": old.drift}
            )
            kept.append(repr(feature.name))
        features.append(feature)
    label = inferred.contract.label
    if previous.label.name == label.name and (previous.label.description or previous.label.drift):
        label = label.model_copy(
            update={"description": previous.label.description, "drift": previous.label.drift}
        )
        kept.append(f"the label {label.name!r}")
    if not kept:
        return inferred
    contract = inferred.contract.model_copy(update={"features": features, "label": label})
    note = f"kept from the previous contract: the description and drift thresholds of {', '.join(kept)}"
    return replace(inferred, contract=contract, notes=[*inferred.notes, note])


def describe(inferred: Inferred) -> list[str]:
    """What was inferred, as lines for people."""
    contract = inferred.contract
    label = contract.label
    if contract.task == "regression":
        target = f"values {_compact(label.min or 0)} to {_compact(label.max or 0)}"
    else:
        target = f"{len(contract.classes)} classes: " + ", ".join(map(str, contract.classes))
        if contract.task == "binary":
            target += f"; positive class {label.positive_class!r}"
    lines = [
        f"inferred from {inferred.source} ({inferred.rows} rows):",
        f"  task: {contract.task} (label {label.name!r}: {target})",
        f"  features ({len(contract.features)}):",
    ]
    for feature in contract.features:
        if feature.kind == "numeric":
            detail = f"numeric, {_compact(feature.min or 0)} to {_compact(feature.max or 0)}"
        else:
            detail = f"categorical, {len(feature.categories or [])} categories"
        lines.append(
            f"    {feature.name!r}: {detail}{', may be empty' if feature.nullable else ''}"
        )
    lines.append(f"  ids: {', '.join(map(repr, contract.ids)) or 'none'}")
    lines += [f"  skipped {s}" for s in inferred.skipped]
    lines += [f"  note: {n}" for n in inferred.notes]
    return lines


def source_tree_root() -> Path:
    """The project folder this package is edited in; refuse to edit an installed copy."""
    root = CONTRACT_FILE.parents[2]
    if not (root / "pyproject.toml").is_file():
        raise ContractError(
            f"{CONTRACT_FILE} is not in a project's source tree: run make schema in the project"
        )
    return root


def sample_data_file() -> Path | None:
    """The project's sample data file (None outside a source tree, as in an image)."""
    try:
        return source_tree_root() / SAMPLE_DATA
    except ContractError:
        return None


def is_sample_data(path: str | Path) -> bool:
    """Whether `path` is the project's sample data: that file, or a copy of it."""
    from {{ cookiecutter.package_name }}.model import file_sha256

    sample, data = sample_data_file(), Path(path)
    if sample is None or not sample.is_file() or not data.is_file():
        return False
    if data.resolve() == sample.resolve():
        return True
    return data.stat().st_size == sample.stat().st_size and file_sha256(data) == file_sha256(sample)


def file_mode(target: Path) -> int:
    """The target's own mode, else a new file's (0o666 less the umask): not mkstemp's 0o600,
    which the image's user (`make docker-run` mounts data/) could not read."""
    if target.exists():
        return stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_schema(
    inferred: Inferred, project: str, contract_path: Path, sample_path: Path, rows: int
) -> None:
    """Write the contract and the synthetic sample data, both or neither."""
    import pandas as pd

    from {{ cookiecutter.package_name }}.synthetic import synthetic_table

    contract = inferred.contract
    sample = pd.DataFrame(synthetic_table(contract, rows=rows))
    written: list[tuple[Path, Path]] = []
    try:
        for target in (contract_path, sample_path):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            os.close(handle)
            Path(name).chmod(file_mode(target))
            written.append((Path(name), target))
        write_contract(contract, written[0][0], CONTRACT_HEADER.format(project=project))
        sample.to_csv(written[1][0], index=False)
    except BaseException:
        for temporary, _ in written:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in written:
        temporary.replace(target)


def sample_rows(contract: Contract) -> int:
    """Enough synthetic rows for the tests to train and evaluate every class."""
    return max(SAMPLE_ROWS, 80 * len(contract.classes))
