//! Git and GitHub dependency values: `github:o/r#v1.2.3`, the `o/r#ref` shorthand,
//! `git+https://…#tag`, `git+ssh://…`, `git@host:o/r.git`, `gitlab:`/`bitbucket:`.
//!
//! As in Renovate, a GitHub reference whose ref is a version tag becomes a `github-tags`
//! dependency on `owner/repo` whose `currentValue` is the tag, so an update rewrites only
//! the tag. `#semver:<range>` is treated the same way with the range as the value (npm
//! resolves it against the repository's tags). Other git hosts use `git-tags` with the
//! repository URL as the package name. A commit hash is recorded as `currentDigest` and a
//! branch (or no ref) is kept as written; both are skipped, since moving them is not a
//! version update.

use upkeep_types::{Datasource, SkipReason};

use crate::npm::spec::Spec;

/// Hosts npm (hosted-git-info) recognises in plain `https://` URLs and shorthands.
const HOSTS: &[(&str, &str)] = &[
    ("github", "github.com"),
    ("gitlab", "gitlab.com"),
    ("bitbucket", "bitbucket.org"),
];

/// Classifies `value` if it is a git reference; `None` when it is not one.
pub(crate) fn classify(value: &str) -> Option<Spec> {
    let (location, reference) = match value.split_once('#') {
        Some((location, reference)) => (location, Some(reference)),
        None => (value, None),
    };
    let repository = repository(location)?;
    let reference_offset = location.len() + 1;
    let (datasource, package_name, unversioned) = match repository {
        Repository::GitHub(owner_repo) => (
            Datasource::GithubTags,
            owner_repo,
            SkipReason::GithubDependency,
        ),
        Repository::Other(url) => (Datasource::GitTags, url, SkipReason::GitDependency),
        Repository::Invalid => return Some(skipped(SkipReason::InvalidValue)),
    };
    let mut spec = Spec {
        datasource: Some(datasource),
        package_name: Some(package_name),
        ..Spec::default()
    };
    match reference.map(classify_reference) {
        Some(Reference::Version) => {
            spec.value = Some((reference_offset, reference.unwrap_or_default().len()));
        }
        Some(Reference::Range(range_offset)) => {
            let len = reference.unwrap_or_default().len() - range_offset;
            spec.value = Some((reference_offset + range_offset, len));
        }
        Some(Reference::Commit) => {
            spec.digest = Some((reference_offset, reference.unwrap_or_default().len()));
            spec.skip_reason = Some(unversioned);
        }
        Some(Reference::Other) | None => spec.skip_reason = Some(unversioned),
    }
    Some(spec)
}

fn skipped(reason: SkipReason) -> Spec {
    Spec {
        skip_reason: Some(reason),
        ..Spec::default()
    }
}

enum Repository {
    /// `owner/repo` on GitHub.
    GitHub(String),
    /// Any other git repository, as a URL `git ls-remote` accepts.
    Other(String),
    /// Looks like a git reference but names no valid repository.
    Invalid,
}

/// The repository a git value points at, or `None` when `location` is not git at all.
fn repository(location: &str) -> Option<Repository> {
    for (prefix, host) in HOSTS {
        if let Some(path) = location
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(':'))
        {
            return Some(hosted(host, path));
        }
    }
    for scheme in [
        "git+https://",
        "git+http://",
        "git+ssh://",
        "git://",
        "ssh://",
    ] {
        if let Some(rest) = location.strip_prefix(scheme) {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host_port = authority.rsplit('@').next().unwrap_or(authority);
            return Some(match host_port.split_once(':') {
                // `git+ssh://git@github.com:owner/repo.git`: scp syntax inside a URL.
                Some((host, owner)) if !owner.bytes().all(|b| b.is_ascii_digit()) => {
                    from_url(location, host, &format!("{owner}/{path}"))
                }
                Some((host, _port)) => from_url(location, host, path),
                None => from_url(location, host_port, path),
            });
        }
    }
    for scheme in ["https://", "http://"] {
        if let Some(rest) = location.strip_prefix(scheme) {
            let (host, path) = rest.split_once('/')?;
            // Plain web URLs are git only on the hosts npm knows, and only when they name
            // a repository; anything else (an archive download) is a tarball URL.
            let is_repository = path.trim_end_matches('/').matches('/').count() == 1;
            return (is_repository && HOSTS.iter().any(|(_, known)| *known == host))
                .then(|| from_url(location, host, path));
        }
    }
    if let Some(rest) = location.strip_prefix("git@") {
        let (host, path) = rest.split_once(':')?;
        return Some(from_url(location, host, path));
    }
    shorthand(location)
}

/// `owner/repo`, npm's GitHub shorthand: one slash, not a scope or a path.
fn shorthand(location: &str) -> Option<Repository> {
    if location.starts_with(['@', '.', '/', '~']) || location.contains(':') {
        return None;
    }
    let (owner, repo) = location.split_once('/')?;
    if repo.contains('/') || !is_github_owner(owner) || !is_repo_name(repo) {
        return Some(Repository::Invalid);
    }
    Some(Repository::GitHub(format!("{owner}/{}", strip_git(repo))))
}

