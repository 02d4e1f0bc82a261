# The api's cloud: the runtime identity, the Cloud Run service (CI deploys its image),
# Artifact Registry for the image, Cloud Build's account and bucket (build.tf), the model's
# bucket, the prediction records' route to BigQuery, and the alerts. Every grant is in
# iam.tf, build.tf{% if cookiecutter.ci_provider != "none" %} and ci.tf{% endif %}.

locals {
  member       = module.identity.members
  model_uri    = var.model_uri != "" ? var.model_uri : "${module.models[0].url}/model"
  model_bucket = regex("^gs://([^/]+)", local.model_uri)[0]
}

resource "google_project_service" "enabled" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "run.googleapis.com",
    "storage.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}

module "identity" {
  source     = "./modules/identity"
  name       = var.name
  accounts   = { run = "Runs the service on Cloud Run: reads the model" }
  depends_on = [google_project_service.enabled]
}

# The model's bucket, unless model_uri names one elsewhere (the pipeline project's).
module "models" {
  count           = var.model_uri == "" ? 1 : 0
  source          = "./modules/storage"
  name            = "${var.project}-${var.name}-models"
  location        = var.region
  noncurrent_days = 90
  force_destroy   = var.force_destroy
  depends_on      = [google_project_service.enabled]
}

module "images" {
  source            = "./modules/registry"
  repository_id     = var.name
  location          = var.region
  format            = "DOCKER"
  description       = "The service's image"
  keep_count        = 10
  delete_after_days = 30
  depends_on        = [google_project_service.enabled]
}

module "serving" {
  source              = "./modules/serving"
  service             = var.service
  location            = var.region
  service_account     = module.identity.emails["run"]
  cpu                 = var.cpu
  concurrency_per_cpu = var.concurrency_per_cpu
  max_instances       = var.max_instances
  deletion_protection = var.deletion_protection
  # What make deploy sets (--set-env-vars replaces them all on each deploy): the same here.
  {%- set env = {"MODEL_URI": "local.model_uri", cookiecutter.__env_prefix ~ "GCP_PROJECT": "var.project", cookiecutter.__env_prefix ~ "WORKERS": "tostring(var.cpu)"} %}
  {%- set width = env | map("length") | max %}
  env = {
{%- for key, value in env.items() %}
    {{ key.ljust(width) }} = {{ value }}
{%- endfor %}
  }
  depends_on = [google_project_service.enabled]
}

module "monitoring" {
  source               = "./modules/monitoring"
  name                 = var.name
  notification_channel = var.notification_channel
  service              = module.serving.name
  fallback_rate        = var.fallback_rate
  error_rate           = var.error_rate
  location             = var.region
  retention_days       = var.prediction_retention_days
  deletion_protection  = var.deletion_protection
  depends_on           = [google_project_service.enabled]
}
