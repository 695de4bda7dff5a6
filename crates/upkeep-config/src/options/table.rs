//! The rows of the options table. Defaults and merge behaviour follow Renovate's
//! documented configuration options.

use super::Children::{CustomManager, HostRule, PackageRule, RepositoryConfig, Settings};
use super::OptionType::{
    Boolean, Integer, Object, ObjectList, String, StringList, StringOrInteger,
};
use super::ValueCheck as C;
use super::{OptionDef as O, Places};

const G: Places = Places::GLOBAL;
const GR: Places = Places::GLOBAL_REPOSITORY;
const ALL: Places = Places::EVERYWHERE;
const M: Places = Places::MATCHER;
const MGR: Places = Places::MANAGER;

const RANGE_STRATEGIES: &[&str] = &[
    "auto",
    "pin",
    "bump",
    "replace",
    "widen",
    "update-lockfile",
    "in-range-only",
];
const UPDATE_TYPES: &[&str] = &[
    "major",
    "minor",
    "patch",
    "pin",
    "pinDigest",
    "digest",
    "lockFileMaintenance",
    "rollback",
    "bump",
    "replacement",
];

/// Every repository- and bot-level option, matchers included.
pub static OPTIONS: &[O] = &[
    // Configuration plumbing.
    O::new(
        "$schema",
        String,
        GR,
        "",
        "URL of the JSON Schema, for editors; ignored by upkeep",
    ),
    O::new(
        "description",
        StringList,
        ALL,
        "",
        "Free text describing the config or rule; ignored",
    )
    .mergeable(),
    O::new(
        "extends",
        StringList,
        ALL,
        "[]",
        "Presets to apply before this configuration",
    )
    .check(C::Presets),
    O::new(
        "ignorePresets",
        StringList,
        GR,
        "[]",
        "Presets to skip wherever they are extended",
    )
    .check(C::Presets),
    // What to look at.
    O::new(
        "enabled",
        Boolean,
        ALL,
        "true",
        "Whether upkeep acts on the repository, manager or dependency",
    ),
    O::new(
        "enabledManagers",
        StringList,
        GR,
        "[]",
        "Only these managers are run (empty: all)",
    ),
    O::new(
        "ignorePaths",
        StringList,
        GR,
        "[]",
        "Files matching these globs are not extracted",
    )
    .check(C::PathPatterns),
    O::new(
        "ignoreDeps",
        StringList,
        GR,
        "[]",
        "Dependencies with these names are skipped",
    )
    .mergeable(),
    O::new(
        "baseBranchPatterns",
        StringList,
        GR,
        "[]",
        "Branches to update (exact, glob or /regex/; `$default` for the default branch)",
    ),
    O::new(
        "packageRules",
        ObjectList,
        GR,
        "[]",
        "Rules applied in order to each matching dependency",
    )
    .mergeable()
    .children(PackageRule),
    O::new(
        "hostRules",
        ObjectList,
        GR,
        "[]",
        "Credentials and settings per registry host",
    )
    .mergeable()
    .children(HostRule),
    O::new(
        "customManagers",
        ObjectList,
        GR,
        "[]",
        "Regex managers that find dependencies in any file",
    )
    .mergeable()
    .children(CustomManager),
    O::new(
        "registryUrls",
        StringList,
        ALL,
        "",
        "Registries to query instead of the datasource default",
    )
    .nullable(),
    // Per-update-type and per-manager settings.
    O::new("major", Object, GR, "{}", "Settings for major updates")
        .mergeable()
        .children(Settings),
    O::new("minor", Object, GR, "{}", "Settings for minor updates")
        .mergeable()
        .children(Settings),
    O::new("patch", Object, GR, "{}", "Settings for patch updates")
        .mergeable()
        .children(Settings),
    O::new("pin", Object, GR, "{}", "Settings for pinning updates")
        .mergeable()
        .children(Settings),
    O::new("digest", Object, GR, "{}", "Settings for digest updates")
        .mergeable()
        .children(Settings),
    O::new(
        "pinDigest",
        Object,
        GR,
        "{}",
        "Settings for digest-pinning updates",
    )
    .mergeable()
    .children(Settings),
    O::new(
        "lockFileMaintenance",
        Object,
        GR,
        "{\"enabled\":false}",
        "Periodic lock file refresh",
    )
    .mergeable()
    .children(Settings),
    O::new(
        "vulnerabilityAlerts",
        Object,
        GR,
        "{}",
        "Settings for updates that fix a vulnerability",
    )
    .mergeable()
    .children(Settings),
    O::new("npm", Object, GR, "{}", "Settings for the npm manager")
        .mergeable()
        .children(Settings),
    O::new("cargo", Object, GR, "{}", "Settings for the cargo manager")
        .mergeable()
        .children(Settings),
    O::new(
        "dockerfile",
        Object,
        GR,
        "{}",
        "Settings for the dockerfile manager",
    )
    .mergeable()
    .children(Settings),
    O::new(
        "terraform",
        Object,
        GR,
        "{}",
        "Settings for the terraform manager",
    )
    .mergeable()
    .children(Settings),
    O::new(
        "docker-compose",
        Object,
        GR,
        "{}",
        "Settings for the docker-compose manager",
    )
    .mergeable()
    .children(Settings),
    O::new(
        "kubernetes",
        Object,
        GR,
        "{}",
        "Settings for the kubernetes manager",
    )
    .mergeable()
    .children(Settings),
    O::new(
        "github-actions",
        Object,
        GR,
        "{}",
        "Settings for the github-actions manager",
    )
    .mergeable()
    .children(Settings),
    O::new(
        "managerFilePatterns",
        StringList,
        MGR,
        "",
        "Files a manager owns (globs or /regex/)",
    )
    .check(C::PathPatterns)
    .mergeable(),
    // Grouping and automerge.
    O::new(
        "groupName",
        String,
        ALL,
        "null",
        "Put matching updates in one branch and PR with this name",
    )
    .nullable(),
    O::new(
        "groupSlug",
        String,
        ALL,
        "null",
        "Branch-name slug for the group (derived from groupName)",
    )
    .nullable(),
    O::new(
        "automerge",
        Boolean,
        ALL,
        "false",
        "Merge the update automatically when checks pass",
    ),
    O::new(
        "automergeType",
        String,
        ALL,
        "\"pr\"",
        "How to automerge: through a PR or a branch",
    )
    .allowed(&["pr", "branch", "pr-comment"]),
    O::new(
        "automergeSchedule",
        StringList,
        ALL,
        "[\"at any time\"]",
        "When automerging is allowed",
    )
    .check(C::Schedule),
    O::new(
        "platformAutomerge",
        Boolean,
        ALL,
        "true",
        "Use the platform's native auto-merge",
    ),
    O::new(
        "automergeStrategy",
        String,
        ALL,
        "\"auto\"",
        "How a PR is merged: the platform's default (`auto`), a merge commit, rebase or squash",
    )
    .allowed(&["auto", "fast-forward", "merge-commit", "rebase", "squash"]),
    O::new(
        "ignoreTests",
        Boolean,
        ALL,
        "false",
        "Automerge without waiting for status checks",
    ),
    // Pull request decoration.
    O::new(
        "labels",
        StringList,
        ALL,
        "[]",
        "Labels for the PR (replaces earlier labels)",
    ),
    O::new(
        "addLabels",
        StringList,
        ALL,
        "[]",
        "Labels added to those from `labels` (merges)",
    )
    .mergeable(),
    O::new("reviewers", StringList, ALL, "[]", "Reviewers to request"),
    O::new(
        "additionalReviewers",
        StringList,
        ALL,
        "[]",
        "Reviewers added to `reviewers` (merges)",
    )
    .mergeable(),
    O::new(
        "assignees",
        StringList,
        ALL,
        "[]",
        "Users to assign the PR to",
    ),
    O::new(
        "draftPR",
        Boolean,
        ALL,
        "false",
        "Open PRs as drafts",
    ),
    O::new(
        "prCreation",
        String,
        ALL,
        "\"immediate\"",
        "When a branch gets its PR: at once, once checks are not pending, once they pass, or once approved on the dashboard",
    )
    .allowed(&["immediate", "not-pending", "status-success", "approval"]),
    O::new(
        "prNotPendingHours",
        Integer,
        ALL,
        "25",
        "With `prCreation: not-pending`, open the PR anyway this many hours after the branch's commit",
    ),
    O::new(
        "prPriority",
        Integer,
        ALL,
        "0",
        "Higher-priority PRs are created first",
    ),
    // Schedules and timing.
    O::new(
        "schedule",
        StringList,
        ALL,
        "[\"at any time\"]",
        "When branches may be created or updated",
    )
    .check(C::Schedule),
    O::new(
        "timezone",
        String,
        GR,
        "null",
        "IANA timezone for schedules (default UTC)",
    )
    .nullable()
    .check(C::Timezone),
    O::new(
        "updateNotScheduled",
        Boolean,
        ALL,
        "true",
        "Keep updating existing branches outside the schedule",
    ),
    O::new(
        "minimumReleaseAge",
        String,
        ALL,
        "null",
        "Wait this long after a release before proposing it",
    )
    .nullable()
    .check(C::Duration),
    // Versions.
    O::new(
        "rangeStrategy",
        String,
        ALL,
        "\"auto\"",
        "How to change ranges",
    )
    .allowed(RANGE_STRATEGIES),
    O::new(
        "allowedVersions",
        String,
        ALL,
        "",
        "Only versions matching this range or /regex/",
    )
    .check(C::VersionRange),
    O::new(
        "ignoreUnstable",
        Boolean,
        ALL,
        "true",
        "Ignore unstable versions unless already on one",
    ),
    O::new(
        "ignoreDeprecated",
        Boolean,
        ALL,
        "true",
        "Ignore deprecated versions",
    ),
    O::new(
        "followTag",
        String,
        ALL,
        "",
        "Follow this registry tag instead of the latest version",
    ),
    O::new(
        "versioning",
        String,
        ALL,
        "",
        "Version scheme to use instead of the manager's default",
    ),
    O::new(
        "pinDigests",
        Boolean,
        ALL,
        "false",
        "Pin Docker images and actions to digests",
    ),
    O::new(
        "vulnerabilityFixStrategy",
        String,
        ALL,
        "\"lowest\"",
        "Which version a vulnerability fix moves to: the lowest that fixes, or the highest",
    )
    .allowed(&["lowest", "highest"]),
    O::new(
        "separateMajorMinor",
        Boolean,
        ALL,
        "true",
        "Major updates in their own branches",
    ),
    O::new(
        "separateMultipleMajor",
        Boolean,
        ALL,
        "false",
        "One branch per major version",
    ),
    O::new(
        "separateMinorPatch",
        Boolean,
        ALL,
        "false",
        "Patch updates apart from minor ones",
    ),
    // Limits and branch life cycle.
    O::new(
        "prHourlyLimit",
        Integer,
        ALL,
        "2",
        "At most this many PRs per hour (0: no limit)",
    ),
    O::new(
        "prConcurrentLimit",
        Integer,
        ALL,
        "10",
        "At most this many open PRs (0: no limit)",
    ),
    O::new(
        "branchConcurrentLimit",
        Integer,
        ALL,
        "null",
        "At most this many branches (null: as prConcurrentLimit)",
    )
    .nullable(),
    O::new(
        "rebaseWhen",
        String,
        ALL,
        "\"auto\"",
        "When to rebase branches",
    )
    .allowed(&[
        "auto",
        "never",
        "conflicted",
        "behind-base-branch",
        "automerging",
    ]),
    O::new(
        "recreateWhen",
        String,
        ALL,
        "\"auto\"",
        "When to recreate a closed PR",
    )
    .allowed(&["auto", "always", "never"]),
    O::new(
        "branchPrefix",
        String,
        ALL,
        "\"upkeep/\"",
        "Prefix of every branch name (upkeep's default is `upkeep/`; set `renovate/` to keep Renovate's names)",
    ),
    O::new(
        "additionalBranchPrefix",
        String,
        ALL,
        "\"\"",
        "Extra prefix after branchPrefix",
    ),
    O::new(
        "branchTopic",
        String,
        ALL,
        "",
        "Last part of the branch name (default: built from the update, e.g. `react-18.x`)",
    )
    .nullable(),
    O::new(
        "branchNameStrict",
        Boolean,
        ALL,
        "false",
        "Keep only letters, digits and hyphens in the branch topic",
    ),
    // Commit messages and PR titles.
    O::new(
        "semanticCommits",
        String,
        ALL,
        "\"auto\"",
        "Use Conventional Commits messages",
    )
    .allowed(&["auto", "enabled", "disabled"]),
    O::new(
        "semanticCommitType",
        String,
        ALL,
        "\"chore\"",
        "Conventional Commits type",
    ),
    O::new(
        "semanticCommitScope",
        String,
        ALL,
        "\"deps\"",
        "Conventional Commits scope",
    )
    .nullable(),
    O::new(
        "commitMessage",
        String,
        ALL,
        "",
        "Template of the whole commit message",
    ),
    O::new(
        "commitMessageAction",
        String,
        ALL,
        "\"Update\"",
        "Verb of the commit message",
    ),
    O::new(
        "commitMessageTopic",
        String,
        ALL,
        "\"dependency {{depName}}\"",
        "Subject of the commit message",
    ),
    O::new(
        "commitMessageExtra",
        String,
        ALL,
        "",
        "Text after the topic (`to v2`)",
    ),
    O::new(
        "commitMessagePrefix",
        String,
        ALL,
        "",
        "Text before the commit message",
    )
    .nullable(),
    O::new(
        "commitMessageSuffix",
        String,
        ALL,
        "",
        "Text after the commit message",
    )
    .nullable(),
    O::new(
        "prTitle",
        String,
        ALL,
        "",
        "Template of the PR title (default: the commit message)",
    )
    .nullable(),
    O::new(
        "commitBody",
        String,
        ALL,
        "",
        "Text appended to the commit message after a blank line",
    )
    .nullable(),
    O::new(
        "commitMessageLowerCase",
        String,
        ALL,
        "\"auto\"",
        "Lower-case semantic commit titles (`auto`) or leave them (`never`)",
    )
    .allowed(&["auto", "never"]),
    // Dashboard and vulnerabilities.
    O::new(
        "dependencyDashboard",
        Boolean,
        GR,
        "false",
        "Keep a Dependency Dashboard issue",
    ),
    O::new(
        "dependencyDashboardTitle",
        String,
        GR,
        "\"Dependency Dashboard\"",
        "Title of the dashboard issue",
    ),
    O::new(
        "dependencyDashboardHeader",
        String,
        GR,
        "null",
        "Text at the top of the dashboard issue",
    )
    .nullable(),
    O::new(
        "dependencyDashboardFooter",
        String,
        GR,
        "null",
        "Text at the bottom of the dashboard issue",
    )
    .nullable(),
    O::new(
        "platformCommit",
        String,
        GR,
        "\"auto\"",
        "Commit through the platform's API (verified for GitHub Apps): `auto` does when running as an App",
    )
    .allowed(&["auto", "enabled", "disabled"]),
    O::new(
        "forkProcessing",
        String,
        GR,
        "\"auto\"",
        "Whether forked repositories are processed: `auto` skips forks found by autodiscover unless they have their own config",
    )
    .allowed(&["auto", "enabled", "disabled"]),
    O::new(
        "dependencyDashboardApproval",
        Boolean,
        ALL,
        "false",
        "Wait for approval on the dashboard before creating PRs",
    ),
    O::new(
        "osvVulnerabilityAlerts",
        Boolean,
        GR,
        "false",
        "Look vulnerabilities up in OSV",
    ),
    O::new(
        "configMigration",
        Boolean,
        GR,
        "false",
        "Propose PRs that migrate legacy config",
    ),
    // Matchers (packageRules only).
    O::new(
        "matchPackageNames",
        StringList,
        M,
        "",
        "Package names (exact, glob, /regex/, !negated)",
    )
    .check(C::Patterns),
    O::new(
        "matchDepNames",
        StringList,
        M,
        "",
        "Dependency names (exact, glob, /regex/, !negated)",
    )
    .check(C::Patterns),
    O::new("matchManagers", StringList, M, "", "Manager ids").check(C::Patterns),
    O::new("matchDatasources", StringList, M, "", "Datasource ids").check(C::Patterns),
    O::new(
        "matchDepTypes",
        StringList,
        M,
        "",
        "Dependency types (`devDependencies`…)",
    )
    .check(C::Patterns),
    O::new(
        "matchFileNames",
        StringList,
        M,
        "",
        "Package file paths (globs or /regex/)",
    )
    .check(C::PathPatterns),
    O::new("matchUpdateTypes", StringList, M, "", "Update types").allowed(UPDATE_TYPES),
    O::new(
        "matchCurrentVersion",
        String,
        M,
        "",
        "Range the current version must satisfy, or /regex/",
    )
    .check(C::VersionRange),
    O::new(
        "matchCurrentValue",
        String,
        M,
        "",
        "Current value as written (glob or /regex/)",
    )
    .check(C::Patterns),
    O::new(
        "matchCurrentAge",
        String,
        M,
        "",
        "Age of the current release (`> 3 months`)",
    )
    .check(C::AgeRange),
    O::new(
        "matchBaseBranches",
        StringList,
        M,
        "",
        "Base branches (exact, glob or /regex/)",
    )
    .check(C::Patterns),
    O::new(
        "matchSourceUrls",
        StringList,
        M,
        "",
        "Source repository URLs (exact, glob or /regex/)",
    )
    .check(C::Patterns),
    O::new(
        "matchCategories",
        StringList,
        M,
        "",
        "Manager categories (`docker`, `js`, `rust`…)",
    )
    .check(C::Patterns),
    O::new(
        "matchRepositories",
        StringList,
        M,
        "",
        "Repository names (exact, glob or /regex/)",
    )
    .check(C::Patterns),
    // Global-only options (the bot's own configuration).
    O::new(
        "platform",
        String,
        G,
        "\"local\"",
        "Where pull requests live",
    )
    .allowed(&["github", "local"]),
    O::new(
        "endpoint",
        String,
        G,
        "",
        "API endpoint of the platform (GitHub Enterprise)",
    ),
    O::new("token", String, G, "", "Platform token"),
    O::new("githubAppId", StringOrInteger, G, "", "GitHub App id"),
    O::new(
        "githubAppKey",
        String,
        G,
        "",
        "GitHub App private key (PEM) or a path to it",
    ),
    O::new(
        "webhookSecret",
        String,
        G,
        "",
        "Secret GitHub signs App webhooks with (`upkeep serve`)",
    ),
    O::new(
        "repositories",
        StringList,
        G,
        "[]",
        "Repositories to process (`owner/name`)",
    ),
    O::new(
        "autodiscover",
        Boolean,
        G,
        "false",
        "Process every repository the credentials reach",
    ),
    O::new(
        "autodiscoverFilter",
        StringList,
        G,
        "[]",
        "Autodiscovered repositories to keep (globs or /regex/)",
    )
    .check(C::Patterns),
    O::new(
        "onboarding",
        Boolean,
        G,
        "true",
        "Open an onboarding PR in repositories without config",
    ),
    O::new(
        "onboardingBranch",
        String,
        G,
        "\"upkeep/configure\"",
        "Branch of the onboarding PR",
    ),
    O::new(
        "onboardingConfig",
        Object,
        G,
        "{\"extends\":[\"config:recommended\"]}",
        "The config the onboarding PR proposes",
    )
    .children(RepositoryConfig),
    O::new(
        "onboardingConfigFileName",
        String,
        G,
        "\"renovate.json\"",
        "File the onboarding PR adds",
    )
    .allowed(&[
        "renovate.json",
        "renovate.json5",
        ".github/renovate.json",
        ".github/renovate.json5",
        ".gitlab/renovate.json",
        ".gitlab/renovate.json5",
        ".renovaterc",
        ".renovaterc.json",
        ".renovaterc.json5",
    ]),
    O::new(
        "onboardingPrTitle",
        String,
        G,
        "\"Configure upkeep\"",
        "Title of the onboarding PR",
    ),
    O::new(
        "requireConfig",
        String,
        G,
        "\"required\"",
        "Whether a repository needs its own config",
    )
    .allowed(&["required", "optional", "ignored"]),
    O::new("cacheDir", String, G, "", "Directory for registry caches"),
    O::new("baseDir", String, G, "", "Working directory for clones"),
    O::new("redisUrl", String, G, "", "Shared cache (`redis://…`)"),
    O::new("dryRun", String, G, "null", "Stop after a stage")
        .nullable()
        .allowed(&["extract", "lookup", "full"]),
    O::new(
        "gitAuthor",
        String,
        G,
        "",
        "Author of upkeep's commits (`Name <email>`)",
    ),
];

