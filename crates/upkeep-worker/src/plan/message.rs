//! Commit messages and PR titles from Renovate's templates.
//!
//! `commitMessage` defaults to `{{{commitMessagePrefix}}} {{{commitMessageAction}}}
//! {{{commitMessageTopic}}} {{{commitMessageExtra}}} {{{commitMessageSuffix}}}` (docs
//! "Config Template Editing"); each part is rendered first, then the whole, then runs of
//! whitespace collapse. `prTitle` defaults to the commit subject. With `semanticCommits`
//! the prefix is `{semanticCommitType}({semanticCommitScope}):` and the title is
//! lower-cased (`commitMessageLowerCase: auto`); a configured `commitMessagePrefix`
//! replaces the semantic prefix and always ends with `:`.
//!
//! Defaults that apply where the configuration did not set the option (Renovate's
//! `digest`, `pin`, `lockFileMaintenance`, `group`, docker/terraform datasource and cargo
//! manager defaults): `Update dependency react to v18`, `Update Rust crate serde to
//! v1.0.200`, `Update node Docker tag to v20`, `Update Terraform aws to v5`,
//! `Update node Docker digest to abc1234`, `Pin dependency react to 18.2.0`; a group
//! with several dependencies or versions: `Update <groupName>` plus `to v…` when every
//! member goes to the same version, and ` (major)` / ` (patch)` on the PR title when the
//! group is split by update type.

use std::collections::BTreeSet;

use upkeep_config::{CommitMessageLowerCase, SemanticCommits};
use upkeep_types::UpdateType;

use super::RepositoryState;
use super::SECURITY_MARKER;
use super::candidate::Prepared;
use super::group::BranchDraft;
use super::naming::sanitize_dep_name;
use super::template::{Context, render};
use super::topic::{is_lockfile_update, version_parts};

const DEFAULT_COMMIT_MESSAGE: &str = "{{{commitMessagePrefix}}} {{{commitMessageAction}}} {{{commitMessageTopic}}} {{{commitMessageExtra}}} {{{commitMessageSuffix}}}";
const DEFAULT_EXTRA: &str = "to {{#if isPinDigest}}{{{newDigestShort}}}{{else}}{{#if isMajor}}{{{prettyNewMajor}}}{{else}}{{#if isSingleVersion}}{{{prettyNewVersion}}}{{else}}{{#if newValue}}{{{newValue}}}{{else}}{{{newDigestShort}}}{{/if}}{{/if}}{{/if}}{{/if}}";
const DIGEST_EXTRA: &str = "to {{{newDigestShort}}}";
const PIN_EXTRA: &str = "to {{{newValue}}}";

