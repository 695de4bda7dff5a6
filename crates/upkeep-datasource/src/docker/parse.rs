//! Registry answers → plain data, with no I/O: tag lists, `Link` headers, manifests
//! and indexes, image configs, token responses.
//!
//! Registries disagree in small ways, so parsing is lenient where it costs nothing
//! (`"tags": null` for an empty repository, `token` or `access_token`, the manifest
//! kind read from `mediaType` or, failing that, from the shape) and strict where a
//! wrong answer would mislead (a digest must be `algorithm:hex`; a `created` before
//! 1980 is a reproducible-build placeholder, not a release date).

use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker v2 manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker v2 image manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Every manifest type asked for, indexes first so multi-arch tags keep their digest.
pub const MANIFEST_TYPES: [&str; 4] = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/// The OCI label/annotation naming the image's source repository.
pub const SOURCE_LABEL: &str = "org.opencontainers.image.source";

/// `GET /v2/<name>/tags/list`.
#[derive(Debug, Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// The tags of one page, in the registry's order (an empty repository may say `null`).
pub fn parse_tags(body: &[u8]) -> Result<Vec<String>, String> {
    let list: TagList = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    Ok(list.tags.unwrap_or_default())
}

/// The `rel="next"` target of a `Link` header (RFC 8288), as written (relative or
/// absolute): `<…>; rel="next"`, among several links, `rel` quoted or not, possibly
/// with several relation types.
pub fn next_link(header: &str) -> Option<&str> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let end = start + rest[start..].find('>')?;
        let target = &rest[start + 1..end];
        let after = &rest[end + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        let is_next = params.split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches(|c| c == '"' || c == ',')
                    .split_whitespace()
                    .any(|relation| relation.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.trim());
        }
        rest = after;
    }
}

/// A content descriptor (manifest entry of an index, or a config reference).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The media type of the referenced content.
    #[serde(default)]
    pub media_type: Option<String>,
    /// `sha256:…`.
    pub digest: String,
    /// The platform of an index entry.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Annotations of the entry.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// An index entry's platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Platform {
    /// `linux`, `windows`, or `unknown` for attestations.
    #[serde(default)]
    pub os: String,
    /// `amd64`, `arm64`, …
    #[serde(default)]
    pub architecture: String,
}

/// A manifest as fetched for a tag or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    /// OCI index or Docker manifest list: one manifest per platform.
    Index {
        /// The platform manifests.
        manifests: Vec<Descriptor>,
        /// Index-level annotations.
        annotations: BTreeMap<String, String>,
    },
    /// One image: its config blob and annotations.
    Image {
        /// The config blob.
        config: Descriptor,
        /// Manifest-level annotations.
        annotations: BTreeMap<String, String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// Parses a manifest; `content_type` is the response's `Content-Type`, used when the
/// body has no `mediaType` (OCI makes it optional).
pub fn parse_manifest(body: &[u8], content_type: Option<&str>) -> Result<Manifest, String> {
    let raw: RawManifest = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    if raw.schema_version == Some(1) {
        return Err("Docker schema 1 manifests are not supported".to_owned());
    }
    let media_type = raw
        .media_type
        .as_deref()
        .or_else(|| content_type.map(|value| value.split(';').next().unwrap_or("").trim()));
    let is_index = match media_type {
        Some(OCI_INDEX | DOCKER_LIST) => true,
        Some(OCI_MANIFEST | DOCKER_MANIFEST) => false,
        _ => raw.manifests.is_some(),
    };
    if is_index {
        let manifests = raw.manifests.ok_or("an index without `manifests`")?;
        return Ok(Manifest::Index {
            manifests,
            annotations: raw.annotations,
        });
    }
    let config = raw.config.ok_or("a manifest without `config`")?;
    check_digest(&config.digest)?;
    Ok(Manifest::Image {
        config,
        annotations: raw.annotations,
    })
}

/// The platform manifest whose config says when the image was built: linux/amd64 when
/// there is one, else the first entry that is an image (attestation manifests, with
/// platform `unknown/unknown` or a `vnd.docker.reference.type`, are skipped).
pub fn pick_platform(manifests: &[Descriptor]) -> Option<&Descriptor> {
    let images = || {
        manifests.iter().filter(|entry| {
            !entry.annotations.contains_key("vnd.docker.reference.type")
                && entry
                    .platform
                    .as_ref()
                    .is_none_or(|platform| platform.os != "unknown")
                && check_digest(&entry.digest).is_ok()
        })
    };
    images()
        .find(|entry| {
            entry
                .platform
                .as_ref()
                .is_some_and(|platform| platform.os == "linux" && platform.architecture == "amd64")
        })
        .or_else(|| images().next())
}

/// What an image config says about the image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// When the image was built (RFC 3339), unless missing or a placeholder.
    pub created: Option<String>,
    /// The image's labels (`config.Labels`).
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct RawConfig {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    config: Option<RawRuntimeConfig>,
}

#[derive(Debug, Deserialize)]
struct RawRuntimeConfig {
    #[serde(default, rename = "Labels")]
    labels: Option<BTreeMap<String, String>>,
}

/// Parses an image config blob.
pub fn parse_config(body: &[u8]) -> Result<ImageConfig, String> {
    let raw: RawConfig = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    Ok(ImageConfig {
        created: raw.created.filter(|created| is_release_time(created)),
        labels: raw
            .config
            .and_then(|config| config.labels)
            .unwrap_or_default(),
    })
}

/// Whether `text` is an RFC 3339 date-time worth reporting: reproducible builds stamp
/// `1970-01-01T00:00:00Z` or `0001-01-01T00:00:00Z`, which say nothing about a release.
fn is_release_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let shaped = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        && digits(11..13)
        && bytes.get(13) == Some(&b':')
        && digits(14..16);
    shaped && text[..4].parse::<u32>().is_ok_and(|year| year >= 1980)
}

