"""The drift check: what a model meets (served records, a batch's input) against what it learned.

One check for the service's records and for batch prediction's input: per feature of the
contract, the population stability index (PSI) of the new values over the reference's bins
(`profile.py`: numeric features cut at the training values' deciles, categorical features by
category, empty values a bin of their own, categories training never had one more), and the
change in the share of empty values; then the same index for the predictions (binary: the
positive class's probability; multiclass: the predicted classes; regression: the values).

PSI = sum over bins of (current - reference) * ln(current / reference), shares floored at
FLOOR (a bin empty on one side would make it infinite). One measure for every kind of feature,
on the small reference the model carries, with thresholds the field shares (contract.py:
DRIFT_WARN, DRIFT_ALERT, overridable per feature). Each level is `ok`, `warn` or `alert`; the
check's status is the worst of them, or `too few records` below `min_records` (a few hundred
records put a feature's PSI well under the warning threshold when nothing moved: below, chance
alone would raise alarms).

numpy only, in chunks: the counts of each chunk add up, so a million records take no more
memory than ten thousand.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from {{ cookiecutter.package_name }}.contract import (
    DRIFT_MIN_RECORDS,
    PREDICTION,
    PROBABILITY,
    Contract,
    ContractError,
    Drift,
)
from {{ cookiecutter.package_name }}.profile import EMPTY, bins, reference_shares

OK, WARN, ALERT, TOO_FEW = "ok", "warn", "alert", "too few records"
LEVELS = (OK, WARN, ALERT)
MIN_RECORDS = DRIFT_MIN_RECORDS  # below, the check says "too few records"
FLOOR = 1e-4  # a bin's share, at least, in the index (0 would make it infinite)
PREDICTIONS = "predictions"  # the predictions' row in the report
# Columns by name: a pandas DataFrame, or a dict of lists (the served records' chunks).
Table = Any


class NoReferenceError(ContractError):
    """The model carries no reference profile: it was exported before monitoring existed."""

    hint = "export the model again with this project (make run): its metadata.json then has one"


def psi(reference: np.ndarray[Any, Any], counts: np.ndarray[Any, Any]) -> float:
    """The population stability index of `counts` (per bin) against `reference` (shares)."""
    total = counts.sum()
    if not total:
        return 0.0
    expected = np.maximum(reference, FLOOR)
    actual = np.maximum(counts / total, FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def level(value: float, warn: float, alert: float) -> str:
    """ok, warn or alert: `value` against its thresholds."""
    return ALERT if value >= alert else WARN if value >= warn else OK


def worst(levels: Sequence[str]) -> str:
    """The most severe of some levels (ok when none)."""
    return max(levels, key=LEVELS.index, default=OK)


@dataclass
class Measure:
    """One feature's (or the predictions') drift: the index, the change in empty values, the
    level, and both distributions over the reference's bins, for the report."""

    name: str
    kind: str  # numeric, categorical, or the task for the predictions
    records: int
    psi: float
    missing_reference: float
    missing_current: float
    level: str
    thresholds: dict[str, tuple[float, float]]
    bins: list[str]
    reference: list[float]
    current: list[float]

    @property
    def missing_change(self) -> float:
        """The change in the share of empty values (positive: more empty values now)."""
        return self.missing_current - self.missing_reference


@dataclass
class DriftResult:
    """The check's verdict and every figure behind it; `line()` for logs and terminals, and
    `to_json()` for machines (the report's JSON)."""

    status: str
    records: int
    min_records: int
    features: list[Measure]
    predictions: Measure | None
    model: dict[str, Any] = field(default_factory=dict)  # name, version, uri
    window: dict[str, Any] = field(default_factory=dict)  # since, until, source
    counts: dict[str, Any] = field(default_factory=dict)  # e.g. records per model version

    @property
    def moved(self) -> list[Measure]:
        """The features at the check's status (alert, or warn), the most moved first."""
        if self.status not in (WARN, ALERT):
            return []
        return [m for m in self.features if m.level == self.status]

    def line(self) -> str:
        """`drift: ok`, `drift: alert (age, income)`, `drift: warn, predictions: warn`,
        `drift: too few records (120 of 500)`: features by their contract names."""
        if self.status == TOO_FEW:
            return f"drift: {TOO_FEW} ({self.records} of {self.min_records})"
        text = f"drift: {self.status}"
        if self.moved:
            text += f" ({', '.join(_shown(m.name) for m in self.moved)})"
        if self.predictions is not None and self.predictions.level in (WARN, ALERT):
            text += f", {PREDICTIONS}: {self.predictions.level}"
        return text

    def to_json(self) -> dict[str, Any]:
        """Every figure, as JSON-ready data."""
        data = asdict(self)
        data["line"] = self.line()
        data["moved"] = [m.name for m in self.moved]
        return data


