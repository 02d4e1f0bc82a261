"""Tables of every task with the awkwardness real tables have, made here (no downloads).

Each is the kind of table a team brings on its second day: column names with spaces, '/',
'%', parentheses and accents; categorical columns; empty values; an id column (a name, for the
binary table, which `make schema` needs told with IDS=). The slow tier brings each through
`make schema`, `make run`, `make predict` and the api. Standard library only: the suite has no
numpy.
"""

from __future__ import annotations

import csv
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROWS = 600
UNSEEN = "Atlantis"  # a category no table has: new data's first row carries it


@dataclass(frozen=True)
class Table:
    """What a test needs to know of a table: its label, ids, and the categorical column
    where new data brings a category never seen in training."""

    task: str
    label: str
    ids: tuple[str, ...]
    ids_inferred: bool  # named like an id: `make schema` finds it alone
    unseen_in: str
    make: Callable[[random.Random, str], dict[str, Any]]  # a record and its score "_score"


def _binary(rng: random.Random, key: str) -> dict[str, Any]:
    age = rng.randrange(18, 80)
    income = round(rng.gauss(3200, 900), 2)
    car = rng.choice(["yes", "no"])
    return {
        "Name": f"{rng.choice(['Ana', 'Bo', 'Chen', 'Dara'])} {key}",
        "Age (years)": age,
        "income / month €": income,
        "owns car": car,
        "_score": 0.04 * (age - 45) + (income - 3200) / 900 + (0.8 if car == "yes" else 0.0),
    }


def _multiclass(rng: random.Random, key: str) -> dict[str, Any]:
    tenure = rng.randrange(0, 120)
    spend = round(rng.gammavariate(3.0, 20.0), 2)
    plan = rng.choices(["basic", "plus", "pro"], weights=[5, 3, 2])[0]
    region = rng.choice(["Île-de-France", "Bretagne", "Occitanie"])
    return {
        "customer id": f"C-{key}",
        # Empty values: a nullable numeric and a nullable categorical column.
        "tenure (months)": "" if rng.random() < 0.05 else tenure,
        "spend / month €": spend,
        "discount %": round(rng.uniform(0, 30), 1),
        "région": "" if rng.random() < 0.05 else region,
        "plan type": plan,
        "_score": -0.03 * (tenure - 60)
        + 0.02 * (spend - 60)
        + {"basic": -1.0, "plus": 0.3, "pro": 1.2}[plan],
    }


def _regression(rng: random.Random, key: str) -> dict[str, Any]:
    carat = round(max(0.2, rng.lognormvariate(-0.4, 0.5)), 2)
    cut = rng.choice(["Fair", "Good", "Very Good", "Premium", "Ideal"])
    color = rng.choice(list("DEFGHIJ"))
    clarity = rng.choice(["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"])
    return {
        "order id": f"O-{key}",
        "carat": carat,
        "cut": cut,
        "color": color,
        "clarity (GIA)": clarity,
        "depth %": round(rng.gauss(61.7, 1.4), 1),
        "_score": 3.0 * carat + 0.1 * "DEFGHIJ".index(color) - 0.2 * len(clarity),
    }


TABLES = {
    "binary": Table("binary", "Bought?", ("Name",), False, "owns car", _binary),
    "multiclass": Table(
        "multiclass", "segment (A/B/C)", ("customer id",), True, "région", _multiclass
    ),
    "regression": Table("regression", "price (k€)", ("order id",), True, "cut", _regression),
}


def rows(task: str, seed: int = 5, count: int = ROWS) -> list[dict[str, Any]]:
    """Records of `task`'s table; the label depends on the features, plus noise."""
    rng = random.Random(seed)
    table = TABLES[task]
    records = [table.make(rng, f"{seed}{i:05d}") for i in range(count)]  # ids: unique
    mean = statistics.fmean(r["_score"] for r in records)
    spread = statistics.pstdev(r["_score"] for r in records)
    for record in records:
        score = (record.pop("_score") - mean) / spread + rng.gauss(0, 0.5)
        if task == "binary":
            record[table.label] = "yes" if score > 0.4 else "no"
        elif task == "multiclass":
            record[table.label] = "A" if score < -0.5 else "B" if score < 0.6 else "C"
        else:
            record[table.label] = round(5 + 1.5 * score, 3)
    return records


def write(task: str, path: Path, seed: int = 5, new: bool = False) -> Table:
    """Write `task`'s table as CSV. `new`: next month's rows to predict, without the label,
    the first with a category never seen in training."""
    table = TABLES[task]
    records = rows(task, seed)
    if new:
        for record in records:
            del record[table.label]
        records[0][table.unseen_in] = UNSEEN
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    return table
