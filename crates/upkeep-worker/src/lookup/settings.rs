//! [`LookupSettings`]: the options that steer one dependency's lookup, with Renovate's
//! names, meanings and defaults.
//!
//! The config crate will compute one of these per dependency (repository config, then
//! `packageRules` in order); until it lands, the command builds one for every dependency.
//! Values are parsed here, at the edge: an `allowedVersions` regular expression is
//! compiled once, `minimumReleaseAge` is a duration, not text.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Span, SpanRelativeTo};
use regex::Regex;
use upkeep_versioning::RangeStrategy;

/// The lookup options of one dependency.
///
/// Each field is the Renovate option of the same name
/// (<https://docs.renovatebot.com/configuration-options/>); [`Default`] gives Renovate's
/// defaults.
#[derive(Debug, Clone)]
pub struct LookupSettings {
    /// `enabled`: `false` skips the dependency (`skipReason: disabled`).
    pub enabled: bool,
    /// `ignoreUnstable` (default `true`): never propose a prerelease, unless the current
    /// version is itself one — then only prereleases of the same `major.minor.patch`.
    pub ignore_unstable: bool,
    /// `ignoreDeprecated` (default `true`): never propose a deprecated release unless the
    /// current one is deprecated too.
    pub ignore_deprecated: bool,
    /// `respectLatest` (default `true`): never propose a version past the registry's
    /// `latest` tag unless the current version is already past it.
    pub respect_latest: bool,
    /// `allowedVersions`: a range in the dependency's versioning, or a `/regex/`
    /// (negated with a leading `!`).
    pub allowed_versions: Option<AllowedVersions>,
    /// `minimumReleaseAge`: releases younger than this are held back.
    pub minimum_release_age: Option<SignedDuration>,
    /// `rangeStrategy` (default `auto`, resolved per manager).
    pub range_strategy: RangeStrategy,
    /// `separateMajorMinor` (default `true`): majors apart from the rest.
    pub separate_major_minor: bool,
    /// `separateMultipleMajor` (default `false`): one update per new major.
    pub separate_multiple_major: bool,
    /// `separateMinorPatch` (default `false`): patches apart from minors.
    pub separate_minor_patch: bool,
    /// `followTag`: follow this registry tag (npm dist-tag) instead of the newest version.
    pub follow_tag: Option<String>,
    /// `pinDigests` (default `false`): add the digest to references that have none.
    pub pin_digests: bool,
    /// `versioning`: overrides the manager's (and the dependency's) version scheme.
    pub versioning: Option<String>,
    /// `registryUrls`: overrides the registries the dependency names.
    pub registry_urls: Option<Vec<String>>,
    /// `vulnerabilityFixStrategy` (default `lowest`): a vulnerability fix moves to the
    /// lowest unaffected release, or with `highest` to the highest one.
    pub vulnerability_fix_highest: bool,
}

impl Default for LookupSettings {
    fn default() -> Self {
        LookupSettings {
            enabled: true,
            ignore_unstable: true,
            ignore_deprecated: true,
            respect_latest: true,
            allowed_versions: None,
            minimum_release_age: None,
            range_strategy: RangeStrategy::Auto,
            separate_major_minor: true,
            separate_multiple_major: false,
            separate_minor_patch: false,
            follow_tag: None,
            pin_digests: false,
            versioning: None,
            registry_urls: None,
            vulnerability_fix_highest: false,
        }
    }
}

/// Renovate's `allowedVersions`: a range in the dependency's versioning (`<2.0`,
/// `~> 4.0`), or a regular expression between slashes (`/^1\./`, `!/-rc/`).
#[derive(Debug, Clone)]
pub enum AllowedVersions {
    /// A range, parsed in the dependency's versioning when it is used.
    Range(String),
    /// A regular expression that versions must (or, negated, must not) match.
    Regex {
        /// The compiled expression.
        regex: Regex,
        /// `!/…/`: versions must not match.
        negated: bool,
    },
}

impl AllowedVersions {
    /// The value as the user wrote it.
    pub fn as_text(&self) -> String {
        match self {
            AllowedVersions::Range(range) => range.clone(),
            AllowedVersions::Regex { regex, negated } => {
                format!("{}/{}/", if *negated { "!" } else { "" }, regex.as_str())
            }
        }
    }
}

/// Why a setting's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {option} `{value}`: {reason}")]
pub struct SettingError {
    /// The option (`allowedVersions`, `minimumReleaseAge`).
    pub option: &'static str,
    /// The value given.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for AllowedVersions {
    type Err = SettingError;

    /// `/regex/` or `/regex/i`, `!/regex/`; anything else is a range.
    fn from_str(text: &str) -> Result<Self, SettingError> {
        let error = |reason: String| SettingError {
            option: "allowedVersions",
            value: text.to_owned(),
            reason,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(error("it is empty".to_owned()));
        }
        let (negated, rest) = match trimmed.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let Some(body) = rest.strip_prefix('/') else {
            if negated {
                return Err(error("only a `/regex/` can be negated".to_owned()));
            }
            return Ok(AllowedVersions::Range(trimmed.to_owned()));
        };
        let Some(end) = body.rfind('/') else {
            return Err(error("a regular expression must end with `/`".to_owned()));
        };
        let (pattern, flags) = (&body[..end], &body[end + 1..]);
        let pattern = match flags {
            "" => pattern.to_owned(),
            "i" => format!("(?i){pattern}"),
            other => return Err(error(format!("unsupported flags `{other}`"))),
        };
        let regex = Regex::new(&pattern).map_err(|source| error(source.to_string()))?;
        Ok(AllowedVersions::Regex { regex, negated })
    }
}

impl fmt::Display for AllowedVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

/// Parses a Renovate duration such as `3 days`, `1 week`, `12 hours`, `90 minutes`
/// (`minimumReleaseAge`); a day is 24 hours.
pub fn parse_age(text: &str) -> Result<SignedDuration, SettingError> {
    let error = |reason: String| SettingError {
        option: "minimumReleaseAge",
        value: text.to_owned(),
        reason,
    };
    let span: Span = text
        .trim()
        .parse()
        .map_err(|e: jiff::Error| error(e.to_string()))?;
    let duration = span
        .to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|e| error(e.to_string()))?;
    if duration.is_negative() {
        return Err(error("a release age cannot be negative".to_owned()));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_versions_tells_regexes_from_ranges() {
        assert!(matches!("<2.0".parse(), Ok(AllowedVersions::Range(r)) if r == "<2.0"));
        let Ok(AllowedVersions::Regex { regex, negated }) = "!/-RC/i".parse() else {
            panic!("a negated regex with flags");
        };
        assert!(negated && regex.is_match("1.0.0-rc.1"));
        assert!("/^1\\./".parse::<AllowedVersions>().is_ok());
        for bad in ["", "/unterminated", "!<2", "/(/", "/x/g"] {
            assert!(bad.parse::<AllowedVersions>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ages_read_renovate_style_durations() {
        assert_eq!(parse_age("3 days").unwrap(), SignedDuration::from_hours(72));
        assert_eq!(
            parse_age("1 week").unwrap(),
            SignedDuration::from_hours(168)
        );
        assert_eq!(
            parse_age("12 hours").unwrap(),
            SignedDuration::from_hours(12)
        );
        assert_eq!(
            parse_age("90 minutes").unwrap(),
            SignedDuration::from_mins(90)
        );
        assert!(parse_age("soon").is_err());
    }
}
