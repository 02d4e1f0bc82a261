{%- import "model_contract.j2" as contract -%}
"""The sample model: `make sample-model` writes models/sample/{model.joblib,metadata.json}.

The same format as the pipeline template's export, so the service runs before a real model
exists and serves the pipeline's models unchanged: a scikit-learn Pipeline (scaling, then
logistic regression) classifying credit default from six named numeric features, and
metadata.json with name, package_version, framework, features, label, outputs, metrics and
the model file's sha256. The data are synthetic and generated here: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }} import __version__

FEATURES = [
{%- for name in contract.features %}
    "{{ name }}",
{%- endfor %}
]
LABEL = "{{ contract.label }}"
# One applicant: the docs' example and the tests' record.
SAMPLE_RECORD: dict[str, float] = {
    "age": 42.0,
    "income_k": 58.5,
    "debt_ratio": 0.35,
    "credit_lines": 4.0,
    "late_payments": 1.0,
    "tenure_months": 120.0,
}
DEFAULT_DIR = Path("models/sample")


def build(out_dir: Path = DEFAULT_DIR, rows: int = 2000, seed: int = 42) -> Path:
    """Train the sample classifier and write it to `out_dir`; return the folder."""
    import joblib
    import numpy as np
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            rng.integers(21, 75, rows),  # age
            rng.gamma(4.0, 15.0, rows),  # income_k
            rng.beta(2.0, 4.0, rows),  # debt_ratio
            rng.integers(1, 12, rows),  # credit_lines
            rng.poisson(0.7, rows),  # late_payments
            rng.integers(1, 360, rows),  # tenure_months
        ]
    ).astype(np.float64)
    logit = -1.5 - 0.02 * (x[:, 0] - 45) - 0.02 * (x[:, 1] - 60) + 4.0 * (x[:, 2] - 0.33)
    logit += 0.9 * x[:, 4] - 0.004 * (x[:, 5] - 180)
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=seed, stratify=y
    )
    model = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))])
    model.fit(x_train, y_train)
    probability = model.predict_proba(x_test)[:, 1]
    metrics = {
        "roc_auc": round(float(roc_auc_score(y_test, probability)), 4),
        "accuracy": round(float(accuracy_score(y_test, probability >= 0.5)), 4),
    }
    # Record the column names as fitting on a DataFrame does (the pipeline template's models
    # have them), without making pandas a dependency of the service.
    model[0].feature_names_in_ = np.array(FEATURES, dtype=object)

    out_dir.mkdir(parents=True, exist_ok=True)
    model_file = out_dir / "model.joblib"
    joblib.dump(model, model_file)
    metadata: dict[str, Any] = {
        "name": "{{ cookiecutter.project_slug }}-sample",
        "package_version": __version__,
        "framework": "scikit-learn",
        "sklearn_version": sklearn.__version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "features": FEATURES,
        "label": LABEL,
        "outputs": ["prediction", "probability"],
        "metrics": metrics,
        "sha256": hashlib.sha256(model_file.read_bytes()).hexdigest(),
    }
    (out_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return out_dir


def main(argv: list[str] | None = None) -> None:
    """`python -m {{ cookiecutter.package_name }}.sample_model [--out DIR]`: prints `model_uri: DIR`."""
    parser = argparse.ArgumentParser(description="Write the sample model and its metadata.")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="the folder to write")
    args = parser.parse_args(argv)
    print(f"model_uri: {build(args.out)}")


if __name__ == "__main__":
    main()
