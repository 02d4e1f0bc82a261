{% extends "ops/config.py.j2" %}
{%- block imports %}from pydantic import AliasChoices, Field, ValidationError
{% endblock %}
{%- block fields %}

    # --- the service -------------------------------------------------------------------------
    # Plain names that platforms and the pipeline template use work too (MODEL_URI, PORT,
    # GOOGLE_CLOUD_PROJECT); the prefixed name wins when both are set.
    model_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices(f"{ENV_PREFIX}MODEL_URI", "MODEL_URI"),
        description="The model: a folder with the model file and metadata.json (or a file in "
        "it), local or on gs://bucket/path; or models:/<name>/<version>, models:/<name>@<alias> "
        "in the registry at registry_uri.",
    )
    # The service's data contract: its request schema, also with no model. Empty: the
    # contract.yaml packaged beside the code (`make contract MODEL_URI=...` adopts a model's).
    contract_path: Path | None = None
    # Where `models:/<name>/<version>` and `models:/<name>@<alias>` model URIs are resolved
    # (at start-up): a folder (e.g. the pipeline project's registry/), gs://bucket/path or
    # vertex://project/region (the image needs the `vertex` extra for that one).
    registry_uri: str = "registry"
    registry_staging_uri: str = ""
    # Older exports are pickles (model.joblib), and loading a pickle runs the code it names:
    # true trusts such files; the safe formats (skops, xgboost, lightgbm) need nothing.
    allow_pickle_models: bool = False
    host: str = "0.0.0.0"  # noqa: S104  # a container must listen on every interface
    port: int = Field(
        default=8080, ge=0, le=65535, validation_alias=AliasChoices(f"{ENV_PREFIX}PORT", "PORT")
    )
    workers: int = Field(default=1, ge=1)  # uvicorn processes; each loads the model
    max_batch_size: int = Field(default=1000, ge=1)  # records per /predict request
    # Concurrent requests are scored in one model call of up to this many records (a larger
    # request still gets a call of its own); 1 scores every request alone.
    micro_batch_records: int = Field(default=512, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1)  # larger request bodies are a 413
    # Served when the model cannot answer: binary, the positive class's probability;
    # regression, the value; multiclass, a class. Empty: the training base rate (or mean).
    fallback_prediction: float | str | None = None
    # The prediction log (api/recording.py): what the service served, for monitoring. A
    # folder (rotated JSON-lines files), `log` (entries in the service's log: on Cloud Run, a
    # sink routes them to BigQuery), or empty (off); the share of requests recorded; at most
    # how long a record waits in memory; when a file is full or old enough for a new one.
    prediction_log_uri: str = "prediction-log"
    prediction_log_sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    prediction_log_flush_seconds: float = Field(default=2.0, gt=0.0, le=60.0)
    prediction_log_rotate_mb: float = Field(default=64.0, gt=0.0)
    prediction_log_rotate_minutes: float = Field(default=60.0, gt=0.0)
    # /ready turns 503 after this many failed predictions in a row, for degraded_ttl_seconds
    # or until the next good prediction.
    degrade_after_failures: int = Field(default=1, ge=1)
    degraded_ttl_seconds: float = Field(default=60.0, ge=0.0)
    # Correlates log lines with Cloud Trace (logging.googleapis.com/trace) when set.
    gcp_project: str | None = Field(
        default=None,
        validation_alias=AliasChoices(f"{ENV_PREFIX}GCP_PROJECT", "GOOGLE_CLOUD_PROJECT"),
    )
{%- endblock %}
