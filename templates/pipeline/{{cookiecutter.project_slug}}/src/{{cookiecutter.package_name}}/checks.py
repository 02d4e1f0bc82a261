"""Your own expectations, added to those the data contract gives (`expectations.py`).

`make schema` rewrites the contract, never this file: put here what the contract cannot say
(distributions, relations between columns, business rules). Each function returns a list of
Great Expectations 1.x expectations (https://greatexpectations.io/expectations/); write them
against `contract` (its feature names, label, classes) so they keep working when the data does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from {{ cookiecutter.package_name }}.contract import Contract


def training_checks(contract: Contract) -> list[Expectation]:
    """Extra checks of the training table (features and label)."""
    import great_expectations.expectations as gxe  # noqa: F401  # for your expectations

    return [
        # e.g. the average of a feature should not move much between extracts:
        # gxe.ExpectColumnMeanToBeBetween(column="age", min_value=25, max_value=70),
    ]


def features_checks(contract: Contract) -> list[Expectation]:
    """Extra checks of batch-prediction input (features, no label)."""
    return []


def predictions_checks(contract: Contract) -> list[Expectation]:
    """Extra monitoring checks of the batch predictions."""
    return []
