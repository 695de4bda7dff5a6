//! Classifying a module's `source` address the way Terraform's module installer reads it:
//! a local path, a registry address, a git repository (with an optional `//subdir` and
//! `?ref=`), or something upkeep cannot update (S3, GCS, Mercurial, HTTP archives, OCI).
//!
//! Pure string work over the literal, so it is unit-tested on its own. The `ref` value is
//! returned with its byte range inside the source string: an update rewrites only that,
//! keeping the rest of the URL.

use std::ops::Range;

/// What a module `source` address points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ModuleSource<'a> {
    /// A path in the same repository (`./modules/x`, `../shared`).
    Local,
    /// A module registry address, `[host/]namespace/name/provider`, subdirectory removed.
    Registry(RegistryAddress<'a>),
    /// A git repository.
    Git(GitSource<'a>),
    /// An address upkeep has no datasource for.
    Unsupported,
}

/// A module registry address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RegistryAddress<'a> {
    /// The address as written, without `//subdir` (host included).
    pub(super) address: &'a str,
    /// The registry host, when the address names one.
    pub(super) host: Option<&'a str>,
    /// `namespace/name/provider`.
    pub(super) package: &'a str,
}

/// A git module source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GitSource<'a> {
    /// The repository URL to list tags from (no `git::`, subdirectory or query).
    pub(super) url: String,
    /// `host/path` of the repository, without `.git`: the name users see.
    pub(super) name: String,
    /// `owner/repository` when the repository is on github.com.
    pub(super) github: Option<String>,
    /// The `ref` query value and its byte range in the source string.
    pub(super) reference: Option<(&'a str, Range<usize>)>,
}

/// Classifies a module source address.
pub(super) fn classify(source: &str) -> ModuleSource<'_> {
    if is_local_path(source) {
        return ModuleSource::Local;
    }
    if let Some(rest) = source.strip_prefix("git::") {
        return git_source(source, "git::".len(), rest);
    }
    if source.starts_with("github.com/")
        || source.starts_with("bitbucket.org/")
        || source.starts_with("git@")
    {
        return git_source(source, 0, source);
    }
    if source.contains("::") || source.contains("://") {
        return ModuleSource::Unsupported;
    }
    registry_address(source).map_or(ModuleSource::Unsupported, ModuleSource::Registry)
}

fn is_local_path(source: &str) -> bool {
    source == "."
        || source == ".."
        || source.starts_with("./")
        || source.starts_with("../")
        || source.starts_with(".\\")
        || source.starts_with("..\\")
        || source.starts_with('/')
}

fn registry_address(source: &str) -> Option<RegistryAddress<'_>> {
    let address = source.split("//").next().unwrap_or(source);
    let valid_part =
        |part: &str| !part.is_empty() && !part.contains(|c: char| c == '?' || c.is_whitespace());
    let parts: Vec<&str> = address.split('/').collect();
    if !parts.iter().all(|part| valid_part(part)) {
        return None;
    }
    match parts.len() {
        3 => Some(RegistryAddress {
            address,
            host: None,
            package: address,
        }),
        4 if parts[0].contains('.') || parts[0].contains(':') => Some(RegistryAddress {
            address,
            host: Some(parts[0]),
            package: &address[parts[0].len() + 1..],
        }),
        _ => None,
    }
}

/// Parses `rest`, the part of `source` after `prefix_length` bytes of `git::`.
fn git_source<'a>(source: &str, prefix_length: usize, rest: &'a str) -> ModuleSource<'a> {
    let (location, query) = match rest.find('?') {
        Some(index) => (&rest[..index], Some((index + 1, &rest[index + 1..]))),
        None => (rest, None),
    };
    let repository = without_subdirectory(location);
    let Some((host, path)) = host_and_path(repository) else {
        return ModuleSource::Unsupported;
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    if host.is_empty() || path.is_empty() {
        return ModuleSource::Unsupported;
    }
    let github = if host.eq_ignore_ascii_case("github.com") {
        let mut segments = path.split('/');
        match (segments.next(), segments.next()) {
            (Some(owner), Some(name)) if !owner.is_empty() && !name.is_empty() => {
                Some(format!("{owner}/{name}"))
            }
            _ => return ModuleSource::Unsupported,
        }
    } else {
        None
    };
    let url = if repository.contains("://") || is_scp_like(repository) {
        repository.to_owned()
    } else {
        format!("https://{repository}")
    };
    let reference = query.and_then(|(start, query)| {
        reference_in(query).map(|(value, range)| {
            let offset = prefix_length + start;
            (value, range.start + offset..range.end + offset)
        })
    });
    debug_assert!(
        reference
            .as_ref()
            .is_none_or(|(value, range)| source.get(range.clone()) == Some(*value))
    );
    ModuleSource::Git(GitSource {
        url,
        name: format!("{}/{path}", host.to_ascii_lowercase()),
        github,
        reference,
    })
}

/// The repository part of a git location: everything before a `//subdir` (the `//` of a
/// `scheme://` does not count).
fn without_subdirectory(location: &str) -> &str {
    let search_from = location.find("://").map_or(0, |index| index + 3);
    match location[search_from..].find("//") {
        Some(index) => &location[..search_from + index],
        None => location,
    }
}

