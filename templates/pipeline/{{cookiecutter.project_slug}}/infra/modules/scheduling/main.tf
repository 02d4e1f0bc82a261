# The training schedule: Cloud Scheduler starts a Vertex AI pipeline run of the latest
# training template in the KFP repository (CI uploads it on every push to the deploying
# branch), run as the pipeline account. The google provider has no resource for Vertex AI's
# own pipeline schedules (`submit` with pipeline_schedule_cron makes those), so the schedule
# is Cloud Scheduler's: one job, calling the Vertex AI API as the scheduler account.

variable "name" {
  description = "The project's short name: the job is <name>-training."
  type        = string
}

variable "project" {
  description = "The project the runs belong to."
  type        = string
}

variable "region" {
  description = "The region of the job, of Vertex AI and of the KFP repository."
  type        = string
}

variable "schedule" {
  description = "When training runs, as a cron expression."
  type        = string
}

variable "time_zone" {
  description = "The cron expression's time zone (a tz database name)."
  type        = string
}

variable "paused" {
  description = "Whether the schedule is paused."
  type        = bool
}

variable "template_uri" {
  description = "The training template: https://REGION-kfp.pkg.dev/PROJECT/REPOSITORY/PACKAGE/TAG."
  type        = string
}

variable "pipeline_root" {
  description = "Where the runs write their artifacts (gs://...)."
  type        = string
}

variable "parameters" {
  description = "The training pipeline's parameter values; the others take the template's defaults."
  type        = map(string)
}

variable "pipeline_service_account" {
  description = "The account the runs act as (e-mail address)."
  type        = string
}

variable "scheduler_service_account" {
  description = "The account Cloud Scheduler calls Vertex AI as (e-mail address)."
  type        = string
}

resource "google_cloud_scheduler_job" "training" {
  name        = "${var.name}-training"
  description = "Starts a training run on Vertex AI Pipelines"
  region      = var.region
  schedule    = var.schedule
  time_zone   = var.time_zone
  paused      = var.paused

  # A create call either starts a run or fails: never retried, so a failure never starts two.
  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = "https://${var.region}-aiplatform.googleapis.com/v1/projects/${var.project}/locations/${var.region}/pipelineJobs"
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode(jsonencode({
      displayName    = "${var.name}-training-scheduled"
      templateUri    = var.template_uri
      serviceAccount = var.pipeline_service_account
      labels         = { trigger = "schedule" }
      runtimeConfig = {
        gcsOutputDirectory = var.pipeline_root
        parameterValues    = var.parameters
      }
    }))
    oauth_token {
      service_account_email = var.scheduler_service_account
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }
}