/// Keys of a `hostRules` entry.
pub static HOST_RULE_OPTIONS: &[O] = &[
    O::new(
        "matchHost",
        String,
        ALL,
        "",
        "Host, URL prefix or domain the rule applies to",
    ),
    O::new(
        "hostType",
        String,
        ALL,
        "",
        "Datasource or platform id the rule applies to",
    ),
    O::new(
        "username",
        String,
        ALL,
        "",
        "User name for basic authentication",
    ),
    O::new(
        "password",
        String,
        ALL,
        "",
        "Password for basic authentication",
    ),
    O::new("token", String, ALL, "", "Bearer token"),
    O::new(
        "authType",
        String,
        ALL,
        "",
        "Authorization scheme (`Bearer`, `Basic`, `token-only`…)",
    ),
    O::new(
        "timeout",
        Integer,
        ALL,
        "",
        "Request timeout in milliseconds",
    ),
    O::new(
        "enabled",
        Boolean,
        ALL,
        "true",
        "Whether requests to the host are made at all",
    ),
    O::new(
        "abortOnError",
        Boolean,
        ALL,
        "false",
        "Abort the repository when the host fails",
    ),
    O::new(
        "concurrentRequestLimit",
        Integer,
        ALL,
        "",
        "Parallel requests to the host",
    ),
    O::new(
        "maxRequestsPerSecond",
        Integer,
        ALL,
        "",
        "Requests per second to the host",
    ),
    O::new("description", StringList, ALL, "", "Free text; ignored"),
];

