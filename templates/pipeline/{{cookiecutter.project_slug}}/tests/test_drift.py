"""The drift check (drift.py) against a model's reference: what moved is named, what did not
stays quiet, for every task, on contracts with the names real tables have.

Nothing here names the sample's columns: each test picks its features from the contract (the
first numeric one, the first categorical one), so it holds for any contract.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.contract import Contract, Drift, parse_contract
from {{ cookiecutter.package_name }}.drift import (
    ALERT,
    MIN_RECORDS,
    OK,
    TOO_FEW,
    WARN,
    DriftCheck,
    DriftResult,
    NoReferenceError,
    psi,
)
from {{ cookiecutter.package_name }}.framework import Params
from {{ cookiecutter.package_name }}.model import Model
from {{ cookiecutter.package_name }}.profile import OTHER, Profile
from {{ cookiecutter.package_name }}.synthetic import synthetic_table

Table = dict[str, list[Any]]
ROWS = 1000  # records per check: twice the minimum


@pytest.fixture(scope="module")
def reference(task_contract: Contract) -> Model:
    """A model of the contract with its reference: its training rows' profile, and its
    predictions on held-out rows (as export gives every model)."""
    model = Model.fit(task_contract, synthetic_table(task_contract, 2000, seed=1), Params())
    held_out = synthetic_table(task_contract, 600, seed=2)
    scores = model.scores(model.encode_table(held_out))
    model.metadata["profile"]["predictions"] = Profile.learn_predictions(task_contract, scores)
    return model


def check(model: Model, table: Table, contract: Contract | None = None) -> DriftResult:
    """The check of a table's features and of the model's predictions for it."""
    contract = contract or model.contract
    rows = len(table[contract.feature_names[0]])
    found = DriftCheck(contract, model.metadata["profile"], MIN_RECORDS)
    found.add(table, rows)
    found.add_predictions(model.output_columns(model.scores(model.encode_table(table))))
    return found.result()


def first(contract: Contract, kind: str, nullable: bool | None = None) -> str:
    """The name of the contract's first feature of a kind (and nullability)."""
    return next(
        f.name
        for f in contract.features
        if f.kind == kind and (nullable is None or f.nullable == nullable)
    )


def test_twenty_samples_like_the_training_data_raise_at_most_one_warning(
    reference: Model,
) -> None:
    """Chance alone: 20 samples drawn as the training rows were raise at most one warn (of
    any feature or the predictions) and no alert."""
    samples = [synthetic_table(reference.contract, ROWS, seed=100 + i) for i in range(20)]
    results = [check(reference, sample) for sample in samples]
    statuses = [r.status for r in results]
    assert statuses.count(ALERT) == 0
    assert statuses.count(WARN) <= 1, [r.line() for r in results]
    assert statuses.count(OK) >= 19


def test_a_shift_in_one_numeric_feature_is_named(reference: Model) -> None:
    """One numeric feature moved by a standard deviation: alert, naming it alone."""
    name = first(reference.contract, "numeric")
    table = synthetic_table(reference.contract, ROWS, seed=5)
    values = np.array([np.nan if v is None else v for v in table[name]], dtype=float)
    table[name] = (values + np.nanstd(values)).tolist()
    result = check(reference, table)
    assert result.status == ALERT
    assert [m.name for m in result.moved] == [name]
    assert result.line().startswith("drift: alert (")
    assert result.features[0].name == name  # the most moved first


def test_a_category_that_takes_over_is_named(reference: Model) -> None:
    """Seven records in ten of one category (uniform in training): alert, naming it."""
    name = first(reference.contract, "categorical", nullable=False)
    feature = next(f for f in reference.contract.features if f.name == name)
    table = synthetic_table(reference.contract, ROWS, seed=6)
    dominant = (feature.categories or ["a"])[0]
    table[name] = [dominant if i % 10 < 7 else v for i, v in enumerate(table[name])]
    result = check(reference, table)
    assert [m.name for m in result.moved] == [name]
    measure = result.features[0]
    assert measure.current[measure.bins.index(dominant)] > 0.7


def test_a_unit_change_is_an_alert(reference: Model) -> None:
    """Grams become kilograms (values times 1000): the feature's values leave its bins."""
    name = first(reference.contract, "numeric")
    table = synthetic_table(reference.contract, ROWS, seed=7)
    table[name] = [None if v is None else v * 1000 for v in table[name]]
    result = check(reference, table)
    assert result.status == ALERT
    assert name in [m.name for m in result.moved]
    assert next(m for m in result.features if m.name == name).psi > 1.0


