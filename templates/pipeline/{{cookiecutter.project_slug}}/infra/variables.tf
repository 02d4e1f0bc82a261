{% extends "infra/variables.tf.j2" %}
{%- block region_resources %}Vertex AI runs, the schedule{% endblock %}
{%- block variables %}

variable "training_schedule" {
  description = "When training runs, as a cron expression (default: Mondays at 03:00)."
  type        = string
  default     = "0 3 * * 1"
}

variable "time_zone" {
  description = "The training schedule's time zone (a tz database name, e.g. Europe/Paris)."
  type        = string
  default     = "Etc/UTC"
}

variable "schedule_paused" {
  description = "Whether the training schedule is paused."
  type        = bool
  default     = false
}

variable "pipeline_root_days" {
  description = "Days the runs' artifacts (the pipeline root) are kept; the exported models live in the models bucket, for good."
  type        = number
  default     = 30
}
{%- endblock %}
