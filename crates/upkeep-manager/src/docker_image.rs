//! Container image references, parsed as Docker parses them, shared by every manager
//! that finds images (dockerfile, kubernetes, docker-compose).
//!
//! The grammar is the distribution project's `reference` grammar:
//! `[host[:port]/]path[:tag][@algorithm:hex]`. The first path component is a registry
//! host only when it contains `.` or `:`, or is `localhost`; otherwise the image lives on
//! Docker Hub. `depName` is the name as written (`node`, `ghcr.io/o/app`,
//! `localhost:5000/x`): the docker datasource adds `docker.io` and `library/` itself, so
//! reports read like Renovate's.

use upkeep_types::{Datasource, Dependency, DependencyChange, Location, SkipReason, Span};

use crate::UpdateError;
use crate::update::replace_token;

/// An image reference split into its parts, with byte spans relative to the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference<'a> {
    /// The repository, including any registry host (`ghcr.io/owner/app`).
    pub name: &'a str,
    /// The registry host when the reference names one (`ghcr.io`, `localhost:5000`).
    pub registry: Option<&'a str>,
    /// The tag, without `:`.
    pub tag: Option<&'a str>,
    /// The digest, `algorithm:hex`.
    pub digest: Option<&'a str>,
    /// Where the tag is, or the empty span after the name where one would go.
    pub tag_span: Span,
    /// Where the digest is, or the empty span at the end where one would go.
    pub digest_span: Span,
}

/// Why text is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceError {
    /// It holds a `$` variable that was not resolved.
    ContainsVariable,
    /// It does not follow the reference grammar.
    Invalid(String),
}

/// Parses `text` (already stripped of quotes and resolved of variables).
pub fn parse_image_reference(text: &str) -> Result<ImageReference<'_>, ReferenceError> {
    if text.contains('$') {
        return Err(ReferenceError::ContainsVariable);
    }
    if text.is_empty() {
        return Err(ReferenceError::Invalid("empty image reference".to_owned()));
    }
    let (before_digest, digest) = match text.split_once('@') {
        Some((before, digest)) => (before, Some(digest)),
        None => (text, None),
    };
    if let Some(digest) = digest
        && !is_valid_digest(digest)
    {
        return Err(ReferenceError::Invalid(format!(
            "invalid digest `{digest}`"
        )));
    }
    // a `:` after the last `/` starts the tag; before it, it is a registry port
    let last_slash = before_digest.rfind('/').map_or(0, |index| index + 1);
    let (name, tag) = match before_digest[last_slash..].find(':') {
        Some(colon) => {
            let colon = last_slash + colon;
            (&before_digest[..colon], Some(&before_digest[colon + 1..]))
        }
        None => (before_digest, None),
    };
    if let Some(tag) = tag
        && !is_valid_tag(tag)
    {
        return Err(ReferenceError::Invalid(format!("invalid tag `{tag}`")));
    }
    let registry = registry_of(name);
    let path = registry.map_or(name, |host| &name[host.len() + 1..]);
    if path.is_empty() || !path.split('/').all(is_valid_path_component) {
        return Err(ReferenceError::Invalid(format!(
            "invalid repository name `{name}`"
        )));
    }
    let tag_span = match tag {
        Some(tag) => Span::new(name.len() + 1, name.len() + 1 + tag.len()),
        None => Span::new(name.len(), name.len()),
    };
    let digest_span = match digest {
        Some(digest) => Span::new(text.len() - digest.len(), text.len()),
        None => Span::new(text.len(), text.len()),
    };
    Ok(ImageReference {
        name,
        registry,
        tag,
        digest,
        tag_span,
        digest_span,
    })
}

/// The registry host of a repository name, if its first component is one.
fn registry_of(name: &str) -> Option<&str> {
    let (first, _) = name.split_once('/')?;
    (first.contains('.') || first.contains(':') || first == "localhost").then_some(first)
}

fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    first_ok
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn is_valid_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    !algorithm.is_empty()
        && algorithm.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '.' | '_' | '-')
        })
        && hex.len() >= 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// A path component: lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`.
fn is_valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !bytes.first().is_some_and(alphanumeric) || !bytes.last().is_some_and(alphanumeric) {
        return false;
    }
    let mut index = 0;
    while index < bytes.len() {
        if alphanumeric(&bytes[index]) {
            index += 1;
            continue;
        }
        let separator_end = bytes[index..]
            .iter()
            .position(alphanumeric)
            .map_or(bytes.len(), |offset| index + offset);
        let separator = &component[index..separator_end];
        let allowed = separator == "."
            || separator == "_"
            || separator == "__"
            || separator.bytes().all(|b| b == b'-');
        if !allowed {
            return false;
        }
        index = separator_end;
    }
    true
}

/// The dependency for the image reference `text`, found at byte `offset` of its file on
/// 1-based `line`. `scratch` and unresolvable or invalid references are kept with a skip
/// reason.
pub fn image_dependency(text: &str, offset: usize, line: u32) -> Dependency {
    let location = Location {
        line,
        value: None,
        digest: None,
    };
    if text == "scratch" {
        let mut dep = Dependency::new(text, None).skipped(SkipReason::Scratch);
        dep.location = location;
        return dep;
    }
    let mut dep = match parse_image_reference(text) {
        Ok(reference) => Dependency {
            dep_name: reference.name.to_owned(),
            current_value: reference.tag.map(str::to_owned),
            current_digest: reference.digest.map(str::to_owned),
            datasource: Some(Datasource::Docker),
            replace_string: Some(text.to_owned()),
            location: Location {
                line,
                value: Some(reference.tag_span.shift(offset)),
                digest: Some(reference.digest_span.shift(offset)),
            },
            ..Dependency::default()
        },
        Err(ReferenceError::ContainsVariable) => Dependency {
            replace_string: Some(text.to_owned()),
            ..Dependency::new(text, Some(Datasource::Docker)).skipped(SkipReason::ContainsVariable)
        },
        Err(ReferenceError::Invalid(_)) => Dependency {
            replace_string: Some(text.to_owned()),
            ..Dependency::new(text, Some(Datasource::Docker)).skipped(SkipReason::InvalidValue)
        },
    };
    dep.location.line = line;
    dep
}

