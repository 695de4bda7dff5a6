//! Grouping: automatic monorepo groups, one branch per branch name, and the members
//! that leave their group.
//!
//! Renovate groups monorepos from a static preset list (`group:monorepos`); upkeep finds
//! them from registry metadata instead: dependencies whose normalised `sourceUrl` is the
//! same and that move to the same new version share a `{repository} monorepo` group,
//! unless a `groupName` is already set. Updates whose branch names coincide share a
//! branch — that is what a group is (docs, `groupName`: "All updates sharing the same
//! `groupName` will be placed into the same branch/PR").
//!
//! A member that is not applicable, or whose release is younger than `minimumReleaseAge`
//! (measured from its `releaseTimestamp`; an unknown timestamp holds it, as Renovate's
//! `timestamp-required` behaviour does), leaves the branch with the reason while the
//! rest goes ahead; a branch all of whose members are held is itself held.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use upkeep_types::{BranchState, UpdateType};

use super::PlanContext;
use super::candidate::Prepared;
use super::topic::{branch_name, group_slug};

/// An update held out of its branch, and why.
#[derive(Debug, Clone)]
pub(super) struct LeftOut {
    pub prepared: Prepared,
    pub state: BranchState,
    pub reason: String,
}

/// A branch being planned.
#[derive(Debug, Clone)]
pub(super) struct BranchDraft {
    pub branch_name: String,
    pub group_name: Option<String>,
    pub group_slug: Option<String>,
    /// The updates that go ahead.
    pub members: Vec<Prepared>,
    /// The updates held out.
    pub left_out: Vec<LeftOut>,
    pub commit_message: String,
    pub pr_title: String,
}

/// Normalises a source URL so that metadata from different registries compares equal:
/// `https://`, lower-case host without `www.`, no `.git`, no trailing `/`, no query or
/// fragment; on github.com and gitlab.com only `owner/repository` (a `/tree/…` path into
/// a monorepo is dropped), lower-cased as those hosts treat names.
pub fn normalize_source_url(url: &str) -> Option<String> {
    let url = url.trim();
    let url = url.strip_prefix("git+").unwrap_or(url);
    let rest = if let Some(scp) = url.strip_prefix("git@") {
        scp.replacen(':', "/", 1)
    } else {
        let without_scheme = ["https://", "http://", "git://", "ssh://"]
            .iter()
            .find_map(|scheme| url.strip_prefix(scheme))?;
        let without_user = without_scheme
            .split_once('@')
            .filter(|(user, _)| !user.contains('/'))
            .map_or(without_scheme, |(_, rest)| rest);
        without_user.to_owned()
    };
    let rest = rest.split(['#', '?']).next().unwrap_or_default();
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let path = if matches!(host.as_str(), "github.com" | "gitlab.com") {
        path.split('/')
            .take(2)
            .collect::<Vec<_>>()
            .join("/")
            .to_lowercase()
    } else {
        path.to_owned()
    };
    if host.is_empty() || path.is_empty() {
        return None;
    }
    Some(format!("https://{host}/{path}"))
}

/// Puts dependencies from one source repository moving to one version into a group.
pub(super) fn assign_groups(mut prepared: Vec<Prepared>) -> Vec<Prepared> {
    let key = |p: &Prepared| -> Option<(String, String)> {
        let candidate = &p.candidate;
        let eligible = p.group_name.is_none()
            && !p.is_vulnerability_fix
            && !matches!(
                candidate.update.update_type,
                Some(
                    UpdateType::Digest
                        | UpdateType::PinDigest
                        | UpdateType::Pin
                        | UpdateType::LockFileMaintenance
                )
            );
        if !eligible {
            return None;
        }
        let url = normalize_source_url(candidate.source_url.as_deref()?)?;
        let version = candidate
            .update
            .new_version
            .clone()
            .or(candidate.update.new_value.clone())?;
        Some((url, version))
    };
    let mut names: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for p in &prepared {
        if let Some(key) = key(p) {
            names
                .entry(key)
                .or_default()
                .insert(p.candidate.dependency.dep_name.clone());
        }
    }
    for p in &mut prepared {
        let Some(key) = key(p) else { continue };
        if names.get(&key).is_some_and(|deps| deps.len() > 1) {
            let repository = key.0.rsplit('/').next().unwrap_or(&key.0).to_owned();
            p.group_name = Some(format!("{repository} monorepo"));
            p.monorepo = true;
        }
    }
    prepared
}

/// One draft per branch name, members in input order, held members set apart.
pub(super) fn into_branches(
    prepared: Vec<Prepared>,
    context: &PlanContext,
    warnings: &mut Vec<String>,
) -> Vec<BranchDraft> {
    let mut drafts: Vec<BranchDraft> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for p in prepared {
        let name = branch_name(&p, warnings);
        let position = *index.entry(name.clone()).or_insert_with(|| {
            drafts.push(BranchDraft {
                branch_name: name,
                group_name: p.group_name.clone(),
                group_slug: group_slug(&p),
                members: Vec::new(),
                left_out: Vec::new(),
                commit_message: String::new(),
                pr_title: String::new(),
            });
            drafts.len() - 1
        });
        let draft = &mut drafts[position];
        match hold(&p, context.now) {
            Some((state, reason)) => draft.left_out.push(LeftOut {
                prepared: p,
                state,
                reason,
            }),
            None => draft.members.push(p),
        }
    }
    drafts
}

fn hold(prepared: &Prepared, now: Timestamp) -> Option<(BranchState, String)> {
    if let Some(reason) = &prepared.candidate.not_applicable {
        return Some((BranchState::NotApplicable, reason.clone()));
    }
    release_age_hold(prepared, now).map(|reason| (BranchState::PendingReleaseAge, reason))
}

fn release_age_hold(prepared: &Prepared, now: Timestamp) -> Option<String> {
    if prepared.bypass_release_age {
        return None;
    }
    let minimum = prepared.candidate.settings.minimum_release_age.as_ref()?;
    let duration = SignedDuration::try_from(minimum.duration()).ok()?;
    if duration.is_zero() {
        return None;
    }
    let update = &prepared.candidate.update;
    let version = update
        .new_version
        .as_deref()
        .or(update.new_digest.as_deref())
        .unwrap_or("the new version");
    let Some(released) = update
        .release_timestamp
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok())
    else {
        return Some(format!(
            "the release time of {version} is unknown, and minimumReleaseAge ({minimum}) needs one"
        ));
    };
    let eligible = released.checked_add(duration).ok()?;
    (now < eligible).then(|| {
        format!(
            "{version} was released at {released}, younger than minimumReleaseAge ({minimum}); eligible at {eligible}"
        )
    })
}
