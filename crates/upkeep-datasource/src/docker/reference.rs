//! Which registry and repository an image name means, the way Docker resolves it.
//!
//! `node` is Docker Hub's official image `library/node`; `bitnami/redis` is a Docker
//! Hub user image; a first path segment that looks like a host (it has a `.` or a `:`,
//! or is `localhost`) names the registry: `ghcr.io/o/app`, `localhost:5000/x`,
//! `registry.example.com:8443/team/app`. `docker.io`, `index.docker.io` and
//! `registry-1.docker.io` are all Docker Hub, whose API lives at
//! `registry-1.docker.io`.
//!
//! `registryUrls` (Renovate's rule): they apply only when the name carries no registry
//! of its own, and the first one is used. A registry URL may have a path
//! (`https://artifactory.example.com/api/docker/remote`): the API is under it, and a
//! name that starts with that host and path has it stripped. Official-image names get
//! `library/` only on Docker Hub itself, as in Renovate.
//!
//! Scheme: https, except plain http for loopback registries (`localhost`, `127.0.0.1`,
//! `[::1]`), which Docker itself trusts without TLS; a registry URL's own scheme wins.
//! Everything here is pure; the Docker Hub base URL is a parameter so tests can point
//! it at a local server.

use url::Url;

/// Docker Hub's registry API.
pub const DOCKER_HUB_API: &str = "https://registry-1.docker.io/";

/// The names under which Docker Hub appears in image names and registry URLs.
const DOCKER_HUB_ALIASES: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];

/// One repository on one registry: everything a request URL is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry's base URL, ending in `/`; the API is at `<base>v2/`.
    pub base: Url,
    /// The repository name in API paths (`library/node`).
    pub repository: String,
    /// Whether this is Docker Hub (official images get `library/`).
    pub docker_hub: bool,
}

impl ImageRef {
    /// A display- and cache-safe name of the registry: host, port and path, without
    /// scheme or credentials (`registry-1.docker.io`, `127.0.0.1:5000/mirror`).
    pub fn registry(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        let mut name = match self.base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        name.push_str(self.base.path().trim_end_matches('/'));
        name
    }

    /// `<base>v2/<repository>/<rest>`.
    pub fn api_url(&self, rest: &str) -> Result<Url, url::ParseError> {
        self.base.join(&format!("v2/{}/{rest}", self.repository))
    }
}

/// Resolves `package_name` against the dependency's `registryUrls` (first one wins)
/// and the Docker Hub API base. The error says why the name is unusable.
pub fn resolve(
    package_name: &str,
    registry_urls: &[String],
    docker_hub: &Url,
) -> Result<ImageRef, String> {
    let name = strip_tag_and_digest(package_name.trim());
    if name.is_empty() {
        return Err("empty image name".to_owned());
    }
    let registry_url = match registry_urls.first() {
        Some(text) => Some(parse_registry_url(text)?),
        None => None,
    };
    let (base, repository) = match split_registry(name) {
        Some((host, rest)) if is_docker_hub(host) => (docker_hub.clone(), rest),
        Some((host, rest)) => {
            if let Some(url) = &registry_url
                && let Some(rest) = strip_registry_prefix(name, url)
            {
                (url.clone(), rest)
            } else {
                (host_base(host)?, rest)
            }
        }
        None => match registry_url {
            Some(url) if url.host_str().is_some_and(is_docker_hub) => (docker_hub.clone(), name),
            Some(url) => (url, name),
            None => (docker_hub.clone(), name),
        },
    };
    let docker_hub = base == *docker_hub;
    let repository = if docker_hub && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository.to_owned()
    };
    validate_repository(&repository)?;
    Ok(ImageRef {
        base,
        repository,
        docker_hub,
    })
}

/// `node:18` → `node`, `ghcr.io/o/app@sha256:…` → `ghcr.io/o/app`; the port in
/// `localhost:5000/x` stays.
fn strip_tag_and_digest(name: &str) -> &str {
    let name = name.split_once('@').map_or(name, |(name, _)| name);
    let last_slash = name.rfind('/').map_or(0, |index| index + 1);
    match name[last_slash..].find(':') {
        Some(colon) => &name[..last_slash + colon],
        None => name,
    }
}

/// Splits off the first segment when it names a registry host.
fn split_registry(name: &str) -> Option<(&str, &str)> {
    let (first, rest) = name.split_once('/')?;
    let is_host = first.contains('.') || first.contains(':') || first == "localhost";
    is_host.then_some((first, rest))
}

fn is_docker_hub(host: &str) -> bool {
    DOCKER_HUB_ALIASES
        .iter()
        .any(|alias| host.eq_ignore_ascii_case(alias))
}

/// The base URL of a registry named in an image: https, or http on loopback.
fn host_base(host: &str) -> Result<Url, String> {
    let hostname = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let loopback = matches!(
        hostname.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "[::1]"
    );
    let scheme = if loopback { "http" } else { "https" };
    Url::parse(&format!("{scheme}://{host}/"))
        .map_err(|error| format!("`{host}` is not a registry host: {error}"))
}

/// A `registryUrls` entry as a base URL: scheme added when missing (https), userinfo,
/// query and fragment dropped, path ending in `/`.
fn parse_registry_url(text: &str) -> Result<Url, String> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let mut url = Url::parse(&with_scheme)
        .map_err(|error| format!("registry URL `{text}` is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("registry URL `{text}` is not an http(s) URL"));
    }
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The rest of `name` when it starts with the registry URL's host (and path).
fn strip_registry_prefix<'a>(name: &'a str, url: &Url) -> Option<&'a str> {
    let host = url.host_str()?;
    let prefix = match url.port() {
        Some(port) => format!("{host}:{port}{}", url.path()),
        None => format!("{host}{}", url.path()),
    };
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(&prefix)
        .then(|| &name[prefix.len()..])
        .filter(|rest| !rest.is_empty())
}

