{% extends "infra/outputs.tf.j2" %}
{%- block region_of %}the Vertex AI runs{% endblock %}
{%- block outputs %}

output "gcp_kfp_repository" {
  description = "GCP_KFP_REPOSITORY: the KFP repository of Artifact Registry that CI uploads the training template to (the schedule runs its latest)."
  value       = module.templates.repository_id
}

output "pipeline_root" {
  description = "PIPELINE_ROOT: where the runs write their artifacts."
  value       = local.pipeline_root
}

output "pipeline_data_uri" {
  description = "PIPELINE_DATA_URI: the training data of cloud runs (upload your table there)."
  value       = local.data_uri
}

output "pipeline_service_account" {
  description = "PIPELINE_SERVICE_ACCOUNT: the account the runs act as."
  value       = module.identity.emails["pipelines"]
}

output "registry_uri" {
  description = "REGISTRY_URI: the model registry of cloud runs (versions, aliases, the champion)."
  value       = local.registry_uri
}
{%- endblock %}
