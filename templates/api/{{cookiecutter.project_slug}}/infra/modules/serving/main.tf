# The Cloud Run service as `make deploy` configures it: a worker per CPU, 1 GiB and
# `concurrency_per_cpu` requests in flight per CPU, 0 to `max_instances` instances, CPU boost
# at start-up, the runtime account, no unauthenticated access. Terraform creates it with a
# placeholder image; CI's deploys set the image, and Terraform leaves it to them.

variable "service" {
  description = "The service's name."
  type        = string
}

variable "location" {
  description = "The service's region."
  type        = string
}

variable "service_account" {
  description = "The runtime service account's e-mail address."
  type        = string
}

variable "cpu" {
  description = "CPUs per instance, one uvicorn worker each."
  type        = number
}

variable "concurrency_per_cpu" {
  description = "Requests in flight per CPU (Cloud Run's concurrency is this times the CPUs)."
  type        = number
}

variable "max_instances" {
  description = "The most instances Cloud Run starts."
  type        = number
}

variable "env" {
  description = "The container's environment: the same variables, with the same values, as make deploy sets."
  type        = map(string)
}

variable "deletion_protection" {
  description = "Whether Terraform refuses to delete the service."
  type        = bool
}

resource "google_cloud_run_v2_service" "this" {
  name                = var.service
  location            = var.location
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.deletion_protection

  template {
    service_account                  = var.service_account
    max_instance_request_concurrency = var.cpu * var.concurrency_per_cpu

    scaling {
      min_instance_count = 0
      max_instance_count = var.max_instances
    }

    containers {
      # Replaced by CI's first deploy (make image-push deploy); see the lifecycle below.
      image = "us-docker.pkg.dev/cloudrun/container/hello"

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = tostring(var.cpu)
          memory = "${var.cpu}Gi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = var.env
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }

  lifecycle {
    # CI deploys each commit's image with gcloud, which also records itself as the client:
    # Terraform does not undo those deploys.
    ignore_changes = [
      template[0].containers[0].image,
      client,
      client_version,
    ]
  }
}

output "name" {
  description = "The service's name."
  value       = google_cloud_run_v2_service.this.name
}

output "uri" {
  description = "The service's URL (it requires an identity token: grant roles/run.invoker to its callers)."
  value       = google_cloud_run_v2_service.this.uri
}
