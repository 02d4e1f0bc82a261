# Who may do what, and where: one resource per grant, at the narrowest scope that works
# (a bucket, a repository, an account, the service). tests/test_infra.py holds each
# identity's allow-list.

# The service (run): reads the model, in its bucket only. Its logs and metrics are Cloud
# Run's to write; callers need roles/run.invoker on the service, granted by you to them.
resource "google_storage_bucket_iam_member" "run_reads_model" {
  bucket = local.model_bucket
  role   = "roles/storage.objectViewer"
  member = local.member.run
}

# Who reads the prediction records (the pipeline project's runs, for its monitoring
# pipeline): the dataset's tables, and running query jobs, which BigQuery grants on a project
# only (jobs have no narrower scope).
resource "google_bigquery_dataset_iam_member" "readers_read_predictions" {
  for_each   = toset(var.predictions_readers)
  dataset_id = module.monitoring.predictions_dataset
  role       = "roles/bigquery.dataViewer"
  member     = each.value
}

resource "google_project_iam_member" "readers_run_queries" {
  for_each = toset(var.predictions_readers)
  project  = var.project
  role     = "roles/bigquery.jobUser"
  member   = each.value
}
