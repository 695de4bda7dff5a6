//! Packument JSON → [`ReleaseResult`], with no I/O.
//!
//! The full packument is parsed leniently: only `versions` must be an object. Every
//! other field (`time`, `dist-tags`, `repository`, `homepage`, a version's
//! `deprecated`) is read when it has the expected shape and ignored otherwise, because
//! real registries hold decades of hand-edited metadata and one odd field must not
//! hide a package's releases.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Release, ReleaseResult};

/// Why a packument gives no releases.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PackumentError {
    /// Every version was unpublished (`time.unpublished`), or none was ever published.
    NoVersions,
    /// Not a packument.
    Invalid(String),
}

#[derive(Deserialize)]
struct Packument {
    #[serde(default)]
    versions: Option<Map<String, Value>>,
    #[serde(default, rename = "dist-tags")]
    dist_tags: Option<Value>,
    #[serde(default)]
    time: Option<Value>,
    #[serde(default)]
    repository: Option<Value>,
    #[serde(default)]
    homepage: Option<Value>,
}

/// Parses a full packument.
pub(crate) fn parse_packument(body: &[u8]) -> Result<ReleaseResult, PackumentError> {
    let packument: Packument =
        serde_json::from_slice(body).map_err(|error| PackumentError::Invalid(error.to_string()))?;
    let versions = match packument.versions {
        Some(versions) if !versions.is_empty() => versions,
        _ => return Err(PackumentError::NoVersions),
    };
    let times = packument.time.as_ref().and_then(Value::as_object);
    let tags: BTreeMap<String, String> = packument
        .dist_tags
        .as_ref()
        .and_then(Value::as_object)
        .map(|tags| {
            tags.iter()
                .filter_map(|(tag, version)| Some((tag.clone(), version.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let releases = versions
        .iter()
        .map(|(version, metadata)| Release {
            version: version.clone(),
            release_timestamp: times
                .and_then(|times| times.get(version))
                .and_then(Value::as_str)
                .map(str::to_owned),
            is_deprecated: deprecation(metadata).is_some(),
            digest: None,
        })
        .collect();
    let latest = tags.get("latest").and_then(|latest| versions.get(latest));
    // The package's own fields first; older packuments carry them on versions only.
    let repository = packument
        .repository
        .or_else(|| latest.and_then(|latest| latest.get("repository").cloned()));
    let homepage = packument
        .homepage
        .or_else(|| latest.and_then(|latest| latest.get("homepage").cloned()));
    Ok(ReleaseResult {
        releases,
        source_url: repository.as_ref().and_then(repository_url),
        homepage: homepage.as_ref().and_then(Value::as_str).map(str::to_owned),
        deprecation_message: latest.and_then(deprecation),
        tags,
        ..ReleaseResult::default()
    })
}

/// A version's deprecation message: `deprecated` as a non-empty string (or `true`).
fn deprecation(metadata: &Value) -> Option<String> {
    match metadata.get("deprecated")? {
        Value::String(message) if !message.is_empty() => Some(message.clone()),
        Value::Bool(true) => Some("deprecated".to_owned()),
        _ => None,
    }
}

/// `repository` as a string or as `{ "type": "git", "url": … }`.
fn repository_url(repository: &Value) -> Option<String> {
    let text = match repository {
        Value::String(text) => text,
        Value::Object(object) => object.get("url")?.as_str()?,
        _ => return None,
    };
    normalize_repository_url(text)
}

/// A browsable `https://` URL for the many ways `package.json` names a repository:
/// `git+https://…git`, `git://`, `git+ssh://git@…`, `git@host:owner/repo.git`, and the
/// shorthands `owner/repo`, `github:owner/repo`, `gitlab:…`, `bitbucket:…`.
pub(crate) fn normalize_repository_url(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.strip_prefix("git+").unwrap_or(text);
    for (prefix, host) in [
        ("github:", "github.com"),
        ("gitlab:", "gitlab.com"),
        ("bitbucket:", "bitbucket.org"),
        ("gist:", "gist.github.com"),
    ] {
        if let Some(path) = text.strip_prefix(prefix) {
            return Some(tidy(&format!("https://{host}/{path}")));
        }
    }
    if !text.contains(':') {
        let parts: Vec<&str> = text.split('/').collect();
        return match parts.as_slice() {
            [owner, repo] if !owner.is_empty() && !repo.is_empty() => {
                Some(tidy(&format!("https://github.com/{owner}/{repo}")))
            }
            _ => None,
        };
    }
    if !text.contains("://") {
        // scp-like `git@github.com:owner/repo.git`
        let (user_host, path) = text.split_once(':')?;
        let host = user_host.rsplit('@').next()?;
        if !user_host.contains('@') && !host.contains('.') {
            return None;
        }
        return Some(tidy(&format!(
            "https://{host}/{}",
            path.trim_start_matches('/')
        )));
    }
    let url = url::Url::parse(text).ok()?;
    let host = url.host_str()?;
    match url.scheme() {
        "https" | "http" | "git" | "ssh" => {}
        _ => return None,
    }
    let port = match (url.scheme(), url.port()) {
        ("https" | "http", Some(port)) => format!(":{port}"),
        _ => String::new(),
    };
    let scheme = if url.scheme() == "http" {
        "http"
    } else {
        "https"
    };
    Some(tidy(&format!("{scheme}://{host}{port}{}", url.path())))
}

fn tidy(url: &str) -> String {
    let url = url.split(['#', '?']).next().unwrap_or(url);
    let url = url.trim_end_matches('/');
    url.strip_suffix(".git").unwrap_or(url).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/src/npm/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    #[test]
    fn packument_with_prereleases_deprecations_and_dist_tags() {
        let result = parse_packument(&fixture("left-pad.json")).unwrap();
        let versions: Vec<&str> = result.releases.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(
            versions,
            ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0-beta.1"]
        );
        let deprecated: Vec<&str> = result
            .releases
            .iter()
            .filter(|r| r.is_deprecated)
            .map(|r| r.version.as_str())
            .collect();
        assert_eq!(deprecated, ["1.0.0"]);
        assert_eq!(
            result.releases[2].release_timestamp.as_deref(),
            Some("2017-10-04T17:03:47.211Z")
        );
        assert_eq!(result.tags["latest"], "1.3.0");
        assert_eq!(result.tags["next"], "2.0.0-beta.1");
        assert_eq!(
            result.source_url.as_deref(),
            Some("https://github.com/stevemao/left-pad")
        );
        assert_eq!(
            result.homepage.as_deref(),
            Some("https://github.com/stevemao/left-pad#readme")
        );
        assert_eq!(result.deprecation_message, None);
    }

    #[test]
    fn scoped_packument_whose_latest_is_deprecated() {
        let result = parse_packument(&fixture("scoped.json")).unwrap();
        assert_eq!(result.releases.len(), 2);
        assert!(result.releases.iter().all(|release| release.is_deprecated));
        assert_eq!(
            result.deprecation_message.as_deref(),
            Some("moved to @acme/widgets-next")
        );
        // Repository only on the latest version, as an object with a directory.
        assert_eq!(
            result.source_url.as_deref(),
            Some("https://github.com/acme/monorepo")
        );
    }

    #[test]
    fn fully_unpublished_package_has_no_versions() {
        assert_eq!(
            parse_packument(&fixture("unpublished.json")),
            Err(PackumentError::NoVersions)
        );
    }

    #[test]
    fn garbage_is_invalid() {
        assert!(matches!(
            parse_packument(b"<html>proxy error</html>"),
            Err(PackumentError::Invalid(_))
        ));
        assert!(matches!(
            parse_packument(b"{\"versions\": 3}"),
            Err(PackumentError::Invalid(_))
        ));
    }

    #[test]
    fn repository_urls_are_normalised() {
        let cases = [
            (
                "git+https://github.com/a/b.git",
                Some("https://github.com/a/b"),
            ),
            ("https://github.com/a/b", Some("https://github.com/a/b")),
            ("git://github.com/a/b.git", Some("https://github.com/a/b")),
            (
                "git+ssh://git@github.com/a/b.git",
                Some("https://github.com/a/b"),
            ),
            (
                "ssh://git@gitlab.com:22/a/b.git",
                Some("https://gitlab.com/a/b"),
            ),
            ("git@github.com:a/b.git", Some("https://github.com/a/b")),
            ("a/b", Some("https://github.com/a/b")),
            ("github:a/b", Some("https://github.com/a/b")),
            ("gitlab:a/b", Some("https://gitlab.com/a/b")),
            ("bitbucket:a/b", Some("https://bitbucket.org/a/b")),
            (
                "https://github.com/a/b.git#main",
                Some("https://github.com/a/b"),
            ),
            (
                "http://git.internal:8080/a/b/",
                Some("http://git.internal:8080/a/b"),
            ),
            ("", None),
            ("just-a-word", None),
            ("file:../local", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalize_repository_url(input).as_deref(),
                expected,
                "{input}"
            );
        }
    }
}
