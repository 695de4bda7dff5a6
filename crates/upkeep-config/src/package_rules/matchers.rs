//! The string patterns of packageRules matchers, compiled once.
//!
//! Renovate's rules, re-stated: a pattern is `/regex/flags`, a glob (`@angular/*`,
//! minimatch-style: `*` stops at `/`, `**` crosses it), the match-all `*`, or an exact
//! string; any of them may be negated with a leading `!`. In a list, at least one
//! positive pattern must match (when there are any) and no negative one may.
//! Names compare case-insensitively (globs and exact strings), paths case-sensitively;
//! a regex is case-sensitive unless it has the `i` flag.

use std::fmt;

use globset::{GlobBuilder, GlobMatcher};
use regex::{Regex, RegexBuilder};
use serde::{Serialize, Serializer};

/// One compiled pattern.
#[derive(Clone)]
enum Pattern {
    All,
    Exact(String, bool),
    Glob(GlobMatcher),
    Regex(Regex),
}

impl Pattern {
    fn matches(&self, input: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Exact(exact, true) => {
                exact.eq_ignore_ascii_case(input) || exact.to_lowercase() == input.to_lowercase()
            }
            Pattern::Exact(exact, false) => exact == input,
            Pattern::Glob(glob) => glob.is_match(input),
            Pattern::Regex(regex) => regex.is_match(input),
        }
    }
}

/// Parses `/body/flags` into a regex; `None` when the text is not in regex form.
pub fn parse_regex(text: &str) -> Option<Result<Regex, String>> {
    let rest = text.strip_prefix('/')?;
    let end = rest.rfind('/')?;
    let (body, flags) = (&rest[..end], &rest[end + 1..]);
    if !flags.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut builder = RegexBuilder::new(body);
    for flag in flags.chars() {
        match flag {
            'i' => builder.case_insensitive(true),
            'm' => builder.multi_line(true),
            's' => builder.dot_matches_new_line(true),
            'u' | 'g' | 'y' | 'd' | 'v' => &mut builder,
            other => return Some(Err(format!("unknown regex flag `{other}` in `{text}`"))),
        };
    }
    Some(
        builder
            .build()
            .map_err(|error| format!("invalid regex `{text}`: {}", first_line(&error.to_string()))),
    )
}

/// The useful last line of a regex error, without its `error: ` prefix.
pub(crate) fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

fn is_glob(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

fn compile(text: &str, case_insensitive: bool) -> Result<Pattern, String> {
    if text == "*" || text == "**" {
        return Ok(Pattern::All);
    }
    if let Some(regex) = parse_regex(text) {
        return regex.map(Pattern::Regex);
    }
    if is_glob(text) {
        return GlobBuilder::new(text)
            .case_insensitive(case_insensitive)
            .literal_separator(true)
            .build()
            .map(|glob| Pattern::Glob(glob.compile_matcher()))
            .map_err(|error| format!("invalid glob `{text}`: {}", error.kind()));
    }
    Ok(Pattern::Exact(text.to_string(), case_insensitive))
}

/// A compiled list of patterns with Renovate's list semantics.
#[derive(Clone)]
pub struct PatternList {
    sources: Vec<String>,
    positive: Vec<Pattern>,
    negative: Vec<Pattern>,
}

impl PatternList {
    /// Compiles names patterns (case-insensitive globs and exact strings). The error names
    /// the index of the bad pattern.
    pub fn names(patterns: &[String]) -> Result<PatternList, (usize, String)> {
        PatternList::compile(patterns, true)
    }

    /// Compiles path patterns (case-sensitive).
    pub fn paths(patterns: &[String]) -> Result<PatternList, (usize, String)> {
        PatternList::compile(patterns, false)
    }

    fn compile(
        patterns: &[String],
        case_insensitive: bool,
    ) -> Result<PatternList, (usize, String)> {
        let mut list = PatternList {
            sources: patterns.to_vec(),
            positive: Vec::new(),
            negative: Vec::new(),
        };
        for (index, text) in patterns.iter().enumerate() {
            let (negated, body) = match text.strip_prefix('!') {
                Some(body) => (true, body),
                None => (false, text.as_str()),
            };
            let pattern = compile(body, case_insensitive).map_err(|message| (index, message))?;
            if negated {
                list.negative.push(pattern)
            } else {
                list.positive.push(pattern)
            }
        }
        Ok(list)
    }

    /// Whether `input` matches: some positive pattern (if any) and no negative one.
    pub fn matches(&self, input: &str) -> bool {
        (self.positive.is_empty() || self.positive.iter().any(|p| p.matches(input)))
            && !self.negative.iter().any(|p| p.matches(input))
    }

    /// The patterns as written.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
}

impl fmt::Debug for PatternList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PatternList").field(&self.sources).finish()
    }
}

impl PartialEq for PatternList {
    fn eq(&self, other: &PatternList) -> bool {
        self.sources == other.sources
    }
}

impl Serialize for PatternList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.sources.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(patterns: &[&str]) -> PatternList {
        PatternList::names(&patterns.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn exact_glob_regex_and_negation() {
        let table: &[(&[&str], &str, bool)] = &[
            (&["react"], "react", true),
            (&["react"], "React", true),
            (&["react"], "react-dom", false),
            (&["@angular/*"], "@angular/core", true),
            (&["@angular/*"], "@angular/core/testing", false),
            (&["@angular/**"], "@angular/core/testing", true),
            (&["*"], "@scope/anything", true),
            (&["/^eslint/"], "eslint-plugin-react", true),
            (&["/^ESLINT/"], "eslint", false),
            (&["/^ESLINT/i"], "eslint", true),
            (&["!react"], "vue", true),
            (&["!react"], "react", false),
            (&["*", "!/^@types//"], "@types/node", false),
            (&["*", "!/^@types//"], "lodash", true),
            (&["a", "b"], "b", true),
            (
                &["/^@aws-sdk\\//", "!@aws-sdk/client-s3"],
                "@aws-sdk/client-s3",
                false,
            ),
            (
                &["/^@aws-sdk\\//", "!@aws-sdk/client-s3"],
                "@aws-sdk/client-sqs",
                true,
            ),
        ];
        for (patterns, input, expected) in table {
            assert_eq!(
                names(patterns).matches(input),
                *expected,
                "{patterns:?} vs {input}"
            );
        }
    }

    #[test]
    fn bad_patterns_name_their_index() {
        let error = PatternList::names(&["ok".into(), "/(unclosed/".into()]).unwrap_err();
        assert_eq!(error.0, 1);
        assert!(
            error.1.starts_with("invalid regex `/(unclosed/`"),
            "{}",
            error.1
        );
        assert!(
            PatternList::names(&["/a/q".into()])
                .unwrap_err()
                .1
                .contains("flag")
        );
    }

    #[test]
    fn paths_are_case_sensitive() {
        let list = PatternList::paths(&["apps/**/package.json".into()]).unwrap();
        assert!(list.matches("apps/web/package.json"));
        assert!(!list.matches("Apps/web/package.json"));
    }
}
