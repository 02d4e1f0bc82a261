{% extends "infra/outputs.tf.j2" %}
{%- block region_of %}the Cloud Run service{% endblock %}
{%- block outputs %}

output "deploy_model_uri" {
  description = "DEPLOY_MODEL_URI: the model the service loads."
  value       = local.model_uri
}

output "cloud_run_service_account" {
  description = "CLOUD_RUN_SERVICE_ACCOUNT: the service's runtime identity (it may read the model)."
  value       = module.identity.emails["run"]
}

output "cloud_run_cpu" {
  description = "CLOUD_RUN_CPU: CPUs per instance, one worker each."
  value       = var.cpu
}
{%- endblock %}
