"""The serving benchmark's baseline: a bare FastAPI app giving the same predictions.

No middleware, logging, metrics, validation limits or fallback: what the generated service's
/predict is compared with. It runs in the generated project's environment:

    MODEL_DIR=models/sample python -m uvicorn bench.bare_app:app --no-access-log
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import skops.io
from fastapi import FastAPI
from pydantic import BaseModel

MODEL_DIR = Path(os.environ.get("MODEL_DIR", "models/sample"))
METADATA = json.loads((MODEL_DIR / "metadata.json").read_text())
FEATURES: list[str] = METADATA["features"]
MODEL_FILE = MODEL_DIR / METADATA["model_file"]  # the scikit-learn sample: model.skops
model = skops.io.load(MODEL_FILE, trusted=skops.io.get_untrusted_types(file=MODEL_FILE))
app = FastAPI()


class PredictRequest(BaseModel):
    records: list[dict[str, float]]


@app.post("/predict")
async def predict(body: PredictRequest) -> dict[str, Any]:
    x = np.array([[r[f] for f in FEATURES] for r in body.records], dtype=np.float64)
    return {"predictions": model.predict_proba(x)[:, 1].tolist()}
