{% extends "ops/config.py.j2" %}
{%- block imports %}from pydantic import Field, ValidationError, field_validator
{% endblock %}
{%- block first_party_imports %}
from {{ cookiecutter.package_name }}.contract import DRIFT_MIN_RECORDS, MAX_FLAGGED_SHARE
from {{ cookiecutter.package_name }}.sizing import StepResources, merge_step_resources
{% endblock %}
{%- block fields %}

    # Local runs (`make run`): paths relative to the working directory.
    # The data of `make run` (training, or batch prediction): a CSV or Parquet file, a folder
    # or glob of shards of either, gs://bucket/prefix, bq://project.dataset.table, a .sql
    # file or a query's text (SELECT ...); sources.py reads each in chunks.
    data_path: str = "data/sample.csv"
    # Rows per chunk read: ingest, batch prediction and its drift check hold one chunk at a
    # time (more: faster, and more memory; about 1 KB a row of ten columns in pandas).
    chunk_rows: int = Field(default=100_000, ge=1)
    output_dir: Path = Path("outputs")  # pipeline root of local runs and exported models
    build_dir: Path = Path("build")  # compiled pipeline specs (YAML)
    # Local runs' tasks start with their libraries already loaded (local_tasks.py); false:
    # each task a new interpreter, as KFP's runner does on its own.
    local_warm_start: bool = True

    # Training: the quality gate a model must pass to be exported. Empty: the task's default
    # (roc_auc >= 0.7 binary, f1_macro >= 0.5 multiclass, r2 >= 0.3 regression).
    eval_metric: str | None = None
    eval_threshold: float | None = None
    test_fraction: float = Field(default=0.25, gt=0, lt=1)
    # Training reads the whole table (0), or, when it has more rows than this, a uniform
    # sample of this many rows drawn with random_seed as it is read: for tables larger than
    # the training step's memory. The lineage records the rows read, the table's and the seed.
    train_sample_rows: int = Field(default=0, ge=0)
    # Candidates: one model per value of the framework's main hyper-parameter (empty: its
    # default grid of three); the best one is the challenger.
    candidate_values: list[int | float] = Field(default_factory=list)
    candidate_parallelism: int = Field(default=3, ge=1)  # at once on Vertex AI; locally one
    # The model registry: a local folder, gs://bucket/path or vertex://project/region.
    registry_uri: str = "registry"
    model_name: str = "{{ cookiecutter.project_slug | lower }}"
    registry_staging_uri: str = ""  # vertex:// registries: a gs:// folder for local models
    # Batch prediction of older exports, pickles (model.joblib): loading one runs the code it
    # names, so only when you trust the file. The safe formats need nothing.
    allow_pickle_models: bool = False
    # Batch prediction fails when more than this share of rows have values the model never
    # saw in training (a category, a value outside the range, an empty value): contract.py.
    max_flagged_share: float = Field(default=MAX_FLAGGED_SHARE, ge=0, le=1)
    # Batch prediction writes one shard per chunk it reads into the run's folder, as Parquet
    # or CSV, and also delivers them here when set: a folder, gs://bucket/prefix, or
    # bq://project.dataset.table (a load job that replaces the table's rows).
    predictions_format: Literal["parquet", "csv"] = "parquet"
    predictions_uri: str = ""
    random_seed: int = 42

    # Monitoring (drift.py): the served records to check (`make monitor SOURCE=`, and the
    # scheduled monitoring pipeline's: a folder, gs://bucket/prefix or bq://project.dataset
    # .table), the window, and the fewest records a verdict needs (batch prediction's too).
    monitoring_source: str = ""
    monitoring_since: str = "7d"
    monitoring_min_records: int = Field(default=DRIFT_MIN_RECORDS, ge=1)
    # A training run (on data_path locally, pipeline_data_uri on Vertex AI) when the check
    # says alert; the gate and the champion's comparison still decide what it changes.
    monitoring_retrain_on_alert: bool = False
    monitoring_schedule_cron: str = ""  # the monitoring pipeline's schedule on Vertex AI

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
    # Each step's machine on Vertex AI: CPU and memory limits{% if cookiecutter.framework != "scikit-learn" %} and an accelerator{% endif %}, by step (sizing.py
    # has the steps and their defaults). Give only what changes, e.g. in config.yaml
    # `step_resources: {train-evaluate: {cpu: "8", memory: 32G}}`. Local runs ignore them.
    step_resources: dict[str, StepResources] = Field(
        default_factory=lambda: merge_step_resources(None)
    )

    @field_validator("step_resources", mode="before")
    @classmethod
    def _merge_step_resources(cls, value: object) -> dict[str, StepResources]:
        """The defaults, with the steps and fields given changed."""
        return merge_step_resources(value)
{%- endblock %}
