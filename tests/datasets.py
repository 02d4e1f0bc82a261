"""Tables of every task with the column names real data has, made here (no downloads).

The slow tier brings each through `make schema`, `make check`, `make run`, `make predict` and
the api, as a team does on its second day. Standard library only: the suite has no numpy.
"""

from __future__ import annotations

import csv
import random
import statistics
from pathlib import Path
from typing import Any

ROWS = 600
LABELS = {
    "binary": "churned?",
    "multiclass": "segment (A/B/C)",
    "regression": "lifetime value (k€)",
}
PLAN_EFFECT = {"basic": -1.0, "plus": 0.3, "pro": 1.2}


def rows(task: str, seed: int = 5, count: int = ROWS) -> list[dict[str, Any]]:
    """Records with spaces, '/', '%', parentheses and accents in the column names, a
    categorical column and an id; the label of `task` depends on them, plus noise."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        record: dict[str, Any] = {
            "customer id": f"C-{i:05d}",
            "tenure (months)": rng.randrange(0, 120),
            "spend / month €": round(rng.gammavariate(3.0, 20.0), 2),
            "discount %": round(rng.uniform(0, 30), 1),
            "région": rng.choice(["Île-de-France", "Bretagne", "Occitanie"]),
            "plan type": rng.choices(["basic", "plus", "pro"], weights=[5, 3, 2])[0],
        }
        record["_score"] = (
            -0.03 * (record["tenure (months)"] - 60)
            + 0.02 * (record["spend / month €"] - 60)
            - 0.05 * (record["discount %"] - 15)
            + PLAN_EFFECT[record["plan type"]]
        )
        records.append(record)
    mean = statistics.fmean(r["_score"] for r in records)
    spread = statistics.pstdev(r["_score"] for r in records)
    for record in records:
        score = (record.pop("_score") - mean) / spread + rng.gauss(0, 0.5)
        if task == "binary":
            record[LABELS[task]] = "yes" if score > 0.4 else "no"
        elif task == "multiclass":
            record[LABELS[task]] = "A" if score < -0.5 else "B" if score < 0.6 else "C"
        else:
            record[LABELS[task]] = round(50 + 12 * score, 3)
    return records


def write(task: str, path: Path, seed: int = 5, with_label: bool = True) -> str:
    """Write the table of `task` as CSV (optionally without its label); return the label."""
    records = rows(task, seed)
    label = LABELS[task]
    if not with_label:
        for record in records:
            del record[label]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    return label
