//! Extraction for `docker-compose`: the `image` of every service that is not built.
//!
//! Flow: read the YAML with spans ([`crate::yaml`]); find the services (`services:` of
//! compose-spec and version 2/3 files, or the top-level entries of a version 1 file); look
//! each service's `image` and `build` up through YAML merge keys (`<<: *defaults`); resolve
//! `${VAR:-default}` interpolation ([`super::interpolate`]); map the tag and digest spans
//! back into the file.

use std::collections::HashSet;

use upkeep_types::{Datasource, Dependency, PackageFile, SkipReason};

use super::interpolate::interpolate;
use crate::ExtractError;
use crate::docker_image::image_dependency;
use crate::yaml::{self, NodeId, NodeKind, YamlStream};

pub(super) fn extract(
    package_file: &str,
    content: &str,
) -> Result<Option<PackageFile>, ExtractError> {
    // without the word `image` there is nothing to extract: skip parsing
    if memchr::memmem::find(content.as_bytes(), b"image").is_none() {
        return Ok(None);
    }
    let stream = yaml::parse(content)?;
    let mut deps = Vec::new();
    let mut tokens = HashSet::new();
    for &document in stream.documents() {
        for service in services(&stream, stream.resolve(document)) {
            // a service that is built names its own result with `image`: nothing to pull
            // (Renovate skips these too)
            if lookup(&stream, service, "build").is_some() {
                continue;
            }
            let Some(image) = lookup(&stream, service, "image").map(|id| stream.resolve(id)) else {
                continue;
            };
            // an image shared through an anchor is one token, reported once
            if tokens.insert(image)
                && let Some(dep) = image_scalar_dependency(&stream, image)
            {
                deps.push(dep);
            }
        }
    }
    if deps.is_empty() {
        return Ok(None);
    }
    let mut file = PackageFile::new(package_file);
    file.deps = deps;
    Ok(Some(file))
}

/// The service mappings of a document, in file order.
fn services(stream: &YamlStream<'_>, root: NodeId) -> Vec<NodeId> {
    let resolved_mapping = |id: NodeId| {
        let id = stream.resolve(id);
        matches!(stream.node(id).kind, NodeKind::Mapping(_)).then_some(id)
    };
    if let Some(services) = stream.get(root, "services") {
        return stream
            .entries(stream.resolve(services))
            .iter()
            .filter_map(|&(_, service)| resolved_mapping(service))
            .collect();
    }
    if stream.get(root, "version").is_some() {
        return Vec::new();
    }
    // version 1: services at the top level, recognised by what only a service has
    stream
        .entries(root)
        .iter()
        .filter_map(|&(_, value)| resolved_mapping(value))
        .filter(|&service| {
            stream.get(service, "image").is_some() || stream.get(service, "build").is_some()
        })
        .collect()
}

/// How many mappings one lookup reads through merge keys. Real files merge one or two
/// `x-` blocks; the bound keeps a file of thousands of services each merging long chains
/// from costing services × chain length.
const MAX_MERGED_MAPPINGS: usize = 64;

/// The value of `key` in mapping `id`, or in the mappings it merges (`<<: *a` or
/// `<<: [*a, *b]`, earlier sources winning, as YAML merge keys do). Iterative, and each
/// mapping is read at most once, so cycles of merges terminate.
fn lookup(stream: &YamlStream<'_>, id: NodeId, key: &str) -> Option<NodeId> {
    let mut pending = vec![id];
    let mut visited = HashSet::new();
    while let Some(mapping) = pending.pop() {
        let mapping = stream.resolve(mapping);
        if visited.len() == MAX_MERGED_MAPPINGS || !visited.insert(mapping) {
            continue;
        }
        if let Some(value) = stream.get(mapping, key) {
            return Some(value);
        }
        if let Some(merge) = stream.get(mapping, "<<") {
            let merge = stream.resolve(merge);
            match stream.node(merge).kind {
                NodeKind::Sequence(_) => pending.extend(stream.items(merge).iter().rev()),
                _ => pending.push(merge),
            }
        }
    }
    None
}

