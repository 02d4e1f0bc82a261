# The pipeline project's cloud: its identities (the runs, the scheduler), buckets (the
# pipeline root, the training data, the models), Artifact Registry (the components' images
# and the pipeline templates), the training schedule and the drift alert. Every grant is in
# iam.tf{% if cookiecutter.ci_provider != "none" %} and ci.tf{% endif %}{% if cookiecutter.ci_provider == "gitlab" %} and build.tf{% endif %}.

locals {
  member            = module.identity.members
  pipeline_root     = "${module.pipeline_root.url}/root"
  data_uri          = "${module.data.url}/train.csv"
  registry_uri      = "${module.models.url}/registry"
  training_template = "{{ cookiecutter.__pipeline_name }}-training"
}

resource "google_project_service" "enabled" {
  for_each = toset([
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
{%- if cookiecutter.ci_provider == "gitlab" %}
    "cloudbuild.googleapis.com",
{%- endif %}
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "storage.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}

module "identity" {
  source = "./modules/identity"
  name   = var.name
  accounts = {
    pipelines = "Runs the pipelines' steps on Vertex AI"
    scheduler = "Starts the scheduled training runs"
  }
  depends_on = [google_project_service.enabled]
}

module "pipeline_root" {
  source            = "./modules/storage"
  name              = "${var.project}-${var.name}-root"
  location          = var.region
  delete_after_days = var.pipeline_root_days
  noncurrent_days   = 1
  force_destroy     = var.force_destroy
  depends_on        = [google_project_service.enabled]
}

module "data" {
  source          = "./modules/storage"
  name            = "${var.project}-${var.name}-data"
  location        = var.region
  noncurrent_days = 30
  force_destroy   = var.force_destroy
  depends_on      = [google_project_service.enabled]
}

module "models" {
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
  description       = "The pipeline components' image"
  keep_count        = 10
  delete_after_days = 30
  depends_on        = [google_project_service.enabled]
}

module "templates" {
  source            = "./modules/registry"
  repository_id     = "${var.name}-pipelines"
  location          = var.region
  format            = "KFP"
  description       = "The compiled pipeline templates (tag latest: the schedule's)"
  keep_count        = 10
  delete_after_days = 90
  depends_on        = [google_project_service.enabled]
}

module "training_schedule" {
  source                    = "./modules/scheduling"
  name                      = var.name
  project                   = var.project
  region                    = var.region
  schedule                  = var.training_schedule
  time_zone                 = var.time_zone
  paused                    = var.schedule_paused
  template_uri              = "${module.templates.url}/${local.training_template}/latest"
  pipeline_root             = local.pipeline_root
  parameters                = { data_uri = local.data_uri, registry_uri = local.registry_uri }
  pipeline_service_account  = module.identity.emails["pipelines"]
  scheduler_service_account = module.identity.emails["scheduler"]
  depends_on                = [google_project_service.enabled]
}

module "monitoring" {
  source               = "./modules/monitoring"
  name                 = var.name
  notification_channel = var.notification_channel
  depends_on           = [google_project_service.enabled]
}
