//! `docker`: image tags as versions.
//!
//! A tag is a version when it starts with release numbers (`1`, `1.2`, `1.2.3`,
//! `1.2.3.4`, optionally `v1.2`), optionally followed by a prerelease (`-rc1`,
//! `-beta.2`, or glued on as in Python's `3.13.0rc2`) and by a suffix (`-alpine3.20`,
//! `-slim-bookworm`). Anything else — `latest`, `stable`, `alpine`, digests such as
//! `sha256:…` — is not a version; whether to follow such a tag is the lookup's business.
//!
//! The suffix is a compatibility family and is never changed: `18-alpine3.19` is
//! compatible with `20-alpine3.19` but not with `20-alpine3.20` (the suffix must match
//! exactly, digits included). Moving to another Alpine or Debian release is a change of
//! base distribution, which a user asks for explicitly, not an upgrade. Precision is
//! part of the family too: a tag written `18` moves to `20`, never to `20.11.1`. Docker
//! has no ranges, so a value "matches" only its own version.

use crate::version::{Identifier, MAX_RELEASE_PARTS, Version, parse_number};
use crate::{NewValueRequest, Range, RangeStrategy, Versioning};

/// Docker image tags.
#[derive(Debug, Clone, Copy)]
pub struct DockerVersioning;

/// Words that make a tag's first suffix segment a prerelease (`rc1`, `beta`, `alpha.2`).
const PRERELEASE_WORDS: [&str; 10] = [
    "alpha", "beta", "rc", "pre", "preview", "dev", "snapshot", "canary", "nightly", "ea",
];

/// Splits a prerelease word into identifiers at letter/digit boundaries, so `rc10`
/// sorts after `rc9`. `None` if `text` is not prerelease-like.
fn parse_prerelease_word(text: &str) -> Option<Vec<Identifier>> {
    let lower = text.to_ascii_lowercase();
    let word_len = lower.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (word, rest) = lower.split_at(word_len);
    // Python-style `a1`/`b2` only with digits; the long words may stand alone.
    let known = PRERELEASE_WORDS.contains(&word) || (matches!(word, "a" | "b") && !rest.is_empty());
    if !known || !rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let mut identifiers = vec![Identifier::Alphanumeric(word.to_owned())];
    for number in rest.split('.').filter(|n| !n.is_empty()) {
        identifiers.push(Identifier::Numeric(parse_number(number, false)?));
    }
    Some(identifiers)
}

/// Parses a tag into a [`Version`]; `None` for non-version tags and digests.
fn parse_tag(text: &str) -> Option<Version> {
    if text.is_empty() || text.len() > 128 || text.contains([':', '@', '/']) {
        return None;
    }
    let (v_prefix, rest) = match text.strip_prefix('v') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => (true, rest),
        _ => (false, text),
    };
    let release_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (release_text, mut remainder) = rest.split_at(release_end);
    let mut numbers = Vec::with_capacity(MAX_RELEASE_PARTS);
    for part in release_text.split('.') {
        numbers.push(parse_number(part, false)?);
    }
    if numbers.len() > MAX_RELEASE_PARTS {
        return None;
    }
    let mut prerelease = Vec::new();
    if !remainder.is_empty() && !remainder.starts_with('-') {
        // A prerelease glued to the numbers: `3.13.0rc2`, `1.0beta`.
        let glued_end = remainder.find('-').unwrap_or(remainder.len());
        prerelease = parse_prerelease_word(&remainder[..glued_end])?;
        remainder = &remainder[glued_end..];
    }
    let mut suffix = "";
    if let Some(segments) = remainder.strip_prefix('-') {
        if segments.is_empty() || segments.split('-').any(str::is_empty) {
            return None;
        }
        suffix = segments;
        if prerelease.is_empty() {
            let (first, rest) = segments.split_once('-').unwrap_or((segments, ""));
            if let Some(identifiers) = parse_prerelease_word(first) {
                prerelease = identifiers;
                suffix = rest;
            }
        }
    }
    Version::from_parts(text, &numbers, prerelease, suffix, v_prefix)
}

impl Versioning for DockerVersioning {
    fn id(&self) -> &'static str {
        "docker"
    }

    fn parse_version(&self, text: &str) -> Option<Version> {
        parse_tag(text)
    }

    /// A tag is its own (single-version) range; non-version tags are invalid.
    fn parse_range(&self, text: &str) -> Option<Range> {
        parse_tag(text).map(Range::exact)
    }

    /// Same suffix family (exactly), same precision, same `v` prefix.
    fn is_compatible(&self, candidate: &Version, current: &Version) -> bool {
        candidate.suffix() == current.suffix()
            && candidate.precision() == current.precision()
            && candidate.has_v_prefix() == current.has_v_prefix()
    }

    /// Docker tags promise nothing about `0.x`: only a new major is breaking.
    fn is_breaking(&self, from: &Version, to: &Version) -> bool {
        from.major() != to.major()
    }

    fn get_new_value(&self, request: &NewValueRequest<'_>) -> Option<String> {
        let current = parse_tag(request.current_value)?;
        let new = request.new_version;
        if !self.is_compatible(new, &current) {
            return None;
        }
        match request.range_strategy {
            RangeStrategy::InRangeOnly if *new != current => None,
            _ => Some(new.as_str().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests;
