//! `autodiscoverFilter` as Renovate documents it: each entry is a glob (minimatch
//! style, matched case-insensitively, `*` stays within one path segment, `{a,b}`
//! alternatives, `!` negates) or a regex (`/re/`, `/re/i`, `!/re/` negates;
//! case-sensitive unless `i`). A repository is kept when **any** entry matches it —
//! the matches of the entries add up. No entries keep everything.

use globset::{GlobBuilder, GlobMatcher};
use regex::{Regex, RegexBuilder};

use crate::error::PlatformError;
use crate::types::RepoInfo;

#[derive(Debug, Clone)]
enum Matcher {
    Glob(GlobMatcher),
    Regex(Regex),
}

#[derive(Debug, Clone)]
struct Pattern {
    matcher: Matcher,
    negated: bool,
}

impl Pattern {
    fn parse(text: &str) -> Result<Pattern, PlatformError> {
        let invalid = |e: String| {
            PlatformError::Config(format!("autodiscoverFilter `{text}` is invalid: {e}"))
        };
        let (negated, body) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let regex = body.strip_prefix('/').and_then(|r| {
            r.strip_suffix("/i")
                .map(|re| (re, true))
                .or_else(|| r.strip_suffix('/').map(|re| (re, false)))
        });
        let matcher = match regex {
            Some((re, case_insensitive)) => Matcher::Regex(
                RegexBuilder::new(re)
                    .case_insensitive(case_insensitive)
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            ),
            None => Matcher::Glob(
                GlobBuilder::new(body)
                    .case_insensitive(true)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| invalid(e.to_string()))?
                    .compile_matcher(),
            ),
        };
        Ok(Pattern { matcher, negated })
    }

    fn matches(&self, name: &str) -> bool {
        let hit = match &self.matcher {
            Matcher::Glob(g) => g.is_match(name),
            Matcher::Regex(r) => r.is_match(name),
        };
        hit != self.negated
    }
}

/// A parsed `autodiscoverFilter`.
#[derive(Debug, Clone, Default)]
pub struct AutodiscoverFilter {
    patterns: Vec<Pattern>,
}

impl AutodiscoverFilter {
    /// Parses the entries; an invalid glob or regex is a configuration error naming it.
    pub fn new<S: AsRef<str>>(entries: &[S]) -> Result<AutodiscoverFilter, PlatformError> {
        let patterns = entries
            .iter()
            .map(|e| Pattern::parse(e.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(AutodiscoverFilter { patterns })
    }

    /// Whether `full_name` (`owner/repo`) is kept.
    pub fn matches(&self, full_name: &str) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(full_name))
    }
}

/// The repositories `entries` keep, in their order.
pub fn autodiscover_filter<S: AsRef<str>>(
    repos: Vec<RepoInfo>,
    entries: &[S],
) -> Result<Vec<RepoInfo>, PlatformError> {
    let filter = AutodiscoverFilter::new(entries)?;
    Ok(repos
        .into_iter()
        .filter(|r| filter.matches(&r.full_name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(entries: &[&str], name: &str) -> bool {
        AutodiscoverFilter::new(entries).unwrap().matches(name)
    }

    #[test]
    fn globs_match_case_insensitively_within_one_segment() {
        assert!(keeps(&["acme/*"], "acme/app"));
        assert!(keeps(&["acme/*"], "ACME/App"));
        assert!(!keeps(&["acme/*"], "other/app"));
        assert!(!keeps(&["*"], "acme/app"), "`*` does not cross `/`");
        assert!(keeps(&["**"], "acme/app"));
        assert!(keeps(&["acme/{app,lib}"], "acme/lib"));
        assert!(!keeps(&["acme/{app,lib}"], "acme/web"));
        assert!(keeps(&["acme/*-service"], "acme/billing-service"));
    }

    #[test]
    fn regexes_are_case_sensitive_unless_flagged() {
        assert!(keeps(&["/^acme/(app|lib)$/"], "acme/lib"));
        assert!(!keeps(&["/^acme/(app|lib)$/"], "ACME/lib"));
        assert!(keeps(&["/^acme/(app|lib)$/i"], "ACME/lib"));
    }

    #[test]
    fn negations_keep_what_they_do_not_match() {
        assert!(!keeps(&["!/-archive$/"], "acme/old-archive"));
        assert!(keeps(&["!/-archive$/"], "acme/app"));
        assert!(!keeps(&["!acme/*"], "acme/app"));
        assert!(keeps(&["!acme/*"], "other/app"));
    }

    #[test]
    fn entries_add_up_and_none_keeps_everything() {
        assert!(keeps(&["acme/app", "other/*"], "other/x"));
        assert!(keeps(&["acme/app", "other/*"], "acme/app"));
        assert!(!keeps(&["acme/app", "other/*"], "acme/lib"));
        assert!(keeps(&[], "anything/at-all"));
    }

    #[test]
    fn an_invalid_pattern_is_a_config_error_naming_it() {
        let err = AutodiscoverFilter::new(&["/a(b/"]).unwrap_err().to_string();
        assert!(err.contains("/a(b/"), "{err}");
        let err = AutodiscoverFilter::new(&["acme/[x"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("acme/[x"), "{err}");
    }
}
