"""Expectation suites (Great Expectations 1.x): edit these to match your data.

Each suite is a plain list of expectations; every expectation class is documented at
https://greatexpectations.io/expectations/ . Keep bounds loose enough for real data
and tight enough to catch broken extracts.

* `training`: the training table, features and label;
* `features`: the same feature checks without the label (batch-prediction input);
* `predictions`: model monitoring, the batch predictions' ranges and distribution.

GX is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from {{ cookiecutter.package_name }}.schema import FEATURES, LABEL, PREDICTION, PROBABILITY

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations import Expectation


def configure_gx() -> None:
    """Call before the first GX import: offline and quiet."""
    # Older GX 1.x releases sent usage statistics (PostHog) unless GX_ANALYTICS_ENABLED=false;
    # recent ones have no analytics module, and the variable is then ignored. Set it anyway.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # GX logs INFO chatter at import (great_expectations._docs_decorators).
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def _feature_expectations(min_rows: int) -> list[Expectation]:
    import great_expectations.expectations as gxe

    checks: list[Expectation] = [
        gxe.ExpectTableRowCountToBeBetween(min_value=min_rows, max_value=10_000_000),
    ]
    for column in FEATURES:
        checks += [
            gxe.ExpectColumnToExist(column=column),
            gxe.ExpectColumnValuesToNotBeNull(column=column),
        ]
    checks += [
        # Value ranges: a value outside means a broken extract or a unit change.
        gxe.ExpectColumnValuesToBeBetween(column="age", min_value=18, max_value=100),
        gxe.ExpectColumnValuesToBeBetween(column="income_k", min_value=0, max_value=1_000),
        gxe.ExpectColumnValuesToBeBetween(column="debt_ratio", min_value=0, max_value=5),
        gxe.ExpectColumnValuesToBeBetween(column="credit_lines", min_value=0, max_value=100),
        gxe.ExpectColumnValuesToBeBetween(column="late_payments", min_value=0, max_value=100),
        gxe.ExpectColumnValuesToBeBetween(column="tenure_months", min_value=0, max_value=1_000),
        # Distribution: the average borrower should not move much between extracts.
        gxe.ExpectColumnMeanToBeBetween(column="age", min_value=25, max_value=70),
        gxe.ExpectColumnMeanToBeBetween(column="debt_ratio", min_value=0.1, max_value=1.5),
    ]
    return checks


def _suite(name: str, expectations: list[Expectation]) -> ExpectationSuite:
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=expectations)


def training_suite() -> ExpectationSuite:
    configure_gx()
    import great_expectations.expectations as gxe

    return _suite(
        "training",
        [
            *_feature_expectations(min_rows=50),  # enough rows to train and test
            gxe.ExpectColumnToExist(column=LABEL),
            gxe.ExpectColumnValuesToBeInSet(column=LABEL, value_set=[0, 1]),
            # Class balance: both classes present, neither vanishing.
            gxe.ExpectColumnMeanToBeBetween(column=LABEL, min_value=0.05, max_value=0.95),
        ],
    )


def features_suite() -> ExpectationSuite:
    configure_gx()
    return _suite("features", _feature_expectations(min_rows=1))


def predictions_suite() -> ExpectationSuite:
    configure_gx()
    import great_expectations.expectations as gxe

    return _suite(
        "predictions",
        [
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            gxe.ExpectColumnValuesToNotBeNull(column=PROBABILITY),
            gxe.ExpectColumnValuesToBeBetween(column=PROBABILITY, min_value=0, max_value=1),
            gxe.ExpectColumnValuesToBeInSet(column=PREDICTION, value_set=[0, 1]),
            # Distribution bounds: alert when the share of predicted defaults or the mean
            # score drifts away from what training saw (~40 % positives on the sample).
            gxe.ExpectColumnMeanToBeBetween(column=PREDICTION, min_value=0.05, max_value=0.8),
            gxe.ExpectColumnMeanToBeBetween(column=PROBABILITY, min_value=0.1, max_value=0.8),
            gxe.ExpectColumnStdevToBeBetween(column=PROBABILITY, min_value=0.05),
        ],
    )


SUITES: dict[str, Callable[[], ExpectationSuite]] = {
    "training": training_suite,
    "features": features_suite,
    "predictions": predictions_suite,
}


def get_suite(name: str) -> ExpectationSuite:
    """The suite called `name` (one of SUITES)."""
    try:
        return SUITES[name]()
    except KeyError:
        raise ValueError(f"unknown expectation suite {name!r}; known: {sorted(SUITES)}") from None
