"""Deterministic generator of `data/sample.csv`: a credit-default-like table, binary label.

Regenerate with `python -m {{ cookiecutter.package_name }}.sample_data data/sample.csv`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from {{ cookiecutter.package_name }}.schema import FEATURES, LABEL


def make_sample(n_rows: int = 400, seed: int = 7) -> pd.DataFrame:
    """A table of `n_rows` borrowers: six numeric features and a 0/1 `default` label."""
    rng = np.random.default_rng(seed)
    age = rng.integers(21, 76, n_rows)
    income_k = np.round(np.clip(rng.lognormal(np.log(55), 0.45, n_rows), 12, 400), 1)
    debt_ratio = np.round(np.clip(rng.beta(2, 4, n_rows) * 1.4, 0, 1.5), 3)
    credit_lines = rng.poisson(4, n_rows).clip(0, 30)
    late_payments = rng.poisson(0.8 + 2.0 * debt_ratio).clip(0, 20)
    tenure_months = np.minimum(rng.integers(0, 361, n_rows), (age - 18) * 12)
    logit = (
        -2.6
        + 3.6 * debt_ratio
        + 0.75 * late_payments
        - 0.02 * (income_k - 55)
        - 0.02 * (age - 45)
        - 0.003 * tenure_months
        + rng.normal(0, 0.3, n_rows)
    )
    default = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {
            "age": age,
            "income_k": income_k,
            "debt_ratio": debt_ratio,
            "credit_lines": credit_lines,
            "late_payments": late_payments,
            "tenure_months": tenure_months,
            LABEL: default,
        }
    )
    return frame[[*FEATURES, LABEL]]


def main(argv: list[str] | None = None) -> int:
    """Write the sample table to the path given (default: data/sample.csv)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "data/sample.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    make_sample().to_csv(out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
