//! Reading a remote's refs without a clone: `git ls-remote`.
//!
//! This is what the `git-tags` datasource and the branch listing of a repository use.
//! An annotated tag is listed twice by git — the tag object and, with `^{}`, the commit
//! it points to; the commit wins, so every tag maps to a commit whether it is
//! lightweight or annotated.

use std::collections::BTreeMap;

use crate::error::GitError;
use crate::redact::redact_url;
use crate::runner::{Git, Invocation};

/// A ref name (without `refs/tags/` or `refs/heads/`) and the commit it points to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct RemoteRef {
    /// The short name: `v1.2.3`, `upkeep/serde-1.x`.
    pub name: String,
    /// The commit id (for annotated tags, the peeled commit, not the tag object).
    pub commit: String,
}

impl Git {
    /// Every tag of the remote at `url`, each resolved to its commit, sorted by name.
    pub fn ls_remote_tags(&self, url: &str) -> Result<Vec<RemoteRef>, GitError> {
        let output = self.ls_remote(url, "--tags", None)?;
        Ok(parse_ls_remote(&output, "refs/tags/"))
    }

    /// The branches of the remote at `url` whose names start with `prefix` (empty for
    /// all), with their head commits, sorted by name.
    pub fn ls_remote_heads(&self, url: &str, prefix: &str) -> Result<Vec<RemoteRef>, GitError> {
        let pattern = format!("refs/heads/{prefix}*");
        let output = self.ls_remote(url, "--heads", Some(&pattern))?;
        let mut heads = parse_ls_remote(&output, "refs/heads/");
        // ls-remote patterns match the end of a ref name; keep only real prefixes.
        heads.retain(|head| head.name.starts_with(prefix));
        Ok(heads)
    }

    fn ls_remote(&self, url: &str, kind: &str, pattern: Option<&str>) -> Result<String, GitError> {
        let repository = redact_url(url);
        let mut args = vec!["ls-remote", kind, "--", url];
        args.extend(pattern);
        let output = self.run(Invocation::new(None, &repository, args).network())?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// Parses `git ls-remote` output, keeping refs under `namespace` and preferring the
/// peeled (`^{}`) line of annotated tags.
pub fn parse_ls_remote(output: &str, namespace: &str) -> Vec<RemoteRef> {
    let mut refs: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for line in output.lines() {
        let Some((commit, name)) = line.split_once('\t') else {
            continue;
        };
        let Some(short) = name.strip_prefix(namespace) else {
            continue;
        };
        let (short, peeled) = match short.strip_suffix("^{}") {
            Some(tag) => (tag, true),
            None => (short, false),
        };
        let entry = refs
            .entry(short.to_owned())
            .or_insert((commit.to_owned(), peeled));
        if peeled {
            *entry = (commit.to_owned(), true);
        }
    }
    refs.into_iter()
        .map(|(name, (commit, _))| RemoteRef { name, commit })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotated_tags_resolve_to_their_commit() {
        let output = "\
1111111111111111111111111111111111111111\trefs/tags/v1.0.0
2222222222222222222222222222222222222222\trefs/tags/v2.0.0
3333333333333333333333333333333333333333\trefs/tags/v2.0.0^{}
";
        assert_eq!(
            parse_ls_remote(output, "refs/tags/"),
            vec![
                RemoteRef {
                    name: "v1.0.0".into(),
                    commit: "1111111111111111111111111111111111111111".into()
                },
                RemoteRef {
                    name: "v2.0.0".into(),
                    commit: "3333333333333333333333333333333333333333".into()
                },
            ]
        );
    }

    #[test]
    fn peeled_line_wins_in_any_order() {
        let output = "c\trefs/tags/v1^{}\nt\trefs/tags/v1\n";
        assert_eq!(parse_ls_remote(output, "refs/tags/")[0].commit, "c");
    }

    #[test]
    fn other_namespaces_are_ignored() {
        let output = "a\tHEAD\nb\trefs/heads/main\nc\trefs/pull/1/head\n";
        let heads = parse_ls_remote(output, "refs/heads/");
        assert_eq!(heads.len(), 1);
        assert_eq!(heads[0].name, "main");
    }
}
