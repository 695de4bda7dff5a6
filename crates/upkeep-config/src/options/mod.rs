//! The options model: every option upkeep understands, declared once.
//!
//! One row per option says its JSON type, its default, whether a later layer merges
//! with or replaces an earlier one, where it may appear (bot config, repository config,
//! inside `packageRules`), which extra check its value needs, and a one-line doc. The
//! validator, the preset merger, the global-config loader and the JSON Schema generator
//! all read this table, so an option cannot be known to one and unknown to another.

mod table;

pub use table::{CUSTOM_MANAGER_OPTIONS, HOST_RULE_OPTIONS, OPTIONS};

/// The JSON type of an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    /// `true` / `false`.
    Boolean,
    /// A whole number.
    Integer,
    /// A string.
    String,
    /// An array of strings.
    StringList,
    /// An object whose keys are themselves options (see the `children` field of [`OptionDef`]).
    Object,
    /// An array of objects whose keys are options (see the `children` field of [`OptionDef`]).
    ObjectList,
    /// A string or a whole number (e.g. `githubAppId`).
    StringOrInteger,
}

impl OptionType {
    /// The name used in messages ("a boolean", "an array of strings").
    pub fn describe(self) -> &'static str {
        match self {
            OptionType::Boolean => "a boolean",
            OptionType::Integer => "an integer",
            OptionType::String => "a string",
            OptionType::StringList => "an array of strings",
            OptionType::Object => "an object",
            OptionType::ObjectList => "an array of objects",
            OptionType::StringOrInteger => "a string or an integer",
        }
    }
}

/// How a later layer (a preset, the repository, a packageRule) combines with an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The later value replaces the earlier one (`labels`).
    Replace,
    /// Arrays are concatenated, objects merged key by key (`addLabels`, `packageRules`, `major`).
    Merge,
}

/// Where an option may appear, as a small bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Places(u8);

impl Places {
    /// The bot's own (global) configuration.
    pub const GLOBAL: Places = Places(1);
    /// A repository's configuration file (and presets it extends).
    pub const REPOSITORY: Places = Places(2);
    /// Inside a packageRule or a per-update-type / per-manager object.
    pub const RULE: Places = Places(4);
    /// A matcher: only inside a packageRule.
    pub const MATCHER: Places = Places(8);
    /// Inside a manager object (`npm`, `cargo`…) only.
    pub const MANAGER: Places = Places(16);
    /// Global and repository.
    pub const GLOBAL_REPOSITORY: Places = Places(1 | 2);
    /// Global, repository and packageRules.
    pub const EVERYWHERE: Places = Places(1 | 2 | 4);

    /// Whether every place of `other` is in `self`.
    pub const fn contains(self, other: Places) -> bool {
        self.0 & other.0 == other.0
    }
}

/// A check on an option's value beyond its JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueCheck {
    /// Only the type is checked.
    None,
    /// Renovate schedule strings (text forms or 5-field cron).
    Schedule,
    /// An IANA timezone name.
    Timezone,
    /// A duration such as `3 days`.
    Duration,
    /// Name patterns: exact, glob, `/regex/flags`, each optionally negated with `!`.
    Patterns,
    /// Path globs (`**/node_modules/**`) or `/regex/`.
    PathPatterns,
    /// Regular expressions (`matchStrings`).
    Regexes,
    /// An age comparison such as `> 3 days`.
    AgeRange,
    /// A version range for the dependency's versioning, or `/regex/`.
    VersionRange,
    /// Preset names.
    Presets,
}

/// Which options are valid inside an object or object-list option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Children {
    /// Not an object.
    None,
    /// Settings that may appear in a packageRule (`major`, `npm`, `lockFileMaintenance`…).
    Settings,
    /// A packageRule: settings plus matchers.
    PackageRule,
    /// A host rule.
    HostRule,
    /// A custom (regex) manager.
    CustomManager,
    /// A whole repository configuration (`onboardingConfig`).
    RepositoryConfig,
}

/// One option.
#[derive(Debug, Clone, Copy)]
pub struct OptionDef {
    /// The option's name as written in `renovate.json`.
    pub name: &'static str,
    /// Its JSON type.
    pub kind: OptionType,
    /// Whether `null` is accepted (and means "unset").
    pub nullable: bool,
    /// The accepted values, for strings and string lists with a fixed vocabulary.
    pub allowed: &'static [&'static str],
    /// The default as JSON text; empty when there is none.
    pub default: &'static str,
    /// Merge or replace.
    pub merge: Merge,
    /// Where it may appear.
    pub places: Places,
    /// Extra check on the value.
    pub check: ValueCheck,
    /// What is valid inside it, for objects.
    pub children: Children,
    /// One line of documentation (shown by the JSON Schema and `validate-config`).
    pub doc: &'static str,
}

impl OptionDef {
    pub(crate) const fn new(
        name: &'static str,
        kind: OptionType,
        places: Places,
        default: &'static str,
        doc: &'static str,
    ) -> OptionDef {
        OptionDef {
            name,
            kind,
            nullable: false,
            allowed: &[],
            default,
            merge: Merge::Replace,
            places,
            check: ValueCheck::None,
            children: Children::None,
            doc,
        }
    }