/// The variables templates may use, for one update.
pub(super) fn update_context(prepared: &Prepared) -> Context {
    let candidate = &prepared.candidate;
    let dependency = &candidate.dependency;
    let update = &candidate.update;
    let settings = &candidate.settings;
    let parts = version_parts(prepared);
    let update_type = update.update_type;
    let is = |kind: UpdateType| update_type == Some(kind);
    let mut context = Context::default();
    context.set("depName", dependency.dep_name.as_str());
    context.set("depNameSanitized", sanitize_dep_name(&dependency.dep_name));
    context.set("packageName", dependency.lookup_name());
    context.set("depType", dependency.dep_type.clone());
    context.set("datasource", dependency.datasource.map(|d| d.as_str()));
    context.set("manager", candidate.manager.as_str());
    context.set("packageFile", candidate.package_file.as_str());
    let directory = candidate.package_file.rsplit_once('/').map(|(dir, _)| dir);
    context.set("packageFileDir", directory.unwrap_or_default());
    context.set(
        "parentDir",
        directory
            .map(|dir| dir.rsplit('/').next().unwrap_or(dir))
            .unwrap_or_default(),
    );
    context.set("currentValue", dependency.current_value.clone());
    context.set("currentVersion", candidate.current_version.clone());
    context.set("currentDigest", dependency.current_digest.clone());
    context.set(
        "currentDigestShort",
        dependency.current_digest.as_deref().map(short_digest),
    );
    context.set("newValue", update.new_value.clone());
    context.set("newVersion", update.new_version.clone());
    context.set("newDigest", update.new_digest.clone());
    context.set(
        "newDigestShort",
        update.new_digest.as_deref().map(short_digest),
    );
    context.set("newMajor", parts.major.clone());
    context.set("newMinor", parts.minor.clone());
    context.set("newPatch", parts.patch.clone());
    context.set(
        "prettyNewMajor",
        parts.major.map(|major| format!("v{major}")),
    );
    context.set(
        "prettyNewVersion",
        update.new_version.as_deref().map(pretty_version),
    );
    context.set("updateType", update_type.map(|kind| kind.as_str()));
    context.set("isMajor", is(UpdateType::Major));
    context.set("isMinor", is(UpdateType::Minor));
    context.set("isPatch", is(UpdateType::Patch));
    context.set("isPin", is(UpdateType::Pin));
    context.set("isPinDigest", is(UpdateType::PinDigest));
    context.set("isDigest", is(UpdateType::Digest));
    context.set("isBump", is(UpdateType::Bump));
    context.set("isReplacement", is(UpdateType::Replacement));
    context.set("isLockFileMaintenance", is(UpdateType::LockFileMaintenance));
    context.set("isLockfileUpdate", is_lockfile_update(prepared));
    context.set("isVulnerabilityFix", prepared.is_vulnerability_fix);
    // A lockfile update without a value of its own (a transitive package) moves to one
    // exact version: its messages name that version.
    let exact_lock_version =
        update.new_value.is_none() && update.new_digest.is_none() && update.new_version.is_some();
    context.set(
        "isSingleVersion",
        update.new_value.as_deref().is_some_and(is_single_version) || exact_lock_version,
    );
    context.set("isGroup", prepared.group_name.is_some());
    context.set("groupName", prepared.group_name.clone());
    context.set("groupSlug", prepared.group_slug.clone());
    context.set("sourceUrl", candidate.source_url.clone());
    context.set("releaseTimestamp", update.release_timestamp.clone());
    context.set("branchPrefix", settings.branch_prefix.as_str());
    context.set("semanticCommitType", settings.semantic_commit_type.as_str());
    context.set(
        "semanticCommitScope",
        settings.semantic_commit_scope.clone(),
    );
    context.set("separateMajorMinor", settings.separate_major_minor);
    context.set("separateMinorPatch", settings.separate_minor_patch);
    context.set("separateMultipleMajor", settings.separate_multiple_major);
    context
}

fn short_digest(digest: &str) -> String {
    let hex = digest.rsplit_once(':').map_or(digest, |(_, hex)| hex);
    hex.chars().take(7).collect()
}

fn pretty_version(version: &str) -> String {
    if version.starts_with(['v', 'V']) {
        version.to_owned()
    } else {
        format!("v{version}")
    }
}

/// Whether a value is one exact version rather than a range (`1.2.3`, `v2`, `20-alpine`).
fn is_single_version(value: &str) -> bool {
    let value = value.strip_prefix('=').unwrap_or(value);
    value.starts_with(|c: char| c.is_ascii_digit() || c == 'v')
        && !value.contains(['^', '~', '<', '>', '*', '|', ' ', ',', 'x', 'X'])
}

/// Renders templates, reporting a failure and falling back to a default.
struct Renderer<'w> {
    branch: String,
    warnings: &'w mut Vec<String>,
}

impl Renderer<'_> {
    fn part(&mut self, name: &str, template: &str, fallback: &str, context: &Context) -> String {
        render(template, context).unwrap_or_else(|error| {
            self.warnings
                .push(format!("{name} of branch `{}`: {error}", self.branch));
            render(fallback, context).unwrap_or_default()
        })
    }
}

