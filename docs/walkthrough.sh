#!/usr/bin/env bash
# The onboarding walkthrough, as one script. docs/walkthrough.md shows this file and the
# suite runs it (tests/test_walkthrough.py), so every command on that page is known to work.
set -euo pipefail
TEMPLATES="${TEMPLATES:-gh:org/templates}"   # where the templates live
WORKDIR="${WORKDIR:-$HOME/onboarding}"        # where the two projects go
PORT="${PORT:-8000}"
mkdir -p "$WORKDIR"
cd "$WORKDIR"

# --8<-- [start:pipeline]
# 1. Render the pipeline template and train its sample model locally (KFP's local runner,
#    no cloud account). `make run` ends with a line `model_uri: <path>`.
cookiecutter "$TEMPLATES" --no-input --directory templates/pipeline project_name="Credit Risk"
cd credit-risk
make install
make run | tee run.log
MODEL_URI="$(sed -n 's/^model_uri: //p' run.log)"
echo "trained model: $MODEL_URI"
cd ..
# --8<-- [end:pipeline]

# --8<-- [start:api]
# 2. Render the api template and serve the model the pipeline trained.
cookiecutter "$TEMPLATES" --no-input --directory templates/api project_name="Credit Risk API"
cd credit-risk-api
make install
MODEL_URI="$MODEL_URI" PORT="$PORT" make serve > serve.log 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
  sleep 1
done
# --8<-- [end:api]

# --8<-- [start:query]
# 3. Query it: what is loaded, then a batch of two applicants.
curl -fsS "http://127.0.0.1:$PORT/model"
echo
curl -fsS -X POST "http://127.0.0.1:$PORT/predict" \
  -H 'content-type: application/json' -H 'x-request-id: onboarding-1' \
  -d '{"records": [
        {"age": 35.0, "income_k": 52.0, "debt_ratio": 0.31, "credit_lines": 4.0, "late_payments": 0.0, "tenure_months": 60.0},
        {"age": 61.0, "income_k": 23.5, "debt_ratio": 0.82, "credit_lines": 9.0, "late_payments": 4.0, "tenure_months": 12.0}
      ]}'
echo
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
# --8<-- [end:query]

# --8<-- [start:your-data]
# 4. Your own table: any CSV with a header row. scikit-learn's bundled wine table (178 rows,
#    three classes, columns such as "od280/od315_of_diluted_wines") stands in for yours.
cd ../credit-risk
.venv/bin/python -c "from sklearn.datasets import load_wine; load_wine(as_frame=True).frame.to_csv('wine.csv', index=False)"
make schema DATA=wine.csv LABEL=target      # adapt the project to this data
make check                                   # still green
make run DATA=wine.csv | tee wine-run.log    # train, validate, evaluate, export
WINE_MODEL="$(sed -n 's/^model_uri: //p' wine-run.log)"
make predict MODEL_URI="$WINE_MODEL" DATA=wine.csv   # batch predictions: predictions_uri: <folder>
cd ../credit-risk-api
make contract MODEL_URI="$WINE_MODEL"        # the service takes the model's contract
MODEL_URI="$WINE_MODEL" PORT="$PORT" make serve > serve-wine.log 2>&1 &
SERVER=$!
for _ in $(seq 120); do
  curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
  sleep 1
done
# The request the service documents (its OpenAPI example), then the answer: a class and its
# probabilities, what the batch predictions say for such a row.
EXAMPLE="$(curl -fsS "http://127.0.0.1:$PORT/openapi.json" | .venv/bin/python -c \
  'import json, sys; print(json.dumps(json.load(sys.stdin)["components"]["schemas"]["PredictRequest"]["examples"][0]))')"
curl -fsS -X POST "http://127.0.0.1:$PORT/predict" -H 'content-type: application/json' -d "$EXAMPLE"
echo
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
# --8<-- [end:your-data]

# --8<-- [start:container]
# 5. Build the service's image and run it with the wine model (docker, else podman).
if [ "${SKIP_CONTAINER:-0}" != 1 ]; then
  make docker-build IMAGE=credit-risk-api:local
  ENGINE="$(docker info >/dev/null 2>&1 && echo docker || echo podman)"
  CONTAINER="$("$ENGINE" run -d --rm -p "127.0.0.1:$PORT:8080" \
    -v "$WINE_MODEL:/model:ro" -e MODEL_URI=/model credit-risk-api:local)"
  trap '"$ENGINE" rm -f "$CONTAINER" >/dev/null 2>&1 || true' EXIT
  for _ in $(seq 120); do
    curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
    sleep 1
  done
  curl -fsS -X POST "http://127.0.0.1:$PORT/predict" -H 'content-type: application/json' -d "$EXAMPLE"
  echo
fi
# --8<-- [end:container]
echo "walkthrough complete"
