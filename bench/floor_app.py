"""The serving benchmark's floor: what FastAPI itself answers on this machine.

The generated service's own request model (built from its data contract) parses each body,
and a constant answer goes back: no model, middleware, logging or metrics. No service can
beat it with the same request model on one worker, so the service's share of it says how
much of the per-request work is its own. It runs in the generated project's environment:

    PACKAGE=my_model_api python -m uvicorn bench.floor_app:app --no-access-log
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

PACKAGE = os.environ["PACKAGE"]
contract = importlib.import_module(f"{PACKAGE}.contract").load_contract()
PredictRequest = importlib.import_module(f"{PACKAGE}.api.schemas").request_model(contract, 1000)
ANSWER = b'{"predictions":[{"prediction":0,"probability":0.5,"warnings":[]}],"fallback":false}'
app = FastAPI()


async def predict(body: Any) -> Response:
    return Response(ANSWER, media_type="application/json")


predict.__annotations__ = {"body": PredictRequest, "return": Response}
app.post("/predict")(predict)