fn hosted(host: &str, path: &str) -> Repository {
    match path.split_once('/') {
        Some((owner, repo)) if !owner.is_empty() && is_repo_name(repo) => {
            if host == "github.com" {
                Repository::GitHub(format!("{owner}/{}", strip_git(repo)))
            } else {
                Repository::Other(format!("https://{host}/{owner}/{}.git", strip_git(repo)))
            }
        }
        _ => Repository::Invalid,
    }
}

fn from_url(location: &str, host: &str, path: &str) -> Repository {
    if host.eq_ignore_ascii_case("github.com") {
        return match path.trim_end_matches('/').split_once('/') {
            Some((owner, repo)) if is_github_owner(owner) && is_repo_name(repo) => {
                Repository::GitHub(format!("{owner}/{}", strip_git(repo)))
            }
            _ => Repository::Invalid,
        };
    }
    if host.is_empty() {
        return Repository::Invalid;
    }
    let url = location.strip_prefix("git+").unwrap_or(location);
    Repository::Other(url.to_owned())
}

fn strip_git(repo: &str) -> &str {
    repo.strip_suffix(".git").unwrap_or(repo)
}

/// GitHub's rule for user and organisation names.
fn is_github_owner(owner: &str) -> bool {
    !owner.is_empty()
        && owner.len() <= 39
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--")
        && owner
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

fn is_repo_name(repo: &str) -> bool {
    !repo.is_empty()
        && repo
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
}

enum Reference {
    /// A version tag (`v1.2.3`, `1.2.3`).
    Version,
    /// `semver:<range>`, with the offset of the range.
    Range(usize),
    /// A commit hash (7 to 40 hex digits).
    Commit,
    /// A branch or anything else.
    Other,
}

fn classify_reference(reference: &str) -> Reference {
    if reference.contains("::") {
        return Reference::Other;
    }
    if let Some(range) = reference.strip_prefix("semver:") {
        return if range.is_empty() {
            Reference::Other
        } else {
            Reference::Range("semver:".len())
        };
    }
    if (7..=40).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Reference::Commit;
    }
    let version = reference.strip_prefix(['v', 'V']).unwrap_or(reference);
    if version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
    {
        return Reference::Version;
    }
    Reference::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        value: &str,
    ) -> (
        Option<Datasource>,
        Option<String>,
        Option<&str>,
        Option<&str>,
    ) {
        let spec = classify(value).unwrap();
        let slice = |range: Option<(usize, usize)>| range.map(|(o, l)| &value[o..o + l]);
        (
            spec.datasource,
            spec.package_name,
            slice(spec.value),
            slice(spec.digest),
        )
    }

    #[test]
    fn github_version_tags_become_github_tags_dependencies() {
        for value in [
            "github:sindresorhus/got#v11.8.6",
            "sindresorhus/got#v11.8.6",
            "git+https://github.com/sindresorhus/got.git#v11.8.6",
            "git+ssh://git@github.com/sindresorhus/got.git#v11.8.6",
            "git@github.com:sindresorhus/got.git#v11.8.6",
            "git+ssh://git@github.com:sindresorhus/got.git#v11.8.6",
            "https://github.com/sindresorhus/got#v11.8.6",
        ] {
            assert_eq!(
                parts(value),
                (
                    Some(Datasource::GithubTags),
                    Some("sindresorhus/got".to_owned()),
                    Some("v11.8.6"),
                    None
                ),
                "{value}"
            );
            assert_eq!(classify(value).unwrap().skip_reason, None);
        }
    }

    #[test]
    fn semver_references_expose_only_the_range() {
        let (_, name, value, _) = parts("github:o/r#semver:^1.0.0");
        assert_eq!((name.as_deref(), value), (Some("o/r"), Some("^1.0.0")));
    }

    #[test]
    fn commits_are_digests_and_branches_are_skipped() {
        let spec = classify("o/r#0123456789abcdef0123456789abcdef01234567").unwrap();
        assert_eq!(spec.skip_reason, Some(SkipReason::GithubDependency));
        assert!(spec.digest.is_some() && spec.value.is_none());
        for value in ["o/r#main", "o/r", "github:o/r"] {
            assert_eq!(
                classify(value).unwrap().skip_reason,
                Some(SkipReason::GithubDependency)
            );
        }
    }

    #[test]
    fn other_hosts_use_git_tags_with_the_repository_url() {
        let (datasource, name, value, _) = parts("git+https://gitlab.com/group/lib.git#v2.0.0");
        assert_eq!(datasource, Some(Datasource::GitTags));
        assert_eq!(name.as_deref(), Some("https://gitlab.com/group/lib.git"));
        assert_eq!(value, Some("v2.0.0"));
        let (_, name, _, _) = parts("gitlab:group/lib#v2.0.0");
        assert_eq!(name.as_deref(), Some("https://gitlab.com/group/lib.git"));
        assert_eq!(
            classify("git+ssh://git@example.com/lib.git#develop")
                .unwrap()
                .skip_reason,
            Some(SkipReason::GitDependency)
        );
    }

    #[test]
    fn values_that_are_not_git_are_left_alone() {
        for value in [
            "^1.0.0",
            "@scope/pkg",
            "./lib",
            "https://example.com/a.tgz",
            "https://github.com/o/r/archive/v1.0.0.tar.gz",
            "file:a/b",
        ] {
            assert!(classify(value).is_none(), "{value}");
        }
        assert!(matches!(
            classify("not an/owner").map(|s| s.skip_reason),
            Some(Some(SkipReason::InvalidValue))
        ));
    }
}