/// Fills the draft's commit message and PR title.
pub(super) fn write_messages(
    draft: &mut BranchDraft,
    repository: &RepositoryState,
    warnings: &mut Vec<String>,
) {
    let subjects: Vec<&Prepared> = if draft.members.is_empty() {
        draft.left_out.iter().map(|left| &left.prepared).collect()
    } else {
        draft.members.iter().collect()
    };
    let Some(primary) = subjects.first().copied() else {
        return;
    };
    let mut renderer = Renderer {
        branch: draft.branch_name.clone(),
        warnings,
    };
    let settings = &primary.candidate.settings;
    let semantic = match settings.semantic_commits {
        SemanticCommits::Enabled => true,
        SemanticCommits::Disabled => false,
        SemanticCommits::Auto => repository.semantic_commits_detected,
    };
    let use_group = uses_group_message(&subjects);
    let mut context = update_context(primary);
    let parts = message_parts(&subjects, use_group, semantic, &mut renderer, &context);
    for (name, value) in parts {
        context.set(name, value);
    }
    let template = settings
        .commit_message
        .as_deref()
        .unwrap_or(DEFAULT_COMMIT_MESSAGE);
    let mut subject =
        collapse(&renderer.part("commitMessage", template, DEFAULT_COMMIT_MESSAGE, &context));
    let lower = semantic && settings.commit_message_lower_case == CommitMessageLowerCase::Auto;
    if lower {
        subject = subject.to_lowercase();
    }
    context.set("commitMessage", subject.clone());
    let mut title = match &settings.pr_title {
        Some(template) => {
            let title =
                collapse(&renderer.part("prTitle", template, DEFAULT_COMMIT_MESSAGE, &context));
            if lower { title.to_lowercase() } else { title }
        }
        None => subject.clone(),
    };
    if use_group && !is_pin_group(primary) {
        match primary.candidate.update.update_type {
            Some(UpdateType::Major) if settings.separate_major_minor => title.push_str(" (major)"),
            Some(UpdateType::Patch) if settings.separate_minor_patch => title.push_str(" (patch)"),
            _ => {}
        }
    }
    if subjects.iter().any(|p| p.security_marker) {
        subject = format!("{SECURITY_MARKER} {subject}");
        title = format!("{SECURITY_MARKER} {title}");
    }
    let body = settings
        .commit_body
        .as_deref()
        .map(|body| renderer.part("commitBody", body, "", &context))
        .filter(|body| !body.trim().is_empty());
    draft.commit_message = match body {
        Some(body) => format!("{subject}\n\n{body}"),
        None => subject,
    };
    draft.pr_title = title;
}

/// A group's own message (`Update <groupName>`) is used when the branch holds several
/// dependencies or several versions; a group of one reads like a single update.
fn uses_group_message(subjects: &[&Prepared]) -> bool {
    let dep_names: BTreeSet<&str> = subjects
        .iter()
        .map(|p| p.candidate.dependency.dep_name.as_str())
        .collect();
    let versions: BTreeSet<Option<&str>> = subjects
        .iter()
        .map(|p| {
            p.candidate
                .update
                .new_version
                .as_deref()
                .or(p.candidate.update.new_value.as_deref())
        })
        .collect();
    subjects[0].group_name.is_some() && (dep_names.len() > 1 || versions.len() > 1)
}

fn is_pin_group(primary: &Prepared) -> bool {
    primary.group_slug.as_deref() == Some("pin-dependencies")
}

