"""Expectation suites (Great Expectations 1.x), derived from the data contract.

* `training`: the training table: every feature's presence, emptiness, bounds and categories;
  the label's presence and values (each class present, or the regression value's bounds);
* `features`: batch-prediction input: the features' columns, without the label; its values are
  checked row by row against what the model saw in training, when it predicts (`profile.py`);
* `predictions`: batch predictions: their columns, classes and ranges, not constant (whether
  their distribution moved is the drift check's to say: `drift.py`).

Edit `contract.yaml` to change what the data may be, and `checks.py` to add your own checks.
GX is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from {{ cookiecutter.package_name }} import checks
from {{ cookiecutter.package_name }}.contract import (
    PREDICTION,
    PROBABILITY,
    Contract,
    load_contract,
)
from {{ cookiecutter.package_name }}.gx_setup import configure_gx

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations import Expectation

MIN_TRAINING_ROWS = 20  # fewer rows cannot be split into a training and a test part


def feature_expectations(contract: Contract, min_rows: int, values: bool) -> list[Expectation]:
    """Row count, then each feature's presence and, with `values`, its emptiness, bounds and
    categories; ids' presence."""
    import great_expectations.expectations as gxe

    checks_: list[Expectation] = [
        gxe.ExpectTableRowCountToBeBetween(min_value=min_rows, max_value=None),
    ]
    for feature in contract.features:
        column = feature.name
        checks_.append(gxe.ExpectColumnToExist(column=column))
        if not values:
            continue
        if not feature.nullable:
            checks_.append(gxe.ExpectColumnValuesToNotBeNull(column=column))
        if feature.min is not None or feature.max is not None:
            checks_.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column, min_value=feature.min, max_value=feature.max
                )
            )
        if feature.categories is not None:
            checks_.append(
                gxe.ExpectColumnValuesToBeInSet(column=column, value_set=feature.categories)
            )
    checks_ += [gxe.ExpectColumnToExist(column=column) for column in contract.ids]
    return checks_


def label_expectations(contract: Contract) -> list[Expectation]:
    """The label is there, never empty, and takes the contract's values."""
    import great_expectations.expectations as gxe

    column = contract.label.name
    found: list[Expectation] = [
        gxe.ExpectColumnToExist(column=column),
        gxe.ExpectColumnValuesToNotBeNull(column=column),
    ]
    if contract.task == "regression":
        if contract.label.min is not None or contract.label.max is not None:
            found.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column, min_value=contract.label.min, max_value=contract.label.max
                )
            )
        return found
    keys = contract.class_keys
    return [
        *found,
        gxe.ExpectColumnValuesToBeInSet(column=column, value_set=keys),
        # Every class present: a model cannot learn a class it never sees.
        gxe.ExpectColumnDistinctValuesToContainSet(column=column, value_set=keys),
    ]


def prediction_expectations(contract: Contract) -> list[Expectation]:
    """The outputs' presence, classes and ranges, and a score that is not constant."""
    import great_expectations.expectations as gxe

    found: list[Expectation] = [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=None),
        gxe.ExpectColumnValuesToNotBeNull(column=PREDICTION),
    ]
    if contract.task == "regression":
        low, high = contract.label.min, contract.label.max
        if low is not None or high is not None:
            found.append(
                gxe.ExpectColumnValuesToBeBetween(column=PREDICTION, min_value=low, max_value=high)
            )
        return found
    found.append(gxe.ExpectColumnValuesToBeInSet(column=PREDICTION, value_set=contract.class_keys))
    if contract.task == "binary":
        return [
            *found,
            gxe.ExpectColumnValuesToNotBeNull(column=PROBABILITY),
            gxe.ExpectColumnValuesToBeBetween(column=PROBABILITY, min_value=0, max_value=1),
            # A constant score means a broken model or broken input.
            gxe.ExpectColumnStdevToBeBetween(column=PROBABILITY, min_value=0.001),
        ]
    return found + [
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)
        for column in contract.probability_columns
    ]


def _suite(name: str, expectations: list[Expectation]) -> ExpectationSuite:
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=expectations)


def training_suite(contract: Contract) -> ExpectationSuite:
    """Features and label of the training table, then your training checks."""
    return _suite(
        "training",
        [
            *feature_expectations(contract, min_rows=MIN_TRAINING_ROWS, values=True),
            *label_expectations(contract),
            *checks.training_checks(contract),
        ],
    )


def features_suite(contract: Contract) -> ExpectationSuite:
    """Batch-prediction input: every feature's column (text in a numeric one is reported
    too), then your features checks. Its values are the model's to judge: each row is
    answered, and flagged where it holds what the model never saw (`profile.py`)."""
    return _suite(
        "features",
        [
            *feature_expectations(contract, min_rows=1, values=False),
            *checks.features_checks(contract),
        ],
    )


def predictions_suite(contract: Contract) -> ExpectationSuite:
    """Batch predictions' columns and ranges, then your predictions checks."""
    return _suite(
        "predictions",
        [*prediction_expectations(contract), *checks.predictions_checks(contract)],
    )


SUITES: dict[str, Callable[[Contract], ExpectationSuite]] = {
    "training": training_suite,
    "features": features_suite,
    "predictions": predictions_suite,
}


def get_suite(name: str, contract: Contract | None = None) -> ExpectationSuite:
    """The suite called `name` (one of SUITES) for `contract` (default: the project's)."""
    if name not in SUITES:
        raise ValueError(f"unknown expectation suite {name!r}; known: {sorted(SUITES)}")
    configure_gx()
    return SUITES[name](contract or load_contract())
