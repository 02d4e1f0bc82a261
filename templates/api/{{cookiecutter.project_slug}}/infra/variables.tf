{% extends "infra/variables.tf.j2" %}
{%- block region_resources %}the Cloud Run service, the prediction records' dataset{% endblock %}
{%- block variables %}

variable "service" {
  description = "The Cloud Run service's name (make deploy's CLOUD_RUN_SERVICE)."
  type        = string
  default     = "{{ cookiecutter.project_slug }}"
  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$", var.service))
    error_message = "service is up to 49 lowercase letters, digits and dashes, starting with a letter: Cloud Run's rule."
  }
}

variable "model_uri" {
  description = "The model the service loads (DEPLOY_MODEL_URI), a gs:// folder such as the pipeline project's export; empty: the folder model/ of a models bucket made here."
  type        = string
  default     = ""
  validation {
    condition     = var.model_uri == "" || can(regex("^gs://[a-z0-9][a-z0-9._-]+[a-z0-9](/.*)?$", var.model_uri))
    error_message = "model_uri is a gs://BUCKET/PATH folder, or empty."
  }
}

variable "cpu" {
  description = "CPUs per instance, one worker each (make deploy's CLOUD_RUN_CPU)."
  type        = number
  default     = 1
  validation {
    condition     = contains([1, 2, 4, 6, 8], var.cpu)
    error_message = "cpu is a whole number of Cloud Run CPUs: 1, 2, 4, 6 or 8."
  }
}

variable "concurrency_per_cpu" {
  description = "Requests in flight per CPU (make deploy's CLOUD_RUN_CONCURRENCY_PER_CPU)."
  type        = number
  default     = 32
}

variable "max_instances" {
  description = "The most instances Cloud Run starts."
  type        = number
  default     = 5
}

variable "deletion_protection" {
  description = "Whether Terraform refuses to delete the service and the prediction records (apply with false before a tear-down)."
  type        = bool
  default     = true
}

variable "prediction_retention_days" {
  description = "Days the prediction records are kept in BigQuery."
  type        = number
  default     = 400
}

variable "predictions_readers" {
  description = "Who may read and query the prediction records: the pipeline project's runs' account (serviceAccount:NAME-pipelines@PROJECT.iam.gserviceaccount.com), for its monitoring pipeline."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for member in var.predictions_readers : can(regex("^(serviceAccount|group|user):[^@]+@[^@]+$", member))])
    error_message = "predictions_readers are IAM members: serviceAccount:EMAIL, group:EMAIL or user:EMAIL."
  }
}

variable "fallback_rate" {
  description = "Alert when more than this share of /predict requests over 5 minutes got the fallback."
  type        = number
  default     = 0.05
}

variable "error_rate" {
  description = "Alert when more than this share of requests over 5 minutes got a 5xx response."
  type        = number
  default     = 0.02
}
{%- endblock %}
