"""Column names shared by the steps, the expectation suites and the sample data.

Edit this (and `expectations.py`) when you bring your own data.
"""

from __future__ import annotations

FEATURES: tuple[str, ...] = (
    "age",
    "income_k",
    "debt_ratio",
    "credit_lines",
    "late_payments",
    "tenure_months",
)
LABEL = "default"

PREDICTION = "prediction"
PROBABILITY = "probability"