/// Rewrites the tag and/or digest of an image dependency made by [`image_dependency`],
/// inserting `:tag` or `@digest` where the reference had none.
///
/// The spans need not be in reference order (a manager may point the tag at an `ARG`
/// default written before or after the digest): edits are applied from the end of the
/// file backwards so that no edit moves a span still to be edited. At one position the
/// digest goes in before the tag, which then lands in front of it (`name:tag@digest`).
pub fn update_image(
    content: &str,
    dep: &Dependency,
    change: &DependencyChange,
) -> Result<String, UpdateError> {
    let mut edits: Vec<(Option<Span>, &str, String)> = Vec::with_capacity(2);
    if let Some(digest) = &change.new_digest {
        edits.push(match &dep.current_digest {
            Some(current) => (dep.location.digest, current.as_str(), digest.clone()),
            None => (dep.location.digest, "", format!("@{digest}")),
        });
    }
    if let Some(value) = &change.new_value {
        edits.push(match &dep.current_value {
            Some(current) => (dep.location.value, current.as_str(), value.clone()),
            None => (dep.location.value, "", format!(":{value}")),
        });
    }
    // stable sort: at an equal start the digest edit (pushed first) stays first
    edits.sort_by_key(|(span, _, _)| std::cmp::Reverse(span.map_or(0, |span| span.start)));
    let mut updated = content.to_owned();
    for (span, expected, replacement) in edits {
        updated = replace_token(&updated, dep, span, expected, &replacement)?;
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn official_image_with_tag() {
        let reference = parse_image_reference("node:20-alpine").unwrap();
        assert_eq!(reference.name, "node");
        assert_eq!(reference.registry, None);
        assert_eq!(reference.tag, Some("20-alpine"));
        assert_eq!(reference.tag_span, Span::new(5, 14));
    }

    #[test]
    fn registry_port_is_not_a_tag() {
        let reference = parse_image_reference("localhost:5000/team/app").unwrap();
        assert_eq!(reference.name, "localhost:5000/team/app");
        assert_eq!(reference.registry, Some("localhost:5000"));
        assert_eq!(reference.tag, None);
        assert!(parse_image_reference("registry.example.com:443/app:1.2@").is_err());
    }

    #[test]
    fn tag_and_digest_together() {
        let text = format!("ghcr.io/owner/app:v1.2.3@{DIGEST}");
        let reference = parse_image_reference(&text).unwrap();
        assert_eq!(reference.name, "ghcr.io/owner/app");
        assert_eq!(reference.registry, Some("ghcr.io"));
        assert_eq!(reference.tag, Some("v1.2.3"));
        assert_eq!(reference.digest, Some(DIGEST));
        assert_eq!(&text[reference.digest_span.range()], DIGEST);
    }

    #[test]
    fn first_component_without_dot_is_a_docker_hub_namespace() {
        let reference = parse_image_reference("bitnami/redis:7.2").unwrap();
        assert_eq!(reference.registry, None);
        assert_eq!(reference.name, "bitnami/redis");
    }

    #[test]
    fn invalid_references_are_refused() {
        for text in [
            "Node:20",
            "node:",
            "node:-x",
            "node@sha256:xyz",
            "/node",
            "a//b",
        ] {
            assert!(
                matches!(parse_image_reference(text), Err(ReferenceError::Invalid(_))),
                "{text}"
            );
        }
        assert_eq!(
            parse_image_reference("node:${NODE_VERSION}"),
            Err(ReferenceError::ContainsVariable)
        );
    }

    #[test]
    fn update_inserts_a_digest_and_replaces_a_tag() {
        let content = "FROM node:18 AS build\n";
        let dep = image_dependency("node:18", 5, 1);
        let change = DependencyChange {
            new_value: Some("20".to_owned()),
            new_digest: Some(DIGEST.to_owned()),
        };
        let updated = update_image(content, &dep, &change).unwrap();
        assert_eq!(updated, format!("FROM node:20@{DIGEST} AS build\n"));
    }

    #[test]
    fn update_edits_a_tag_written_after_its_digest() {
        // the tag's span lies after the digest's, as when the tag comes from a later ARG
        let content = format!("D={DIGEST}\nT=18\n");
        let mut dep = image_dependency("node:18", 0, 1);
        dep.current_digest = Some(DIGEST.to_owned());
        dep.location.digest = Some(Span::new(2, 2 + DIGEST.len()));
        dep.location.value = Some(Span::new(DIGEST.len() + 5, DIGEST.len() + 7));
        let new_digest = DIGEST.replace("0123", "4567");
        let change = DependencyChange {
            new_value: Some("20.1".to_owned()),
            new_digest: Some(new_digest.clone()),
        };
        let updated = update_image(&content, &dep, &change).unwrap();
        assert_eq!(updated, format!("D={new_digest}\nT=20.1\n"));
    }

    #[test]
    fn update_inserts_tag_and_digest_at_one_place() {
        let dep = image_dependency("node", 5, 1);
        let change = DependencyChange {
            new_value: Some("20".to_owned()),
            new_digest: Some(DIGEST.to_owned()),
        };
        let updated = update_image("FROM node\n", &dep, &change).unwrap();
        assert_eq!(updated, format!("FROM node:20@{DIGEST}\n"));
    }

    #[test]
    fn scratch_and_variables_are_skipped() {
        assert_eq!(
            image_dependency("scratch", 0, 1).skip_reason,
            Some(SkipReason::Scratch)
        );
        assert_eq!(
            image_dependency("$BASE", 0, 1).skip_reason,
            Some(SkipReason::ContainsVariable)
        );
    }
}
