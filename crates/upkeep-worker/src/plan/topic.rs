//! Branch names: `{branchPrefix}{additionalBranchPrefix}{branchTopic}` (Renovate's
//! `branchName` default, docs "Config Template Editing").
//!
//! Topics, as Renovate builds them:
//! - a single dependency: `{depNameSanitized}-{newMajor}.x`, `…-{newMajor}.{newMinor}.x`
//!   for a patch with `separateMinorPatch`, `…-lockfile` for a lock-file-only update;
//!   `{depNameSanitized}-digest` for digest updates; `lock-file-maintenance`;
//! - a group: its `groupSlug` (the slug of `groupName` unless set), prefixed `major-`
//!   for major updates while `separateMajorMinor` holds (`major-{newMajor}-` with
//!   `separateMultipleMajor`) and `patch-` for patches with `separateMinorPatch`;
//! - a vulnerability fix outside any group: `{datasource}-{depNameSanitized}-vulnerability`
//!   (Renovate's `vulnerabilityAlerts` default), so it never shares the regular branch;
//! - a configured `branchTopic` template replaces the single-dependency topic.

use upkeep_types::UpdateType;

use super::candidate::Prepared;
use super::message::update_context;
use super::naming::{clean_branch_name, sanitize_dep_name, slugify, strict_topic};
use super::template::render;

/// The leading numeric parts of the new version (`v1.2.3-alpine` → 1, 2, 3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct VersionParts {
    pub major: Option<String>,
    pub minor: Option<String>,
    pub patch: Option<String>,
}

pub(super) fn version_parts(prepared: &Prepared) -> VersionParts {
    let update = &prepared.candidate.update;
    let text = update
        .new_version
        .as_deref()
        .or(update.new_value.as_deref())
        .unwrap_or_default();
    let text = text.trim_start_matches(['v', 'V', '=', '^', '~']);
    let mut numbers = text.split(['.', '-', '+']).map_while(|part| {
        (!part.is_empty() && part.chars().all(|c| c.is_ascii_digit())).then(|| part.to_owned())
    });
    let mut parts = VersionParts {
        major: numbers.next(),
        minor: numbers.next(),
        patch: numbers.next(),
    };
    if let Some(major) = update.new_major {
        parts.major = Some(major.to_string());
    }
    parts
}

/// A lock-file-only update: the manifest's value stays, the locked version moves.
pub(super) fn is_lockfile_update(prepared: &Prepared) -> bool {
    let candidate = &prepared.candidate;
    matches!(
        candidate.update.update_type,
        Some(UpdateType::LockfileUpdate)
    ) || (candidate.update.new_value.is_some()
        && candidate.update.new_value == candidate.dependency.current_value
        && candidate.update.new_version.is_some()
        && candidate.update.new_digest.is_none()
        && candidate.update.new_version != candidate.current_version)
}

/// The group's slug with Renovate's update-type prefixes, if the candidate is grouped.
pub(super) fn group_slug(prepared: &Prepared) -> Option<String> {
    let name = prepared.group_name.as_deref()?;
    let settings = &prepared.candidate.settings;
    let mut slug = prepared.group_slug.clone().unwrap_or_else(|| slugify(name));
    match prepared.candidate.update.update_type {
        Some(UpdateType::Major) if settings.separate_major_minor => {
            slug = match (
                settings.separate_multiple_major,
                version_parts(prepared).major,
            ) {
                (true, Some(major)) => format!("major-{major}-{slug}"),
                _ => format!("major-{slug}"),
            };
        }
        Some(UpdateType::Patch) if settings.separate_minor_patch => slug = format!("patch-{slug}"),
        _ => {}
    }
    Some(slug)
}

/// The branch name of a candidate; template problems go to `warnings` and the default
/// topic is used instead.
pub(super) fn branch_name(prepared: &Prepared, warnings: &mut Vec<String>) -> String {
    let settings = &prepared.candidate.settings;
    let dependency = &prepared.candidate.dependency;
    let topic = match group_slug(prepared) {
        Some(slug) => slug,
        None => single_topic(prepared, warnings),
    };
    let context = update_context(prepared);
    let additional = match render(&settings.additional_branch_prefix, &context) {
        Ok(text) => text,
        Err(error) => {
            warnings.push(format!(
                "additionalBranchPrefix of `{}`: {error}; left out",
                dependency.dep_name
            ));
            String::new()
        }
    };
    let (additional, topic) = if settings.branch_name_strict {
        (strict_topic(&additional), strict_topic(&topic))
    } else {
        (additional, topic)
    };
    clean_branch_name(&format!("{}{additional}{topic}", settings.branch_prefix))
}

fn single_topic(prepared: &Prepared, warnings: &mut Vec<String>) -> String {
    let candidate = &prepared.candidate;
    let sanitized = sanitize_dep_name(&candidate.dependency.dep_name);
    if prepared.vulnerability_topic {
        let datasource = candidate
            .dependency
            .datasource
            .map_or(candidate.manager.as_str(), |d| d.as_str());
        return format!("{datasource}-{sanitized}-vulnerability");
    }
    if let (true, Some(template)) = (
        prepared.configured("branchTopic"),
        candidate.settings.branch_topic.as_deref(),
    ) {
        match render(template, &update_context(prepared)) {
            Ok(topic) if !topic.trim().is_empty() => return topic,
            Ok(_) => warnings.push(format!(
                "branchTopic of `{}` renders empty; the default topic is used",
                candidate.dependency.dep_name
            )),
            Err(error) => warnings.push(format!(
                "branchTopic of `{}`: {error}; the default topic is used",
                candidate.dependency.dep_name
            )),
        }
    }
    default_topic(prepared, &sanitized)
}

fn default_topic(prepared: &Prepared, sanitized: &str) -> String {
    let candidate = &prepared.candidate;
    match candidate.update.update_type {
        Some(UpdateType::Digest) => return format!("{sanitized}-digest"),
        Some(UpdateType::LockFileMaintenance) => return "lock-file-maintenance".to_owned(),
        Some(UpdateType::Replacement) => return format!("{sanitized}-replacement"),
        _ => {}
    }
    let parts = version_parts(prepared);
    let Some(major) = parts.major else {
        return sanitized.to_owned();
    };
    let mut topic = format!("{sanitized}-{major}");
    if candidate.settings.separate_minor_patch
        && candidate.update.update_type == Some(UpdateType::Patch)
        && let Some(minor) = parts.minor
    {
        topic.push('.');
        topic.push_str(&minor);
    }
    topic.push_str(".x");
    if is_lockfile_update(prepared) {
        topic.push_str("-lockfile");
    }
    topic
}
