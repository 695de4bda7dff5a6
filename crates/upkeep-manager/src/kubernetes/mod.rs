//! The `kubernetes` manager: container images in Kubernetes manifests.
//!
//! Which files: any `.yaml`/`.yml` file, recognised by content. A document is a manifest
//! when its root mapping has both `apiVersion` and `kind`; a file with no such document
//! (a GitHub workflow, `.gitlab-ci.yml`, a Helm values file) is not this manager's
//! (`Ok(None)`), after a text check that avoids parsing most of them at all. Unlike
//! Renovate, whose kubernetes manager matches no file until configured, upkeep looks at
//! every YAML file: the content check makes that cheap and precise.
//!
//! What is extracted, and the decisions behind it:
//! - The `image` of every item of a `containers`, `initContainers` or
//!   `ephemeralContainers` list, wherever the list sits: Pods, Deployments, StatefulSets,
//!   DaemonSets, ReplicaSets, Jobs, CronJobs (`spec.jobTemplate.spec.template.spec`),
//!   `List` items and any custom resource that embeds a pod template.
//! - Not other `image:` keys. Renovate matches every `image:` line of a manifest, which
//!   also catches fields that are not image references or are not pulled as written
//!   (a custom resource's `spec.image` may be a bare name completed by its operator, a
//!   VM image name, a Helm-values `image:` mapping). A false positive is a wrong pull
//!   request; such fields are better served by a custom manager that knows the resource.
//! - `depType` is the container list the image came from (Renovate sets none), so
//!   `matchDepTypes: ["initContainers"]` can single out init containers.
//! - An alias (`image: *app`) is the anchored token, reported once, at the anchor.
//! - A Helm template that is not valid YAML until rendered is not a manifest (`Ok(None)`;
//!   its images live in values files); a template expression inside a valid scalar
//!   (`image: "{{ .Values.image }}"`) is `contains-variable`.
//! - Block scalars and quoted scalars whose text differs from their value (escapes,
//!   folding) are `unsupported-value`: they cannot be edited in place.
//! - Renovate also extracts `apiVersion` for its `kubernetes-api` datasource; upkeep has
//!   no such datasource yet, so it does not.

mod extract;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, PackageFile};

use crate::{ExtractError, Manager, ManagerMetadata, UpdateError};

/// The `kubernetes` manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kubernetes;

static METADATA: ManagerMetadata = ManagerMetadata {
    id: "kubernetes",
    file_patterns: &[r"\.ya?ml$"],
    datasources: &[Datasource::Docker],
    lock_files: &[],
    default_versioning: "docker",
};

impl Manager for Kubernetes {
    fn metadata(&self) -> &'static ManagerMetadata {
        &METADATA
    }

    fn extract(
        &self,
        package_file: &str,
        content: &str,
    ) -> Result<Option<PackageFile>, ExtractError> {
        extract::extract(package_file, content)
    }

    fn update(
        &self,
        content: &str,
        dep: &Dependency,
        change: &DependencyChange,
    ) -> Result<String, UpdateError> {
        update::update(content, dep, change)
    }
}
