//! `git ls-remote` output → releases, and git's error text → a failure kind; no I/O.
//!
//! Each output line is `<object id>\t<ref>`. An annotated tag appears twice: the tag
//! object itself, then `refs/tags/NAME^{}` with the commit it points to ("peeled").
//! The commit is what a dependency pins, so a release's digest is the peeled id when
//! there is one and the listed id otherwise (a lightweight tag points at the commit).

use std::collections::BTreeMap;

use crate::{Release, ReleaseResult};

/// Tags from `git ls-remote --tags` output, in git's (name) order.
pub(crate) fn parse_tags(output: &str) -> ReleaseResult {
    let mut order = Vec::new();
    let mut commits: BTreeMap<&str, (&str, Option<&str>)> = BTreeMap::new();
    for line in output.lines() {
        let Some((id, reference)) = line.split_once('\t') else {
            continue;
        };
        let Some(tag) = reference.trim().strip_prefix("refs/tags/") else {
            continue;
        };
        let id = id.trim();
        match tag.strip_suffix("^{}") {
            Some(tag) => {
                commits.entry(tag).or_insert((id, None)).1 = Some(id);
            }
            None => {
                if !commits.contains_key(tag) {
                    order.push(tag);
                }
                commits.entry(tag).or_insert((id, None)).0 = id;
            }
        }
    }
    let releases = order
        .into_iter()
        .filter_map(|tag| {
            let (id, peeled) = commits.get(tag)?;
            Some(Release {
                version: tag.to_owned(),
                digest: Some(peeled.unwrap_or(id).to_owned()),
                ..Release::default()
            })
        })
        .collect();
    ReleaseResult {
        releases,
        ..ReleaseResult::default()
    }
}

/// The first object id of `git ls-remote <url> HEAD` output.
pub(crate) fn parse_head(output: &str) -> Option<String> {
    output
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .find(|(_, reference)| reference.trim() == "HEAD")
        .map(|(id, _)| id.trim().to_owned())
}

/// What a failed `git ls-remote` means, read from its error output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// The repository does not exist (or, on hosts that hide private repositories,
    /// asks for credentials that a public lookup does not have).
    NotFound,
    /// The host could not be reached.
    Unreachable,
    /// Anything else: refused credentials, protocol errors.
    Other,
}

/// Classifies git's stderr. Git's messages are stable English text (the child runs
/// with `LC_ALL=C`).
pub(crate) fn classify(stderr: &str) -> FailureKind {
    let text = stderr.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|needle| text.contains(needle));
    if has(&[
        "could not resolve host",
        "failed to connect",
        "couldn't connect",
        "connection refused",
        "connection timed out",
        "network is unreachable",
        "no route to host",
        "could not resolve hostname",
    ]) {
        FailureKind::Unreachable
    } else if has(&[
        "does not appear to be a git repository",
        "repository not found",
        "not found",
        "terminal prompts disabled",
        "could not read username",
    ]) {
        FailureKind::NotFound
    } else {
        FailureKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
6a10fab3ad07f86ba61697f44b320c5c724fe30c\trefs/tags/v1.0.0
c0ace4810e3c08545cd3e74a1e5d3ff9ae428474\trefs/tags/v1.1.0
1111111111111111111111111111111111111111\trefs/tags/v1.1.0^{}
2222222222222222222222222222222222222222\trefs/heads/main
3333333333333333333333333333333333333333\trefs/pull/1/head
";

    #[test]
    fn lightweight_and_annotated_tags_resolve_to_commits() {
        let result = parse_tags(OUTPUT);
        let tags: Vec<(&str, Option<&str>)> = result
            .releases
            .iter()
            .map(|release| (release.version.as_str(), release.digest.as_deref()))
            .collect();
        assert_eq!(
            tags,
            [
                ("v1.0.0", Some("6a10fab3ad07f86ba61697f44b320c5c724fe30c")),
                ("v1.1.0", Some("1111111111111111111111111111111111111111")),
            ]
        );
        assert!(parse_tags("").releases.is_empty());
        assert!(parse_tags("garbage without tabs\n").releases.is_empty());
    }

    #[test]
    fn head_is_found() {
        let output = "abc\tHEAD\ndef\trefs/heads/main\n";
        assert_eq!(parse_head(output).as_deref(), Some("abc"));
        assert_eq!(parse_head(""), None);
    }

    #[test]
    fn error_text_is_classified() {
        let cases = [
            (
                "fatal: '/tmp/x.git' does not appear to be a git repository",
                FailureKind::NotFound,
            ),
            (
                "remote: Repository not found.\nfatal: repository 'https://github.com/a/b.git/' not found",
                FailureKind::NotFound,
            ),
            (
                "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
                FailureKind::NotFound,
            ),
            (
                "fatal: unable to access 'https://127.0.0.1:1/x.git/': Failed to connect to 127.0.0.1 port 1",
                FailureKind::Unreachable,
            ),
            (
                "fatal: unable to access 'https://nope.invalid/': Could not resolve host: nope.invalid",
                FailureKind::Unreachable,
            ),
            (
                "ssh: Could not resolve hostname nope: Name or service not known",
                FailureKind::Unreachable,
            ),
            (
                "git@host: Permission denied (publickey).",
                FailureKind::Other,
            ),
        ];
        for (stderr, expected) in cases {
            assert_eq!(classify(stderr), expected, "{stderr}");
        }
    }
}
