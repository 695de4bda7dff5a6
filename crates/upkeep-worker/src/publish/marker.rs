//! The hidden marker upkeep leaves at the end of every body it writes:
//! `<!-- upkeep:{json} -->`. It records a hash of the title and of the visible body as
//! upkeep wrote them, so a rerun can tell without any write that a PR (or the dashboard)
//! is unchanged, and that a human edited it — ticked a checkbox — since.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const OPEN: &str = "<!-- upkeep:";
const CLOSE: &str = " -->";

/// What upkeep recorded about the body it wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Marker {
    /// Hash of the title and the visible body upkeep wrote ([`content_hash`]).
    pub hash: String,
    /// The branch fingerprint the body describes (PRs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The "this update is now ignored" comment was posted (closed PRs only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_notified: bool,
}

/// A short hash of a title and the visible part of a body.
pub fn content_hash(title: &str, visible_body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(title.as_bytes());
    hasher.update([0]);
    hasher.update(visible_body.trim_end().as_bytes());
    hasher.finalize()[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The marker line for `marker`.
pub fn render_marker(marker: &Marker) -> String {
    let json = serde_json::to_string(marker).unwrap_or_else(|_| "{}".to_owned());
    // `--` cannot occur in serde's output of these fields, so the comment stays closed.
    format!("{OPEN}{json}{CLOSE}")
}

/// `visible` followed by the marker for `title` + `visible`.
pub fn with_marker(title: &str, visible: &str, fingerprint: Option<&str>) -> String {
    let marker = Marker {
        hash: content_hash(title, visible),
        fingerprint: fingerprint.map(str::to_owned),
        ignore_notified: false,
    };
    format!("{}\n\n{}\n", visible.trim_end(), render_marker(&marker))
}

/// Splits a body into its visible part and upkeep's marker, if it has one.
pub fn split_marker(body: &str) -> (&str, Option<Marker>) {
    let Some(start) = body.rfind(OPEN) else {
        return (body, None);
    };
    let rest = &body[start + OPEN.len()..];
    let Some(end) = rest.find(CLOSE) else {
        return (body, None);
    };
    match serde_json::from_str(&rest[..end]) {
        Ok(marker) => (body[..start].trim_end(), Some(marker)),
        Err(_) => (body, None),
    }
}

/// How an existing title and body compare with what upkeep would write now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// The platform already shows exactly what upkeep would write.
    pub unchanged: bool,
    /// Someone changed the title or body since upkeep wrote it (a ticked checkbox, an
    /// edited line), or it has no marker at all.
    pub edited: bool,
}

/// Compares what is on the platform with what upkeep would write now.
pub fn compare(existing_title: &str, existing_body: &str, title: &str, body: &str) -> Comparison {
    let (visible, marker) = split_marker(existing_body);
    let edited = match &marker {
        Some(marker) => content_hash(existing_title, visible) != marker.hash,
        None => true,
    };
    let (new_visible, new_marker) = split_marker(body);
    let same_marker = match (&marker, &new_marker) {
        (Some(old), Some(new)) => old.hash == new.hash && old.fingerprint == new.fingerprint,
        (None, None) => true,
        _ => false,
    };
    Comparison {
        unchanged: !edited
            && same_marker
            && existing_title == title
            && visible.trim_end() == new_visible.trim_end(),
        edited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_round_trips_through_its_marker() {
        let body = with_marker("Update a", "Some text\n", Some("f00"));
        let (visible, marker) = split_marker(&body);
        assert_eq!(visible, "Some text");
        let marker = marker.unwrap();
        assert_eq!(marker.fingerprint.as_deref(), Some("f00"));
        assert_eq!(marker.hash, content_hash("Update a", "Some text"));
        assert!(body.ends_with(" -->\n"));
    }

    #[test]
    fn comparisons() {
        let body = with_marker("T", "- [ ] <!-- rebase-check -->rebase", None);
        let same = compare("T", &body, "T", &body);
        assert_eq!(
            same,
            Comparison {
                unchanged: true,
                edited: false
            }
        );
        let ticked = body.replace("[ ]", "[x]");
        let after_tick = compare("T", &ticked, "T", &body);
        assert!(after_tick.edited && !after_tick.unchanged);
        let retitled = compare(
            "T",
            &body,
            "T2",
            &with_marker("T2", "- [ ] <!-- rebase-check -->rebase", None),
        );
        assert!(!retitled.unchanged && !retitled.edited);
        let foreign = compare("T", "written by hand", "T", &body);
        assert!(foreign.edited && !foreign.unchanged);
    }

    #[test]
    fn a_broken_marker_is_no_marker() {
        let (visible, marker) = split_marker("text <!-- upkeep:{not json} -->");
        assert!(marker.is_none());
        assert_eq!(visible, "text <!-- upkeep:{not json} -->");
    }
}