def _shown(name: str) -> str:
    """A feature's name in the drift line: as written, quoted only when it could be misread
    (a comma, a parenthesis, a quote, or spaces at its ends)."""
    if name != name.strip() or any(c in name for c in ",()\"'"):
        return json.dumps(name, ensure_ascii=False)
    return name


def _thresholds(drift: Drift | None) -> dict[str, tuple[float, float]]:
    return (drift or Drift()).thresholds()


class DriftCheck:
    """The check of one model's reference against records given in chunks: `add` each chunk
    (features by contract name; predictions as the model answered them), then `result`."""

    def __init__(self, contract: Contract, profile: Mapping[str, Any], min_records: int) -> None:
        features = profile.get("features") or {}
        predictions = profile.get("predictions") or {}
        found = [f.name for f in contract.features if "shares" in features.get(f.name, {})]
        if len(found) < len(contract.features) or "shares" not in predictions:
            raise NoReferenceError(
                "the model's metadata.json has no reference profile of its features and "
                "predictions to compare with (it was exported before monitoring)"
            )
        self.contract = contract
        self.min_records = min_records
        self.profile = profile
        self.counts = {
            f.name: np.zeros(len(reference_shares(features[f.name], f.kind == "numeric")[0]))
            for f in contract.features
        }
        self.prediction_counts = np.zeros(len(reference_shares(predictions, self._numeric)[0]))
        self.records = 0
        self.predicted = 0

    @property
    def _numeric(self) -> bool:
        """Whether the predictions' reference is numeric (binary, regression)."""
        return self.contract.task != "multiclass"

    def add(self, columns: Table, rows: int) -> None:
        """Count a chunk of `rows` records: each feature's values by its contract name (a
        DataFrame, or a dict of lists); a feature that is absent counts as empty."""
        features = self.profile["features"]
        for feature in self.contract.features:
            values = columns[feature.name] if feature.name in columns else [None] * rows
            self.counts[feature.name] += bins(
                features[feature.name], values, feature.kind == "numeric"
            )
        self.records += rows

    def add_predictions(self, columns: Table) -> None:
        """Count a chunk of predictions: the `probability` column (binary) or `prediction`
        (multiclass: the classes, as text; regression: the values)."""
        name = PROBABILITY if self.contract.task == "binary" else PREDICTION
        values = columns[name]
        if not self._numeric:
            values = [str(v) for v in values]
        counts = bins(self.profile["predictions"], values, self._numeric)
        self.prediction_counts += counts
        self.predicted += int(counts.sum())

    def result(self, **context: Any) -> DriftResult:
        """The verdict and the figures (`context`: the report's model, window and counts)."""
        features = self.profile["features"]
        measures = [
            self._measure(
                feature.name,
                feature.kind,
                features[feature.name],
                self.counts[feature.name],
                feature.kind == "numeric",
                _thresholds(feature.drift),
                self.records,
            )
            for feature in self.contract.features
        ]
        measures.sort(key=lambda m: (-LEVELS.index(m.level), -m.psi, m.name))
        predictions = None
        if self.predicted:
            predictions = self._measure(
                PREDICTIONS,
                self.contract.task,
                self.profile["predictions"],
                self.prediction_counts,
                self._numeric,
                _thresholds(self.contract.label.drift),
                self.predicted,
            )
        if self.records < self.min_records:
            status = TOO_FEW
        else:
            status = worst(
                [m.level for m in measures] + ([predictions.level] if predictions else [])
            )
        return DriftResult(status, self.records, self.min_records, measures, predictions, **context)

    def _measure(
        self,
        name: str,
        kind: str,
        reference: Mapping[str, Any],
        counts: np.ndarray[Any, Any],
        numeric: bool,
        thresholds: dict[str, tuple[float, float]],
        records: int,
    ) -> Measure:
        names, shares = reference_shares(dict(reference), numeric)
        total = counts.sum()
        current = counts / total if total else np.zeros_like(shares)
        index = psi(shares, counts)
        empty = names.index(EMPTY) if EMPTY in names else None
        missing_ref = float(shares[empty]) if empty is not None else 0.0
        missing_now = float(current[empty]) if empty is not None else 0.0
        found = OK
        if records >= self.min_records:
            found = worst(
                [
                    level(index, *thresholds["psi"]),
                    level(abs(missing_now - missing_ref), *thresholds["missing"]),
                ]
            )
        return Measure(
            name=name,
            kind=kind,
            records=records,
            psi=round(index, 6) if math.isfinite(index) else index,
            missing_reference=round(missing_ref, 6),
            missing_current=round(missing_now, 6),
            level=found,
            thresholds=thresholds,
            bins=names,
            reference=[round(float(s), 6) for s in shares],
            current=[round(float(s), 6) for s in current],
        )
