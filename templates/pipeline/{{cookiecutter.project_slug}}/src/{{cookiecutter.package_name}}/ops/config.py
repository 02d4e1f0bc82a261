{% extends "ops/config.py.j2" %}
{%- block imports %}from pydantic import Field
{% endblock %}
{%- block fields %}

    # Local runs (`make run`): paths relative to the working directory.
    data_path: str = "data/sample.csv"  # training data of `make run` (a local CSV)
    output_dir: Path = Path("outputs")  # pipeline root of local runs and exported models
    build_dir: Path = Path("build")  # compiled pipeline specs (YAML)

    # Training: the quality gate a model must pass to be exported. Empty: the task's default
    # (roc_auc >= 0.7 binary, f1_macro >= 0.5 multiclass, r2 >= 0.3 regression).
    eval_metric: str | None = None
    eval_threshold: float | None = None
    test_fraction: float = Field(default=0.25, gt=0, lt=1)
    # Batch prediction of older exports, pickles (model.joblib): loading one runs the code it
    # names, so only when you trust the file. The safe formats need nothing.
    allow_pickle_models: bool = False
    random_seed: int = 42

    # Vertex AI Pipelines: empty until you deploy (`submit --dry-run` uses placeholders).
    gcp_project: str = ""
    gcp_region: str = "europe-west1"
    pipeline_root: str = ""  # gs://BUCKET/pipeline-root: where Vertex AI writes artifacts
    pipeline_service_account: str = ""  # the runs' identity; empty: the Compute default
    pipeline_image: str = ""  # REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG
    pipeline_data_uri: str = ""  # gs://BUCKET/data/train.csv: training data of cloud runs
    pipeline_export_uri: str = ""  # gs://BUCKET/models/NAME: a stable copy of the model
    pipeline_schedule_cron: str = ""  # e.g. "TZ=Europe/Paris 0 3 * * 1"; empty: no schedule
    pipeline_enable_caching: bool = False
{%- endblock %}
