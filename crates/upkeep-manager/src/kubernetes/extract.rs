//! Extraction for `kubernetes`: container images of every manifest document.
//!
//! Flow: a cheap text check (`apiVersion`, `kind` and `image` must all occur) rejects
//! most YAML files of a repository before any parsing; the YAML is then read with spans
//! ([`crate::yaml`]), and each document whose root mapping has both `apiVersion` and
//! `kind` is walked for container lists. A file without such a document is not a manifest
//! (`Ok(None)`), nor is one whose documents hold no image.

use std::collections::HashSet;

use memchr::memmem;
use upkeep_types::{Datasource, Dependency, PackageFile, SkipReason};

use crate::ExtractError;
use crate::docker_image::image_dependency;
use crate::yaml::{self, NodeId, NodeKind, YamlStream};

/// The keys of a pod spec whose list items are containers with an `image`.
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

pub(super) fn extract(
    package_file: &str,
    content: &str,
) -> Result<Option<PackageFile>, ExtractError> {
    if !may_be_manifest(content) {
        return Ok(None);
    }
    let stream = match yaml::parse(content) {
        Ok(stream) => stream,
        // a Helm or other Go template is not YAML until rendered; its images come from
        // values files, so it is not a manifest this manager can read
        Err(_) if is_go_template(content) => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut walker = Walker {
        stream: &stream,
        deps: Vec::new(),
        visited: HashSet::new(),
        tokens: HashSet::new(),
    };
    for &document in stream.documents() {
        if is_manifest(&stream, document) {
            walker.walk(document);
        }
    }
    if walker.deps.is_empty() {
        return Ok(None);
    }
    let mut file = PackageFile::new(package_file);
    file.deps = walker.deps;
    Ok(Some(file))
}

/// Whether the text mentions both top-level keys a manifest needs and an `image` (a
/// necessary condition for a dependency, checked without parsing). Most YAML files of a
/// repository, and most manifests (Services, ConfigMaps, RBAC), are thus never parsed; a
/// malformed one is not reported either, as it could not have held an image.
fn may_be_manifest(content: &str) -> bool {
    let bytes = content.as_bytes();
    ["apiVersion", "kind", "image"]
        .iter()
        .all(|word| memmem::find(bytes, word.as_bytes()).is_some())
}

fn is_go_template(content: &str) -> bool {
    memmem::find(content.as_bytes(), b"{{").is_some()
}

/// A document is a manifest when its root mapping has scalar `apiVersion` and `kind`.
fn is_manifest(stream: &YamlStream<'_>, document: NodeId) -> bool {
    let has_scalar = |key| {
        stream
            .get(document, key)
            .is_some_and(|value| stream.scalar(value).is_some_and(|text| !text.is_empty()))
    };
    has_scalar("apiVersion") && has_scalar("kind")
}

/// Walks a manifest for container lists, wherever they are: pod specs of every workload
/// kind, CronJob job templates, `List` items, and custom resources embedding a pod template.
struct Walker<'s, 'a> {
    stream: &'s YamlStream<'a>,
    deps: Vec<Dependency>,
    /// Container lists and containers already read: aliases may name one many times.
    visited: HashSet<NodeId>,
    /// Image scalars already reported: an alias to an image is the same editable token.
    tokens: HashSet<NodeId>,
}

impl Walker<'_, '_> {
    /// Depth-first over mappings and sequences, not through aliases (an anchored node is
    /// walked where it is defined). Recursion is bounded by [`yaml::MAX_DEPTH`].
    fn walk(&mut self, id: NodeId) {
        let stream = self.stream;
        match &stream.node(id).kind {
            NodeKind::Mapping(_) => {
                for &(key, value) in stream.entries(id) {
                    let list = stream
                        .scalar(key)
                        .and_then(|key| CONTAINER_LISTS.iter().find(|list| **list == key));
                    if let Some(list) = list {
                        self.container_list(value, list);
                    }
                    self.walk(value);
                }
            }
            NodeKind::Sequence(_) => {
                for &item in stream.items(id) {
                    self.walk(item);
                }
            }
            NodeKind::Scalar { .. } | NodeKind::Alias(_) => {}
        }
    }

    fn container_list(&mut self, list: NodeId, dep_type: &str) {
        let stream = self.stream;
        let list = stream.resolve(list);
        if !self.visited.insert(list) {
            return;
        }
        for &container in stream.items(list) {
            let container = stream.resolve(container);
            if !self.visited.insert(container) {
                continue;
            }
            let Some(image) = stream.get(container, "image") else {
                continue;
            };
            let image = stream.resolve(image);
            if self.tokens.insert(image)
                && let Some(mut dep) = image_scalar_dependency(stream, image)
            {
                dep.dep_type = Some(dep_type.to_owned());
                self.deps.push(dep);
            }
        }
    }
}

/// The dependency for the image scalar `id`; `None` when the image is empty or not a
/// scalar (nothing to update).
fn image_scalar_dependency(stream: &YamlStream<'_>, id: NodeId) -> Option<Dependency> {
    let value = stream.scalar(id)?;
    if value.trim().is_empty() {
        return None;
    }
    let line = stream.node(id).line;
    if is_go_template(value) {
        let mut dep = Dependency {
            replace_string: Some(value.to_owned()),
            ..Dependency::new(value, Some(Datasource::Docker)).skipped(SkipReason::ContainsVariable)
        };
        dep.location.line = line;
        return Some(dep);
    }
    match stream.scalar_location(id) {
        Some(location) => Some(image_dependency(value, location.span.start, location.line)),
        None => {
            // a block scalar, escapes or line folding: the text as written is not the
            // value, so the tag cannot be replaced in place
            let mut dep = image_dependency(value.trim(), 0, line);
            dep.location.value = None;
            dep.location.digest = None;
            dep.skip_reason.get_or_insert(SkipReason::UnsupportedValue);
            Some(dep)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(content: &str) -> Vec<(String, Option<String>, Option<SkipReason>)> {
        extract("k.yaml", content)
            .unwrap()
            .map(|file| file.deps)
            .unwrap_or_default()
            .into_iter()
            .map(|dep| (dep.dep_name, dep.dep_type, dep.skip_reason))
            .collect()
    }

    #[test]
    fn image_keys_outside_container_lists_are_not_container_images() {
        let content = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nspec:\n  image: quay.io/prometheus/prometheus:v2.53.0\n  containers:\n    - name: proxy\n      image: quay.io/oauth2-proxy/oauth2-proxy:v7.6.0\n";
        assert_eq!(
            images(content),
            [(
                "quay.io/oauth2-proxy/oauth2-proxy".to_owned(),
                Some("containers".to_owned()),
                None
            )]
        );
    }

    #[test]
    fn an_aliased_image_is_one_dependency() {
        let content = "apiVersion: v1\nkind: Pod\nspec:\n  initContainers:\n    - name: a\n      image: &app ghcr.io/o/app:1.0\n  containers:\n    - name: b\n      image: *app\n";
        assert_eq!(images(content).len(), 1);
    }

    #[test]
    fn an_alias_to_an_anchor_outside_containers_reports_the_anchor() {
        let content = "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    pinned: &img redis:7.2\nspec:\n  containers:\n    - {name: a, image: *img}\n";
        let file = extract("k.yaml", content).unwrap().unwrap();
        let dep = &file.deps[0];
        assert_eq!(dep.current_value.as_deref(), Some("7.2"));
        assert_eq!(dep.location.line, 5);
        assert_eq!(
            &content[dep.location.value.unwrap().range()],
            "7.2",
            "the span is the anchored token"
        );
    }

    #[test]
    fn yaml_without_api_version_and_kind_is_not_a_manifest() {
        assert_eq!(extract("a.yml", "image: node:20\nkind: x\n").unwrap(), None);
        assert_eq!(
            extract("a.yml", "apiVersion: v1\nkind: Service\nspec: {}\n").unwrap(),
            None
        );
        assert_eq!(extract("a.yml", "").unwrap(), None);
    }

    #[test]
    fn helm_template_is_skipped_not_an_error() {
        let template =
            "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\n{{- end }}\n";
        assert_eq!(extract("t.yaml", template).unwrap(), None);
        let quoted = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: \"{{ .Values.image }}\"\n";
        assert_eq!(images(quoted)[0].2, Some(SkipReason::ContainsVariable));
    }

    #[test]
    fn block_scalar_image_is_skipped_as_unsupported() {
        let content = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: >-\n        nginx:1.25\n";
        assert_eq!(
            images(content)[0],
            (
                "nginx".to_owned(),
                Some("containers".to_owned()),
                Some(SkipReason::UnsupportedValue)
            )
        );
    }

    #[test]
    fn repeated_aliases_to_a_big_container_list_are_read_once() {
        let mut content =
            String::from("apiVersion: v1\nkind: List\nitems:\n  - spec:\n      containers: &c\n");
        for index in 0..2000 {
            content.push_str(&format!("        - image: app{index}:1\n"));
        }
        for _ in 0..2000 {
            content.push_str("  - spec: {containers: *c}\n");
        }
        assert_eq!(images(&content).len(), 2000);
    }
}
