//! Planning tests: a real `renovate.json` loaded by the config crate, looked-up updates
//! built by hand, a fixed `now`.

mod gates;
mod grouping;
mod names;

use jiff::Timestamp;
use upkeep_config::{LoadOptions, RepositoryConfig, load_config};
use upkeep_types::{Branch, Datasource, Dependency, LookedUpDependency, Update, UpdateType};

use super::naming::is_valid_branch_name;
use super::{Plan, PlanContext, RepositoryState, plan_branches, resolve_candidate};

/// 2026-11-25 is a Wednesday.
pub(super) const NOW: &str = "2026-11-25T10:30:00Z";
const LONG_AGO: &str = "2026-01-01T00:00:00Z";

pub(super) fn config(json: &str) -> RepositoryConfig {
    let loaded = load_config("renovate.json", json, &LoadOptions::default());
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    loaded.config
}

/// One update of one dependency, as lookup would report it.
#[derive(Clone)]
pub(super) struct Input {
    pub manager: &'static str,
    pub package_file: &'static str,
    pub dependency: LookedUpDependency,
    pub update: Update,
    pub not_applicable: Option<String>,
}

impl Input {
    pub fn source(mut self, url: &str) -> Input {
        self.dependency.source_url = Some(url.to_owned());
        self
    }

    pub fn released(mut self, at: &str) -> Input {
        self.update.release_timestamp = Some(at.to_owned());
        self
    }

    pub fn vulnerability_fix(mut self) -> Input {
        self.update.is_vulnerability_fix = true;
        self
    }

    pub fn file(mut self, package_file: &'static str) -> Input {
        self.package_file = package_file;
        self
    }

    pub fn not_applicable(mut self, reason: &str) -> Input {
        self.not_applicable = Some(reason.to_owned());
        self
    }
}

fn major_of(version: &str) -> Option<u64> {
    version
        .trim_start_matches('v')
        .split(['.', '-'])
        .next()?
        .parse()
        .ok()
}

/// A version update: `current` → `new` of the given type.
pub(super) fn update(
    manager: &'static str,
    datasource: Datasource,
    name: &str,
    current: &str,
    new: &str,
    kind: UpdateType,
) -> Input {
    let package_file = match manager {
        "npm" => "package.json",
        "cargo" => "Cargo.toml",
        "dockerfile" => "Dockerfile",
        "terraform" => "main.tf",
        _ => "unknown",
    };
    let mut dependency = Dependency::new(name, Some(datasource));
    dependency.current_value = Some(current.to_owned());
    Input {
        manager,
        package_file,
        dependency: LookedUpDependency {
            dependency,
            current_version: Some(current.trim_start_matches(['^', '~']).to_owned()),
            ..LookedUpDependency::default()
        },
        update: Update {
            update_type: Some(kind),
            new_value: Some(new.to_owned()),
            new_version: Some(new.trim_start_matches(['^', '~']).to_owned()),
            new_major: major_of(new.trim_start_matches(['^', '~'])),
            release_timestamp: Some(LONG_AGO.to_owned()),
            ..Update::default()
        },
        not_applicable: None,
    }
}

pub(super) fn npm(name: &str, current: &str, new: &str, kind: UpdateType) -> Input {
    update("npm", Datasource::Npm, name, current, new, kind)
}

/// A docker digest update of `image:tag`.
pub(super) fn docker_digest(image: &str, tag: &str, digest: &str) -> Input {
    let mut input = update(
        "dockerfile",
        Datasource::Docker,
        image,
        tag,
        tag,
        UpdateType::Digest,
    );
    input.dependency.dependency.current_digest = Some(format!("sha256:{}", "0".repeat(64)));
    input.update.new_digest = Some(format!("sha256:{digest}"));
    input
}

pub(super) fn context() -> PlanContext {
    PlanContext {
        now: NOW.parse().unwrap(),
        time_zone: jiff::tz::TimeZone::UTC,
        repository: RepositoryState::default(),
    }
}

pub(super) fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

/// Resolves every input against the config and plans; every name must satisfy git.
pub(super) fn plan_with(
    config: &RepositoryConfig,
    inputs: &[Input],
    context: &PlanContext,
) -> Plan {
    let candidates = inputs
        .iter()
        .map(|input| {
            let mut candidate = resolve_candidate(
                config,
                input.manager,
                input.package_file,
                &input.dependency,
                &input.update,
            );
            candidate.not_applicable = input.not_applicable.clone();
            candidate
        })
        .collect();
    let plan = plan_branches(candidates, context);
    for branch in &plan.branches {
        assert!(
            is_valid_branch_name(&branch.branch_name),
            "{}",
            branch.branch_name
        );
    }
    plan
}

pub(super) fn plan(json: &str, inputs: &[Input]) -> Plan {
    let config = config(json);
    let mut context = context();
    context.time_zone = config.time_zone().clone();
    plan_with(&config, inputs, &context)
}

pub(super) fn branch<'p>(plan: &'p Plan, name: &str) -> &'p Branch {
    plan.branches
        .iter()
        .find(|b| b.branch_name == name)
        .unwrap_or_else(|| panic!("no branch {name}; have {:?}", names(plan)))
}

pub(super) fn names(plan: &Plan) -> Vec<&str> {
    plan.branches
        .iter()
        .map(|b| b.branch_name.as_str())
        .collect()
}

pub(super) fn deps(branch: &Branch) -> Vec<&str> {
    branch
        .upgrades
        .iter()
        .map(|u| u.dependency.dep_name.as_str())
        .collect()
}