/// The distribution spec's repository grammar, simplified: lower-case alphanumerics
/// separated by `.`, `_`, `__` or `-` runs, in `/`-separated components.
fn validate_repository(repository: &str) -> Result<(), String> {
    let valid_component = |component: &str| {
        !component.is_empty()
            && component.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && component.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && component
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    };
    if repository.split('/').all(valid_component) {
        Ok(())
    } else {
        Err(format!("`{repository}` is not a valid repository name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub() -> Url {
        Url::parse(DOCKER_HUB_API).unwrap()
    }

    fn resolved(name: &str, registry_urls: &[&str]) -> (String, String) {
        let urls: Vec<String> = registry_urls.iter().map(|url| url.to_string()).collect();
        let image = resolve(name, &urls, &hub()).unwrap();
        (image.base.to_string(), image.repository)
    }

    fn pair(base: &str, repository: &str) -> (String, String) {
        (base.to_owned(), repository.to_owned())
    }

    #[test]
    fn official_images_live_under_library_on_docker_hub() {
        let expected = pair("https://registry-1.docker.io/", "library/node");
        assert_eq!(resolved("node", &[]), expected);
        assert_eq!(resolved("docker.io/node", &[]), expected);
        assert_eq!(resolved("docker.io/library/node", &[]), expected);
        assert_eq!(resolved("index.docker.io/library/node", &[]), expected);
        assert_eq!(resolved("node:18-alpine", &[]), expected);
        assert_eq!(resolved("node", &["https://index.docker.io"]), expected);
        assert_eq!(resolved("node", &["docker.io"]), expected);
    }

    #[test]
    fn user_images_stay_as_written_on_docker_hub() {
        assert_eq!(
            resolved("bitnami/redis", &[]),
            pair("https://registry-1.docker.io/", "bitnami/redis")
        );
        assert_eq!(
            resolved("docker.io/bitnami/redis@sha256:abc", &[]),
            pair("https://registry-1.docker.io/", "bitnami/redis")
        );
    }

    #[test]
    fn a_host_like_first_segment_names_the_registry() {
        assert_eq!(
            resolved("ghcr.io/o/app", &[]),
            pair("https://ghcr.io/", "o/app")
        );
        assert_eq!(
            resolved("quay.io/prometheus/node-exporter", &[]),
            pair("https://quay.io/", "prometheus/node-exporter")
        );
        assert_eq!(
            resolved("registry.example.com:8443/team/app:1.2", &[]),
            pair("https://registry.example.com:8443/", "team/app")
        );
    }

    #[test]
    fn loopback_registries_are_plain_http() {
        assert_eq!(
            resolved("localhost:5000/x", &[]),
            pair("http://localhost:5000/", "x")
        );
        assert_eq!(resolved("localhost/x", &[]), pair("http://localhost/", "x"));
        assert_eq!(
            resolved("127.0.0.1:5000/team/x", &[]),
            pair("http://127.0.0.1:5000/", "team/x")
        );
    }

    #[test]
    fn registry_urls_apply_only_to_names_without_a_registry() {
        assert_eq!(
            resolved("node", &["https://mirror.example.com"]),
            pair("https://mirror.example.com/", "node")
        );
        assert_eq!(
            resolved(
                "team/app",
                &["mirror.example.com:5000", "ignored.example.com"]
            ),
            pair("https://mirror.example.com:5000/", "team/app")
        );
        assert_eq!(
            resolved("ghcr.io/o/app", &["https://mirror.example.com"]),
            pair("https://ghcr.io/", "o/app")
        );
        assert_eq!(
            resolved("node", &["http://127.0.0.1:5000"]),
            pair("http://127.0.0.1:5000/", "node")
        );
    }

    #[test]
    fn a_registry_url_path_is_the_api_prefix_and_is_stripped_from_names() {
        let url = "https://artifactory.example.com/api/docker/remote";
        let expected = pair(
            "https://artifactory.example.com/api/docker/remote/",
            "team/app",
        );
        assert_eq!(resolved("team/app", &[url]), expected);
        assert_eq!(
            resolved("artifactory.example.com/api/docker/remote/team/app", &[url]),
            expected
        );
        let image = resolve("team/app", &[url.to_owned()], &hub()).unwrap();
        assert_eq!(
            image.api_url("tags/list").unwrap().as_str(),
            "https://artifactory.example.com/api/docker/remote/v2/team/app/tags/list"
        );
        assert_eq!(
            image.registry(),
            "artifactory.example.com/api/docker/remote"
        );
    }

    #[test]
    fn registry_urls_lose_their_credentials() {
        let image = resolve(
            "app",
            &["https://bot:secret@registry.example.com/".to_owned()],
            &hub(),
        )
        .unwrap();
        assert_eq!(image.base.as_str(), "https://registry.example.com/");
    }

    #[test]
    fn the_docker_hub_base_is_injectable() {
        let local = Url::parse("http://127.0.0.1:4000/").unwrap();
        let image = resolve("node", &[], &local).unwrap();
        assert_eq!(image.base, local);
        assert!(image.docker_hub);
        assert_eq!(image.repository, "library/node");
        assert_eq!(image.registry(), "127.0.0.1:4000");
    }

    #[test]
    fn unusable_names_are_refused_with_a_reason() {
        for name in ["", "Node", "ghcr.io/o//app", "ghcr.io/-app", "app$"] {
            let error = resolve(name, &[], &hub()).unwrap_err();
            assert!(!error.is_empty(), "{name}");
        }
        assert!(resolve("node", &["ftp://x".to_owned()], &hub()).is_err());
    }
}