/// A bearer token response (`token`, or OAuth2's `access_token`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// The token to send as `Authorization: Bearer …`.
    pub token: String,
    /// Seconds it stays valid; the spec's default is 60.
    pub expires_in: u64,
}

#[derive(Debug, Deserialize)]
struct RawToken {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Parses a token endpoint's answer.
pub fn parse_token(body: &[u8]) -> Result<TokenResponse, String> {
    let raw: RawToken = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    let token = raw
        .token
        .or(raw.access_token)
        .filter(|token| !token.is_empty())
        .ok_or("no `token` or `access_token` in the answer")?;
    Ok(TokenResponse {
        token,
        expires_in: raw.expires_in.unwrap_or(60),
    })
}

/// Checks the shape of a digest: `algorithm:hex` (OCI's grammar, simplified).
pub fn check_digest(digest: &str) -> Result<(), String> {
    let valid = digest.split_once(':').is_some_and(|(algorithm, encoded)| {
        !algorithm.is_empty()
            && algorithm
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c))
            && encoded.len() >= 32
            && encoded
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "=_-".contains(c))
    });
    if valid {
        Ok(())
    } else {
        Err(format!("`{digest}` is not a digest"))
    }
}

/// The digest of a manifest body, for registries that send no `Docker-Content-Digest`.
pub fn sha256_digest(body: &[u8]) -> String {
    let hash = Sha256::digest(body);
    let mut digest = String::with_capacity(7 + 64);
    digest.push_str("sha256:");
    for byte in hash.iter() {
        digest.push_str(&format!("{byte:02x}"));
    }
    digest
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = include_str!("fixtures/index.json");
    const ATTESTED_INDEX: &str = include_str!("fixtures/index-arm-first-with-attestation.json");
    const MANIFEST: &str = include_str!("fixtures/manifest.json");
    const CONFIG: &str = include_str!("fixtures/config.json");
    const TOKEN: &str = include_str!("fixtures/token.json");

    #[test]
    fn tag_lists_read_null_as_empty() {
        let tags = parse_tags(br#"{"name":"library/node","tags":["18","20-alpine"]}"#).unwrap();
        assert_eq!(tags, ["18", "20-alpine"]);
        assert!(
            parse_tags(br#"{"name":"x","tags":null}"#)
                .unwrap()
                .is_empty()
        );
        assert!(parse_tags(b"<html>").is_err());
    }

    #[test]
    fn the_next_link_is_found_among_several() {
        assert_eq!(
            next_link(r#"</v2/library/node/tags/list?n=2&last=18>; rel="next""#),
            Some("/v2/library/node/tags/list?n=2&last=18")
        );
        assert_eq!(
            next_link(
                r#"<https://r.example.com/v2/a/tags/list?last=1>; rel="prev", <https://r.example.com/v2/a/tags/list?last=9&n=5>; type="x"; rel=next"#
            ),
            Some("https://r.example.com/v2/a/tags/list?last=9&n=5")
        );
        assert_eq!(next_link(r#"</x>; rel="next last""#), Some("/x"));
        assert_eq!(next_link(r#"</x>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn an_index_prefers_linux_amd64() {
        let Manifest::Index { manifests, .. } = parse_manifest(INDEX.as_bytes(), None).unwrap()
        else {
            panic!("not an index");
        };
        assert_eq!(manifests.len(), 2);
        let picked = pick_platform(&manifests).unwrap();
        assert_eq!(picked.platform.as_ref().unwrap().architecture, "amd64");
    }

    #[test]
    fn without_amd64_the_first_image_entry_is_used_and_attestations_are_skipped() {
        let manifest = parse_manifest(ATTESTED_INDEX.as_bytes(), None).unwrap();
        let Manifest::Index {
            manifests,
            annotations,
        } = manifest
        else {
            panic!("not an index");
        };
        assert_eq!(
            annotations.get(SOURCE_LABEL).map(String::as_str),
            Some("https://github.com/example/app")
        );
        let picked = pick_platform(&manifests).unwrap();
        assert_eq!(picked.platform.as_ref().unwrap().architecture, "arm64");
        let only_attestation = &manifests[..1];
        assert_eq!(pick_platform(only_attestation), None);
    }

    #[test]
    fn an_image_manifest_names_its_config() {
        let Manifest::Image { config, .. } = parse_manifest(MANIFEST.as_bytes(), None).unwrap()
        else {
            panic!("not an image manifest");
        };
        assert!(config.digest.starts_with("sha256:"));
    }

    #[test]
    fn the_manifest_kind_comes_from_content_type_when_the_body_has_no_media_type() {
        let body = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert!(matches!(
            parse_manifest(
                body,
                Some("application/vnd.oci.image.index.v1+json; charset=utf-8")
            ),
            Ok(Manifest::Index { .. })
        ));
        let body = br#"{"schemaVersion":1,"history":[]}"#;
        assert!(parse_manifest(body, None).unwrap_err().contains("schema 1"));
        let body = br#"{"schemaVersion":2,"config":{"digest":"nope"}}"#;
        assert!(parse_manifest(body, None).is_err());
    }

    #[test]
    fn a_config_gives_created_and_labels() {
        let config = parse_config(CONFIG.as_bytes()).unwrap();
        assert_eq!(
            config.created.as_deref(),
            Some("2024-05-14T19:23:44.123456789Z")
        );
        assert_eq!(
            config.labels.get(SOURCE_LABEL).map(String::as_str),
            Some("https://github.com/nodejs/docker-node")
        );
    }

    #[test]
    fn placeholder_and_malformed_created_times_are_dropped() {
        for created in [
            "1970-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "yesterday",
            "",
        ] {
            let body = format!(r#"{{"created":"{created}","config":{{"Labels":null}}}}"#);
            assert_eq!(
                parse_config(body.as_bytes()).unwrap().created,
                None,
                "{created}"
            );
        }
        assert_eq!(parse_config(b"{}").unwrap(), ImageConfig::default());
    }

    #[test]
    fn tokens_come_as_token_or_access_token_with_a_default_lifetime() {
        let token = parse_token(br#"{"token":"abc","expires_in":300}"#).unwrap();
        assert_eq!((token.token.as_str(), token.expires_in), ("abc", 300));
        let token = parse_token(br#"{"access_token":"xyz"}"#).unwrap();
        assert_eq!((token.token.as_str(), token.expires_in), ("xyz", 60));
        assert!(parse_token(br#"{"token":""}"#).is_err());
        let docker_hub = parse_token(TOKEN.as_bytes()).unwrap();
        assert_eq!(docker_hub.expires_in, 300);
        assert!(docker_hub.token.starts_with("eyJ"));
    }

    #[test]
    fn digests_are_checked_and_computed() {
        assert!(check_digest(&sha256_digest(b"")).is_ok());
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(check_digest("sha256").is_err());
        assert!(check_digest("sha256:short").is_err());
    }
}