/// The dependency for the image scalar `id`; `None` when it is empty or not a scalar.
fn image_scalar_dependency(stream: &YamlStream<'_>, id: NodeId) -> Option<Dependency> {
    let written = stream.scalar(id)?;
    if written.trim().is_empty() {
        return None;
    }
    let line = stream.node(id).line;
    let Ok(interpolated) = interpolate(written) else {
        let mut dep = Dependency {
            replace_string: Some(written.to_owned()),
            ..Dependency::new(written, Some(Datasource::Docker))
                .skipped(SkipReason::ContainsVariable)
        };
        dep.location.line = line;
        return Some(dep);
    };
    let Some(location) = stream.scalar_location(id) else {
        // a block scalar, escapes or line folding: not editable in place
        let mut dep = image_dependency(interpolated.text.trim(), 0, line);
        dep.replace_string = Some(written.to_owned());
        return Some(unlocated(dep, SkipReason::UnsupportedValue));
    };
    let mut dep = image_dependency(&interpolated.text, 0, line);
    dep.replace_string = Some(written.to_owned());
    dep.location.line = location.line;
    if dep.skip_reason.is_some() {
        return Some(unlocated(dep, SkipReason::InvalidValue));
    }
    let to_file = |span| {
        interpolated
            .source_span(span)
            .map(|span| span.shift(location.span.start))
    };
    let value = dep.location.value.and_then(to_file);
    let digest = dep.location.digest.and_then(to_file);
    match (value, digest) {
        (Some(value), Some(digest)) => {
            dep.location.value = Some(value);
            dep.location.digest = Some(digest);
            Some(dep)
        }
        // the tag or digest is partly a variable's default and partly text: not editable
        _ => Some(unlocated(dep, SkipReason::ContainsVariable)),
    }
}

/// `dep` without positions, skipped for `reason` unless it already has a skip reason.
fn unlocated(mut dep: Dependency, reason: SkipReason) -> Dependency {
    dep.location.value = None;
    dep.location.digest = None;
    dep.skip_reason.get_or_insert(reason);
    dep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(content: &str) -> Vec<Dependency> {
        extract("compose.yaml", content)
            .unwrap()
            .map(|file| file.deps)
            .unwrap_or_default()
    }

    #[test]
    fn merge_keys_give_services_their_image_once() {
        let content = "x-app: &app\n  image: ghcr.io/acme/app:1.4\n  restart: always\nservices:\n  web:\n    <<: *app\n  worker:\n    <<: [*app]\n    command: work\n";
        let found = deps(content);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].current_value.as_deref(), Some("1.4"));
        assert_eq!(found[0].location.line, 2);
    }

    #[test]
    fn an_explicit_image_overrides_a_merged_one() {
        let content = "x-base: &base\n  image: busybox:1.36\nservices:\n  web:\n    <<: *base\n    image: nginx:1.27\n";
        let found = deps(content);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].dep_name, "nginx");
    }

    #[test]
    fn built_services_have_no_dependency() {
        let content = "services:\n  app:\n    build: .\n    image: acme/app:dev\n  db:\n    image: postgres:16\n";
        let found = deps(content);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].dep_name, "postgres");
    }

    #[test]
    fn defaulted_tag_is_the_current_value_and_edits_the_default() {
        let content = "services:\n  api:\n    image: \"ghcr.io/acme/api:${API_TAG:-2.4.1}\"\n";
        let dep = &deps(content)[0];
        assert_eq!(dep.current_value.as_deref(), Some("2.4.1"));
        assert_eq!(&content[dep.location.value.unwrap().range()], "2.4.1");
        assert_eq!(
            dep.replace_string.as_deref(),
            Some("ghcr.io/acme/api:${API_TAG:-2.4.1}")
        );
    }

    #[test]
    fn variables_without_defaults_or_split_tags_are_skipped() {
        let content =
            "services:\n  a:\n    image: nginx:${TAG}\n  b:\n    image: node:${NODE:-20}-alpine\n";
        let found = deps(content);
        assert_eq!(found[0].skip_reason, Some(SkipReason::ContainsVariable));
        assert_eq!(found[0].dep_name, "nginx:${TAG}");
        assert_eq!(found[1].skip_reason, Some(SkipReason::ContainsVariable));
        assert_eq!(found[1].current_value.as_deref(), Some("20-alpine"));
    }

    #[test]
    fn version_one_files_have_services_at_the_top_level() {
        let content = "web:\n  image: nginx:1.9\n  links: [db]\ndb:\n  image: mysql:5.7\n";
        assert_eq!(deps(content).len(), 2);
        assert!(deps("version: '3'\nweb:\n  image: nginx:1.9\n").is_empty());
    }

    #[test]
    fn merge_chains_are_followed_to_a_bound() {
        let mut content = "x0: &x0 {image: busybox:1.36}\n".to_owned();
        for level in 1..100 {
            content.push_str(&format!(
                "x{level}: &x{level} {{<<: [*x{0}, *x{0}]}}\n",
                level - 1
            ));
        }
        content.push_str("services:\n  near: {<<: *x10}\n  far: {<<: *x99}\n");
        let found = deps(&content);
        assert_eq!(
            found.len(),
            1,
            "only the service within the bound finds the image"
        );
    }

    #[test]
    fn cyclic_merges_terminate() {
        let content = "services:\n  a: &a\n    <<: *a\n";
        assert!(extract("compose.yaml", content).is_err() || deps(content).is_empty());
    }
}