    pub(crate) const fn allowed(mut self, allowed: &'static [&'static str]) -> OptionDef {
        self.allowed = allowed;
        self
    }

    pub(crate) const fn nullable(mut self) -> OptionDef {
        self.nullable = true;
        self
    }

    pub(crate) const fn mergeable(mut self) -> OptionDef {
        self.merge = Merge::Merge;
        self
    }

    pub(crate) const fn check(mut self, check: ValueCheck) -> OptionDef {
        self.check = check;
        self
    }

    pub(crate) const fn children(mut self, children: Children) -> OptionDef {
        self.children = children;
        self
    }

    /// The default parsed as JSON, if the option has one.
    pub fn default_value(&self) -> Option<serde_json::Value> {
        if self.default.is_empty() {
            None
        } else {
            serde_json::from_str(self.default).ok()
        }
    }

    /// Whether the option may appear only in the bot's own configuration.
    pub fn is_global_only(&self) -> bool {
        self.places == Places::GLOBAL
    }
}

/// The per-manager objects (`npm: {…}`); they also accept `managerFilePatterns`.
pub const MANAGER_OBJECTS: &[&str] = &[
    "npm",
    "cargo",
    "dockerfile",
    "terraform",
    "docker-compose",
    "kubernetes",
    "github-actions",
];

/// The per-update-type objects (`major: {…}`), by Renovate update type.
pub const UPDATE_TYPE_OBJECTS: &[&str] = &["major", "minor", "patch", "pin", "digest", "pinDigest"];

/// Looks an option up by name in the main table.
pub fn find(name: &str) -> Option<&'static OptionDef> {
    OPTIONS.iter().find(|option| option.name == name)
}

/// The table of options valid inside an object of the given kind.
pub fn children_table(children: Children) -> &'static [OptionDef] {
    match children {
        Children::HostRule => HOST_RULE_OPTIONS,
        Children::CustomManager => CUSTOM_MANAGER_OPTIONS,
        Children::None
        | Children::Settings
        | Children::PackageRule
        | Children::RepositoryConfig => OPTIONS,
    }
}

/// Whether `option` is accepted inside an object of kind `children`.
pub fn allowed_in(option: &OptionDef, children: Children) -> bool {
    match children {
        Children::Settings => option.places.contains(Places::RULE),
        Children::PackageRule => {
            option.places.contains(Places::RULE) || option.places.contains(Places::MATCHER)
        }
        Children::HostRule
        | Children::CustomManager
        | Children::RepositoryConfig
        | Children::None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_defaults_parse() {
        for table in [OPTIONS, HOST_RULE_OPTIONS, CUSTOM_MANAGER_OPTIONS] {
            let mut names: Vec<_> = table.iter().map(|o| o.name).collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "duplicate option name");
            for option in table {
                if !option.default.is_empty() {
                    assert!(
                        option.default_value().is_some(),
                        "{}: bad default",
                        option.name
                    );
                }
                assert!(!option.doc.is_empty(), "{}: no doc", option.name);
            }
        }
    }

    #[test]
    fn the_issue_s_options_are_all_declared() {
        for name in [
            "extends",
            "ignorePresets",
            "enabled",
            "enabledManagers",
            "ignorePaths",
            "ignoreDeps",
            "packageRules",
            "groupName",
            "groupSlug",
            "automerge",
            "automergeType",
            "automergeSchedule",
            "platformAutomerge",
            "labels",
            "addLabels",
            "reviewers",
            "assignees",
            "schedule",
            "timezone",
            "updateNotScheduled",
            "minimumReleaseAge",
            "rangeStrategy",
            "allowedVersions",
            "ignoreUnstable",
            "ignoreDeprecated",
            "followTag",
            "pinDigests",
            "separateMajorMinor",
            "separateMultipleMajor",
            "separateMinorPatch",
            "major",
            "minor",
            "patch",
            "pin",
            "digest",
            "npm",
            "cargo",
            "dockerfile",
            "terraform",
            "lockFileMaintenance",
            "prHourlyLimit",
            "prConcurrentLimit",
            "branchConcurrentLimit",
            "rebaseWhen",
            "recreateWhen",
            "branchPrefix",
            "semanticCommits",
            "semanticCommitType",
            "semanticCommitScope",
            "commitMessage",
            "commitMessageAction",
            "commitMessageTopic",
            "commitMessageExtra",
            "commitMessagePrefix",
            "commitMessageSuffix",
            "prTitle",
            "dependencyDashboard",
            "dependencyDashboardApproval",
            "vulnerabilityAlerts",
            "osvVulnerabilityAlerts",
            "hostRules",
            "registryUrls",
            "baseBranchPatterns",
            "customManagers",
            "description",
            "$schema",
            "matchPackageNames",
            "matchDepNames",
            "matchManagers",
            "matchDatasources",
            "matchDepTypes",
            "matchFileNames",
            "matchUpdateTypes",
            "matchCurrentVersion",
            "matchCurrentValue",
            "matchCurrentAge",
            "matchBaseBranches",
            "matchSourceUrls",
            "platform",
            "endpoint",
            "token",
            "githubAppId",
            "githubAppKey",
            "repositories",
            "autodiscover",
            "autodiscoverFilter",
            "onboarding",
            "requireConfig",
            "cacheDir",
            "baseDir",
            "dryRun",
        ] {
            assert!(find(name).is_some(), "{name} is not declared");
        }
    }
}
