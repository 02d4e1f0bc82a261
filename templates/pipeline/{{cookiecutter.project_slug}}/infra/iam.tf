# Who may do what, and where: one resource per grant, at the narrowest scope that works
# (a bucket, a repository, an account), a project-wide role only where Google has no
# narrower one. tests/test_infra.py holds each identity's allow-list.

# The runs (pipelines): start their steps and write metadata on Vertex AI (no narrower role
# exists), write artifacts to the pipeline root, read the training data, read and write the
# registry, pull the components' image.
resource "google_project_iam_member" "pipelines_use_vertex" {
  project = var.project
  role    = "roles/aiplatform.user"
  member  = local.member.pipelines
}

resource "google_storage_bucket_iam_member" "pipelines_write_root" {
  bucket = module.pipeline_root.name
  role   = "roles/storage.objectUser"
  member = local.member.pipelines
}

resource "google_storage_bucket_iam_member" "pipelines_read_data" {
  bucket = module.data.name
  role   = "roles/storage.objectViewer"
  member = local.member.pipelines
}

resource "google_storage_bucket_iam_member" "pipelines_write_models" {
  bucket = module.models.name
  role   = "roles/storage.objectUser"
  member = local.member.pipelines
}

resource "google_artifact_registry_repository_iam_member" "pipelines_pull_images" {
  repository = module.images.repository_id
  location   = var.region
  role       = "roles/artifactregistry.reader"
  member     = local.member.pipelines
}

# The scheduler: creates a run on Vertex AI, from the latest template, as the runs' account.
resource "google_project_iam_member" "scheduler_uses_vertex" {
  project = var.project
  role    = "roles/aiplatform.user"
  member  = local.member.scheduler
}

resource "google_artifact_registry_repository_iam_member" "scheduler_reads_templates" {
  repository = module.templates.repository_id
  location   = var.region
  role       = "roles/artifactregistry.reader"
  member     = local.member.scheduler
}

resource "google_service_account_iam_member" "scheduler_acts_as_pipelines" {
  service_account_id = module.identity.ids["pipelines"]
  role               = "roles/iam.serviceAccountUser"
  member             = local.member.scheduler
}