/// Keys of a `customManagers` entry.
pub static CUSTOM_MANAGER_OPTIONS: &[O] = &[
    O::new("customType", String, ALL, "", "Kind of custom manager").allowed(&["regex"]),
    O::new("description", StringList, ALL, "", "Free text; ignored"),
    O::new(
        "managerFilePatterns",
        StringList,
        MGR,
        "",
        "Files to search (globs or /regex/)",
    )
    .check(C::PathPatterns),
    O::new(
        "matchStrings",
        StringList,
        ALL,
        "",
        "Regexes with named groups (`depName`, `currentValue`…)",
    )
    .check(C::Regexes),
    O::new(
        "matchStringsStrategy",
        String,
        ALL,
        "\"any\"",
        "How several matchStrings combine",
    )
    .allowed(&["any", "recursive", "combination"]),
    O::new("depNameTemplate", String, ALL, "", "Template for depName"),
    O::new(
        "packageNameTemplate",
        String,
        ALL,
        "",
        "Template for packageName",
    ),
    O::new(
        "datasourceTemplate",
        String,
        ALL,
        "",
        "Template for datasource",
    ),
    O::new(
        "versioningTemplate",
        String,
        ALL,
        "",
        "Template for versioning",
    ),
    O::new(
        "currentValueTemplate",
        String,
        ALL,
        "",
        "Template for currentValue",
    ),
    O::new("depTypeTemplate", String, ALL, "", "Template for depType"),
    O::new(
        "registryUrlTemplate",
        String,
        ALL,
        "",
        "Template for registryUrls",
    ),
    O::new(
        "extractVersionTemplate",
        String,
        ALL,
        "",
        "Template for extractVersion",
    ),
    O::new(
        "autoReplaceStringTemplate",
        String,
        ALL,
        "",
        "Template of the replaced text",
    ),
];