/// `user@host:path`, git's scp-like syntax (no scheme, a colon before any slash).
fn is_scp_like(repository: &str) -> bool {
    match (repository.find(':'), repository.find('/')) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The host (no user, no port) and the path of a repository URL.
fn host_and_path(repository: &str) -> Option<(&str, &str)> {
    if let Some(index) = repository.find("://") {
        let rest = &repository[index + 3..];
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next().unwrap_or(authority);
        let host = host.split(':').next().unwrap_or(host);
        return Some((host, path));
    }
    if is_scp_like(repository) {
        let (authority, path) = repository.split_once(':')?;
        let host = authority.rsplit('@').next().unwrap_or(authority);
        return Some((host, path));
    }
    repository.split_once('/')
}

/// The first `ref=` parameter of a query string, with its byte range in the query.
fn reference_in(query: &str) -> Option<(&str, Range<usize>)> {
    let mut start = 0;
    for parameter in query.split('&') {
        if let Some(value) = parameter.strip_prefix("ref=") {
            let value_start = start + "ref=".len();
            return Some((value, value_start..value_start + value.len()));
        }
        start += parameter.len() + 1;
    }
    None
}

/// Whether a git ref looks like a commit hash rather than a tag: 40 hex digits, or an
/// abbreviated hash of 7 or more hex characters mixing letters and digits.
pub(super) fn is_commit_hash(reference: &str) -> bool {
    let length = reference.len();
    if !(7..=40).contains(&length) || !reference.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return false;
    }
    length == 40
        || (reference.bytes().any(|byte| byte.is_ascii_digit())
            && reference.bytes().any(|byte| byte.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(source: &str) -> GitSource<'_> {
        match classify(source) {
            ModuleSource::Git(git) => git,
            other => panic!("{source}: {other:?}"),
        }
    }

    #[test]
    fn local_paths_are_local() {
        for source in ["./modules/vpc", "../shared", ".", "/abs/path"] {
            assert_eq!(classify(source), ModuleSource::Local, "{source}");
        }
    }

    #[test]
    fn registry_addresses_drop_the_subdirectory_and_split_off_the_host() {
        let ModuleSource::Registry(plain) =
            classify("hashicorp/consul/aws//modules/consul-cluster")
        else {
            panic!()
        };
        assert_eq!(plain.address, "hashicorp/consul/aws");
        assert_eq!(plain.host, None);
        let ModuleSource::Registry(hosted) = classify("app.terraform.io/acme/network/aws") else {
            panic!()
        };
        assert_eq!(hosted.host, Some("app.terraform.io"));
        assert_eq!(hosted.package, "acme/network/aws");
        assert_eq!(hosted.address, "app.terraform.io/acme/network/aws");
    }

    #[test]
    fn github_sources_keep_owner_and_repository_and_locate_the_ref() {
        let source = "git::ssh://git@github.com/acme/infra-modules.git//vpc?depth=1&ref=v1.2.3";
        let parsed = git(source);
        assert_eq!(parsed.github.as_deref(), Some("acme/infra-modules"));
        assert_eq!(parsed.name, "github.com/acme/infra-modules");
        let (value, range) = parsed.reference.unwrap();
        assert_eq!(value, "v1.2.3");
        assert_eq!(&source[range], "v1.2.3");
        let shorthand = git("github.com/acme/repo?ref=v1.0.0");
        assert_eq!(shorthand.github.as_deref(), Some("acme/repo"));
        assert_eq!(shorthand.url, "https://github.com/acme/repo");
    }

    #[test]
    fn other_git_hosts_keep_the_url_without_subdirectory_or_query() {
        let parsed = git(
            "git::https://gitlab.example.com/platform/terraform/eks.git//modules/node?ref=2.4.0",
        );
        assert_eq!(parsed.github, None);
        assert_eq!(
            parsed.url,
            "https://gitlab.example.com/platform/terraform/eks.git"
        );
        assert_eq!(parsed.name, "gitlab.example.com/platform/terraform/eks");
        let scp = git("git@gitlab.com:acme/modules.git?ref=v3");
        assert_eq!(scp.url, "git@gitlab.com:acme/modules.git");
        assert_eq!(scp.name, "gitlab.com/acme/modules");
        assert_eq!(git("git::https://example.com/repo.git").reference, None);
    }

    #[test]
    fn archives_buckets_and_other_getters_are_unsupported() {
        for source in [
            "s3::https://s3-eu-west-1.amazonaws.com/acme-modules/vpc.zip",
            "gcs::https://www.googleapis.com/storage/v1/acme/modules.zip",
            "hg::http://example.com/vpc.hg",
            "https://example.com/vpc-module.zip",
            "hashicorp/consul",
            "a/b/c/d/e",
        ] {
            assert_eq!(classify(source), ModuleSource::Unsupported, "{source}");
        }
    }

    #[test]
    fn commit_hashes_are_told_apart_from_tags() {
        assert!(is_commit_hash("6c5e082b5d2fde77cb59c387a7f553dd2ed5da29"));
        assert!(is_commit_hash("8786f912"));
        assert!(!is_commit_hash("v1.2.3"));
        assert!(!is_commit_hash("1234567"));
        assert!(!is_commit_hash("deadbeef"));
    }
}