/// `commitMessagePrefix`, `…Action`, `…Topic`, `…Extra`, `…Suffix`, rendered.
fn message_parts(
    subjects: &[&Prepared],
    use_group: bool,
    semantic: bool,
    renderer: &mut Renderer<'_>,
    context: &Context,
) -> [(&'static str, String); 5] {
    let primary = subjects[0];
    let settings = &primary.candidate.settings;
    let pins = use_group && is_pin_group(primary);
    let prefix = commit_prefix(primary, semantic, renderer, context);
    let action = renderer.part("commitMessageAction", &action(primary), "Update", context);
    let topic = if pins {
        "dependencies".to_owned()
    } else if use_group {
        primary.group_name.clone().unwrap_or_default()
    } else {
        renderer.part(
            "commitMessageTopic",
            &topic(primary),
            "dependency {{{depName}}}",
            context,
        )
    };
    // A group names its version only when every member goes to the same one.
    let mut extras = BTreeSet::new();
    if !pins {
        for subject in subjects {
            let own = update_context(subject);
            extras.insert(renderer.part(
                "commitMessageExtra",
                &extra(subject),
                DEFAULT_EXTRA,
                &own,
            ));
        }
    }
    let extra = if extras.len() == 1 {
        extras.pop_first().unwrap_or_default()
    } else {
        String::new()
    };
    let suffix = settings
        .commit_message_suffix
        .as_deref()
        .unwrap_or_default();
    let suffix = renderer.part("commitMessageSuffix", suffix, "", context);
    [
        ("commitMessagePrefix", prefix),
        ("commitMessageAction", action),
        ("commitMessageTopic", topic),
        ("commitMessageExtra", extra),
        ("commitMessageSuffix", suffix),
    ]
}

/// A configured `commitMessagePrefix` (always ending in `:`), else the semantic prefix.
fn commit_prefix(
    primary: &Prepared,
    semantic: bool,
    renderer: &mut Renderer<'_>,
    context: &Context,
) -> String {
    let settings = &primary.candidate.settings;
    if let Some(prefix) = settings
        .commit_message_prefix
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        let prefix = renderer.part("commitMessagePrefix", prefix, "", context);
        return if prefix.ends_with(':') {
            prefix
        } else {
            format!("{prefix}:")
        };
    }
    if !semantic {
        return String::new();
    }
    match settings
        .semantic_commit_scope
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        Some(scope) => {
            let scope = renderer.part("semanticCommitScope", scope, "deps", context);
            format!("{}({scope}):", settings.semantic_commit_type)
        }
        None => format!("{}:", settings.semantic_commit_type),
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn action(prepared: &Prepared) -> String {
    let settings = &prepared.candidate.settings;
    if prepared.configured("commitMessageAction") {
        return settings.commit_message_action.clone();
    }
    match prepared.candidate.update.update_type {
        Some(UpdateType::Pin | UpdateType::PinDigest) => "Pin".to_owned(),
        Some(UpdateType::LockFileMaintenance) => "Lock file maintenance".to_owned(),
        Some(UpdateType::Replacement) => "Replace".to_owned(),
        _ => settings.commit_message_action.clone(),
    }
}

fn topic(prepared: &Prepared) -> String {
    let candidate = &prepared.candidate;
    if prepared.configured("commitMessageTopic") {
        return candidate.settings.commit_message_topic.clone();
    }
    let update_type = candidate.update.update_type;
    let datasource = candidate.dependency.datasource.map(|d| d.as_str());
    let digest = matches!(
        update_type,
        Some(UpdateType::Digest | UpdateType::PinDigest)
    );
    match (datasource, candidate.manager.as_str()) {
        _ if update_type == Some(UpdateType::LockFileMaintenance) => String::new(),
        (Some("docker"), _) if digest => {
            "{{{depName}}}{{#if currentValue}}:{{{currentValue}}}{{/if}} Docker digest".to_owned()
        }
        (Some("docker"), _) => "{{{depName}}} Docker tag".to_owned(),
        _ if digest => "{{{depName}}} digest".to_owned(),
        (Some("terraform-provider" | "terraform-module"), _) => {
            "Terraform {{{depName}}}".to_owned()
        }
        (_, "cargo") => "Rust crate {{{depName}}}".to_owned(),
        _ => candidate.settings.commit_message_topic.clone(),
    }
}

fn extra(prepared: &Prepared) -> String {
    let candidate = &prepared.candidate;
    if prepared.configured("commitMessageExtra") {
        return candidate
            .settings
            .commit_message_extra
            .clone()
            .unwrap_or_default();
    }
    match candidate.update.update_type {
        Some(UpdateType::LockFileMaintenance) => String::new(),
        Some(UpdateType::Digest) => DIGEST_EXTRA.to_owned(),
        Some(UpdateType::Pin) => PIN_EXTRA.to_owned(),
        _ => DEFAULT_EXTRA.to_owned(),
    }
}
