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