def test_categories_never_seen_are_a_bin_of_their_own(reference: Model) -> None:
    """A new category in one record of ten: counted in the never-seen bin, an alert."""
    name = first(reference.contract, "categorical")
    table = synthetic_table(reference.contract, ROWS, seed=8)
    table[name] = ["Atlantis" if i % 10 == 0 else v for i, v in enumerate(table[name])]
    result = check(reference, table)
    measure = next(m for m in result.features if m.name == name)
    assert measure.bins[-1] == OTHER
    assert measure.reference[-1] == 0.0
    assert measure.current[-1] == pytest.approx(0.1, abs=0.01)
    assert measure.level == ALERT


def test_more_empty_values_are_an_alert(reference: Model) -> None:
    """A nullable feature empty in a third of the records (5 % in training)."""
    name = first(reference.contract, "numeric", nullable=True)
    table = synthetic_table(reference.contract, ROWS, seed=9)
    table[name] = [None if i % 3 == 0 else v for i, v in enumerate(table[name])]
    measure = next(m for m in check(reference, table).features if m.name == name)
    assert measure.missing_change > 0.25
    assert measure.level == ALERT


def test_too_few_records_raise_no_alarm(reference: Model) -> None:
    """Below min_records even a unit change is 'too few records', not an alert."""
    name = first(reference.contract, "numeric")
    table = synthetic_table(reference.contract, 50, seed=10)
    table[name] = [None if v is None else v * 1000 for v in table[name]]
    result = check(reference, table)
    assert result.status == TOO_FEW
    assert result.moved == []
    assert result.line() == f"drift: too few records (50 of {MIN_RECORDS})"


def test_the_predictions_drift_of_every_task(reference: Model) -> None:
    """Predictions unlike the held-out ones (binary: one score; multiclass: one class;
    regression: one value) alert on the predictions, the features unmoved."""
    contract = reference.contract
    table = synthetic_table(contract, ROWS, seed=11)
    found = DriftCheck(contract, reference.metadata["profile"], MIN_RECORDS)
    found.add(table, ROWS)
    if contract.task == "binary":
        found.add_predictions({"probability": [0.999] * ROWS})
    elif contract.task == "multiclass":
        found.add_predictions({"prediction": [contract.classes[0]] * ROWS})
    else:
        top = max(reference.metadata["profile"]["predictions"]["edges"])
        found.add_predictions({"prediction": [top * 10] * ROWS})
    result = found.result()
    assert result.predictions is not None
    assert result.predictions.level == ALERT
    assert result.moved == []
    assert result.line() == "drift: alert, predictions: alert"


def test_the_contract_sets_a_features_thresholds(reference: Model) -> None:
    """A feature's `drift` in the contract: the same shift warns under a looser threshold."""
    name = first(reference.contract, "numeric")
    table = synthetic_table(reference.contract, ROWS, seed=12)
    values = np.array([np.nan if v is None else v for v in table[name]], dtype=float)
    table[name] = (values + np.nanstd(values)).tolist()
    spec = reference.contract.model_dump(mode="json", exclude_none=True)
    for feature in spec["features"]:
        if feature["name"] == name:
            feature["drift"] = {"warn": 0.5, "alert": 5.0}
    loose = parse_contract(spec)
    assert next(f for f in loose.features if f.name == name).drift == Drift(warn=0.5, alert=5.0)
    measure = next(m for m in check(reference, table, loose).features if m.name == name)
    assert measure.level == WARN
    assert measure.thresholds["psi"] == (0.5, 5.0)


def test_thresholds_out_of_order_are_refused(task_contract: Contract) -> None:
    """A warning threshold above its alert threshold (given, or the default) is an error."""
    spec = task_contract.model_dump(mode="json", exclude_none=True)
    spec["features"][0]["drift"] = {"alert": 0.05}  # under the default warning, 0.1
    with pytest.raises(ValueError, match=r"warning threshold 0\.1 is above its alert threshold"):
        parse_contract(spec)


def test_a_model_without_a_reference_is_refused(reference: Model) -> None:
    """An export from before monitoring has no bins to compare with: say so, and what to do."""
    profile = dict(reference.metadata["profile"])
    del profile["predictions"]
    with pytest.raises(NoReferenceError, match="no reference profile") as raised:
        DriftCheck(reference.contract, profile, MIN_RECORDS)
    assert "export the model again" in raised.value.hint


def test_the_index_is_zero_for_the_same_shares_and_grows_with_the_move() -> None:
    """PSI: 0 for the reference's own shares, more for a bigger move, finite for empty bins."""
    shares = np.array([0.25, 0.25, 0.5, 0.0])
    assert psi(shares, np.array([25, 25, 50, 0])) == pytest.approx(0.0)
    small, large = psi(shares, np.array([30, 25, 45, 0])), psi(shares, np.array([60, 20, 20, 0]))
    assert 0 < small < large
    assert np.isfinite(psi(shares, np.array([0, 0, 50, 50])))
