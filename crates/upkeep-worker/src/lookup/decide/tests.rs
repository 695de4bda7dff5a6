//! Table tests of the pure decisions. Each row names a behaviour; updates are rendered
//! compactly as `type newValue (newVersion) flags`, so a row reads like the report.

use std::collections::BTreeMap;

use jiff::Timestamp;
use upkeep_datasource::{Release, ReleaseResult};
use upkeep_types::{Datasource, Dependency, Update};
use upkeep_versioning::{RangeStrategy, Version, get_versioning};

use super::*;
use crate::lookup::settings::{AllowedVersions, LookupSettings, parse_age};

const NOW: &str = "2025-01-10T00:00:00Z";

/// One dependency and what the registry says about it.
#[derive(Clone, Default)]
struct Case {
    manager: &'static str,
    versioning: &'static str,
    dep_type: Option<&'static str>,
    value: Option<&'static str>,
    locked: Option<&'static str>,
    digest: Option<&'static str>,
    /// Space-separated versions; `!` marks a deprecated one, `@DATE` its release day.
    releases: &'static str,
    tags: &'static [(&'static str, &'static str)],
    digests: &'static [(Option<&'static str>, &'static str)],
}

fn npm(value: &'static str, locked: Option<&'static str>, releases: &'static str) -> Case {
    Case {
        manager: "npm",
        versioning: "npm",
        dep_type: Some("dependencies"),
        value: Some(value),
        locked,
        releases,
        ..Case::default()
    }
}

fn cargo(value: &'static str, locked: Option<&'static str>, releases: &'static str) -> Case {
    Case {
        manager: "cargo",
        versioning: "cargo",
        dep_type: Some("dependencies"),
        ..npm(value, locked, releases)
    }
}

fn terraform(value: &'static str, locked: Option<&'static str>, releases: &'static str) -> Case {
    Case {
        manager: "terraform",
        versioning: "hashicorp",
        dep_type: Some("required_provider"),
        ..npm(value, locked, releases)
    }
}

fn docker(value: Option<&'static str>, releases: &'static str) -> Case {
    Case {
        manager: "dockerfile",
        versioning: "docker",
        dep_type: Some("final"),
        value,
        releases,
        ..Case::default()
    }
}

fn release_result(case: &Case) -> ReleaseResult {
    let releases = case
        .releases
        .split_whitespace()
        .map(|word| {
            let (word, day) = match word.split_once('@') {
                Some((word, day)) => (word, Some(format!("{day}T00:00:00Z"))),
                None => (word, None),
            };
            let (version, deprecated) = match word.strip_suffix('!') {
                Some(version) => (version, true),
                None => (word, false),
            };
            Release {
                version: version.to_owned(),
                release_timestamp: day,
                is_deprecated: deprecated,
                digest: None,
            }
        })
        .collect();
    ReleaseResult {
        releases,
        tags: case
            .tags
            .iter()
            .map(|(tag, version)| (tag.to_string(), version.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..ReleaseResult::default()
    }
}

fn run_with(case: &Case, settings: &LookupSettings, affected: &dyn AffectedVersions) -> Decision {
    let dependency = Dependency {
        dep_name: "pkg".to_owned(),
        current_value: case.value.map(str::to_owned),
        current_digest: case.digest.map(str::to_owned),
        locked_version: case.locked.map(str::to_owned),
        dep_type: case.dep_type.map(str::to_owned),
        datasource: Some(Datasource::Npm),
        ..Dependency::default()
    };
    let mut facts = Facts::default();
    for (tag, digest) in case.digests {
        facts
            .digests
            .insert(tag.map(str::to_owned), Some(digest.to_string()));
    }
    let releases = release_result(case);
    let input = LookupInput {
        dependency: &dependency,
        manager: case.manager,
        versioning: get_versioning(case.versioning).unwrap(),
        releases: &releases,
        settings,
        now: NOW.parse::<Timestamp>().unwrap(),
        supports_digests: case.versioning == "docker",
        facts: &facts,
        vulnerabilities: affected,
    };
    decide(&input)
}

fn run(case: &Case, settings: &LookupSettings) -> Decision {
    run_with(case, settings, &NoVulnerabilities)
}

fn render(update: &Update) -> String {
    let mut text = format!(
        "{} {}",
        update.update_type.expect("every update has a type"),
        update.new_value.as_deref().unwrap_or("-")
    );
    if let Some(version) = &update.new_version
        && update.new_value.as_ref() != Some(version)
    {
        text.push_str(&format!(" ({version})"));
    }
    if update.is_lockfile_update {
        text.push_str(" lockfile");
    }
    if let Some(digest) = &update.new_digest {
        text.push_str(&format!(" @{digest}"));
    }
    if update.pending_checks {
        text.push_str(" pending");
    }
    if !update.pending_versions.is_empty() {
        let held: Vec<&str> = update
            .pending_versions
            .iter()
            .map(|p| p.version.as_str())
            .collect();
        text.push_str(&format!(" held:{}", held.join(",")));
    }
    text
}

fn updates(decision: &Decision) -> Vec<String> {
    decision.dependency.updates.iter().map(render).collect()
}

fn with(change: impl FnOnce(&mut LookupSettings)) -> LookupSettings {
    let mut settings = LookupSettings::default();
    change(&mut settings);
    settings
}

/// Rows: (behaviour, case, settings, expected updates).
fn check(rows: Vec<(&str, Case, LookupSettings, &[&str])>) {
    let mut failures = Vec::new();
    for (name, case, settings, expected) in rows {
        let decision = run(&case, &settings);
        let actual = updates(&decision);
        if actual != expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  actual   {actual:?}\n  warnings {:?}",
                decision.dependency.warnings
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn npm_ranges_follow_renovates_auto_strategy() {
    let default = LookupSettings::default;
    check(vec![
        (
            "caret range with a lock file: in-range is a lock file update, out of range replaces",
            npm("^18.2.0", Some("18.2.0"), "18.2.0 18.3.1 19.0.0"),
            default(),
            &["minor ^18.2.0 (18.3.1) lockfile", "major ^19.0.0 (19.0.0)"],
        ),
        (
            "caret range without a lock file: update-lockfile becomes bump",
            npm("^18.2.0", None, "18.2.0 18.3.1 19.0.0"),
            default(),
            &["minor ^18.3.1 (18.3.1)", "major ^19.0.0 (19.0.0)"],
        ),
        (
            "an exact version stays exact",
            npm("6.16.0", Some("6.16.0"), "6.16.0 6.16.1 6.20.1 7.0.0"),
            default(),
            &["minor 6.20.1", "major 7.0.0"],
        ),
        (
            "peerDependencies widen",
            Case {
                dep_type: Some("peerDependencies"),
                ..npm("^1.0.0", None, "1.0.0 2.0.0")
            },
            default(),
            &["major ^1.0.0 || ^2.0.0 (2.0.0)"],
        ),
        (
            "rangeStrategy pin pins every update and adds a pin update",
            npm("^1.2.0", Some("1.2.3"), "1.2.3 1.3.0"),
            with(|s| s.range_strategy = RangeStrategy::Pin),
            &["minor 1.3.0", "pin 1.2.3"],
        ),
        (
            "in-range-only never leaves the range",
            npm("^1.2.0", Some("1.2.3"), "1.2.3 1.3.0 2.0.0"),
            with(|s| s.range_strategy = RangeStrategy::InRangeOnly),
            &["minor ^1.2.0 (1.3.0) lockfile"],
        ),
        (
            "bump moves the floor even in range",
            npm("^1.2.0", Some("1.2.3"), "1.2.3 1.3.0"),
            with(|s| s.range_strategy = RangeStrategy::Bump),
            &["minor ^1.3.0 (1.3.0)"],
        ),
        (
            "already on the newest: nothing",
            npm("^2.0.0", Some("2.1.0"), "2.0.0 2.1.0"),
            default(),
            &[],
        ),
    ]);
}

#[test]
fn buckets_follow_the_separate_options() {
    let case = || npm("1.0.0", None, "1.0.0 1.0.1 1.2.0 2.0.0 2.1.0 3.0.0");
    check(vec![
        (
            "default: one non-major and one major",
            case(),
            LookupSettings::default(),
            &["minor 1.2.0", "major 3.0.0"],
        ),
        (
            "separateMinorPatch splits patch from minor",
            case(),
            with(|s| s.separate_minor_patch = true),
            &["patch 1.0.1", "minor 1.2.0", "major 3.0.0"],
        ),
        (
            "separateMultipleMajor: one update per major",
            case(),
            with(|s| s.separate_multiple_major = true),
            &["minor 1.2.0", "major 2.1.0", "major 3.0.0"],
        ),
        (
            "separateMajorMinor false: one update, the newest",
            case(),
            with(|s| s.separate_major_minor = false),
            &["major 3.0.0"],
        ),
    ]);
}

#[test]
fn filters_apply_renovates_options() {
    let default = LookupSettings::default;
    check(vec![
        (
            "ignoreUnstable skips prereleases",
            npm("1.0.0", None, "1.0.0 1.0.1 1.1.0-beta.1"),
            default(),
            &["patch 1.0.1"],
        ),
        (
            "ignoreUnstable false proposes them",
            npm("1.0.0", None, "1.0.0 1.0.1 1.1.0-beta.1"),
            with(|s| s.ignore_unstable = false),
            &["minor 1.1.0-beta.1"],
        ),
        (
            "from a prerelease: same major.minor.patch prereleases and stable releases",
            npm(
                "1.1.0-beta.1",
                None,
                "1.1.0-beta.1 1.1.0-beta.2 1.2.0-beta.1",
            ),
            default(),
            &["patch 1.1.0-beta.2"],
        ),
        (
            "from a prerelease: the release wins over its prereleases",
            npm(
                "1.1.0-beta.1",
                None,
                "1.1.0-beta.1 1.1.0-beta.2 1.1.0 1.2.0-beta.1",
            ),
            default(),
            &["patch 1.1.0"],
        ),
        (
            "allowedVersions as a range",
            npm("^18.2.0", Some("18.2.0"), "18.2.0 18.3.1 19.0.0"),
            with(|s| s.allowed_versions = Some("<19".parse().unwrap())),
            &["minor ^18.2.0 (18.3.1) lockfile"],
        ),
        (
            "allowedVersions as a regex",
            npm("1.0.0", None, "1.0.0 1.1.0 2.0.0"),
            with(|s| s.allowed_versions = Some("/^1\\./".parse().unwrap())),
            &["minor 1.1.0"],
        ),
        (
            "allowedVersions as a negated regex",
            npm("1.0.0", None, "1.0.0 1.1.0 2.0.0"),
            with(|s| s.allowed_versions = Some("!/^2\\./".parse().unwrap())),
            &["minor 1.1.0"],
        ),
        (
            "deprecated releases are skipped",
            npm("1.0.0", None, "1.0.0 1.1.0 1.2.0!"),
            default(),
            &["minor 1.1.0"],
        ),
        (
            "unless the current release is deprecated too",
            npm("1.0.0", None, "1.0.0! 1.1.0 1.2.0!"),
            default(),
            &["minor 1.2.0"],
        ),
        (
            "ignoreDeprecated false proposes them",
            npm("1.0.0", None, "1.0.0 1.1.0 1.2.0!"),
            with(|s| s.ignore_deprecated = false),
            &["minor 1.2.0"],
        ),
        (
            "nothing past the latest dist-tag",
            Case {
                tags: &[("latest", "1.1.0")],
                ..npm("1.0.0", None, "1.0.0 1.1.0 2.0.0")
            },
            default(),
            &["minor 1.1.0"],
        ),
        (
            "unless the current version is already past latest",
            Case {
                tags: &[("latest", "1.1.0")],
                ..npm("2.0.0", None, "1.0.0 1.1.0 2.0.0 2.1.0")
            },
            default(),
            &["minor 2.1.0"],
        ),
        (
            "respectLatest false ignores the tag",
            Case {
                tags: &[("latest", "1.1.0")],
                ..npm("1.0.0", None, "1.0.0 1.1.0 2.0.0")
            },
            with(|s| s.respect_latest = false),
            &["minor 1.1.0", "major 2.0.0"],
        ),
        (
            "followTag proposes the tagged prerelease",
            Case {
                tags: &[("latest", "1.0.0"), ("next", "2.0.0-beta.2")],
                ..npm("1.0.0", None, "1.0.0 1.1.0 2.0.0-beta.2")
            },
            with(|s| s.follow_tag = Some("next".to_owned())),
            &["major 2.0.0-beta.2"],
        ),
    ]);
}

#[test]
fn minimum_release_age_holds_young_releases() {
    let age = || with(|s| s.minimum_release_age = Some(parse_age("3 days").unwrap()));
    check(vec![
        (
            "the newest old-enough release is proposed, younger ones listed",
            npm(
                "1.0.0",
                None,
                "1.0.0@2024-12-01 1.1.0@2025-01-01 1.2.0@2025-01-09",
            ),
            age(),
            &["minor 1.1.0 held:1.2.0"],
        ),
        (
            "when none is old enough the newest is reported pending",
            npm("1.0.0", None, "1.0.0@2024-12-01 1.2.0@2025-01-09"),
            age(),
            &["minor 1.2.0 pending"],
        ),
        (
            "exactly old enough passes",
            npm("1.0.0", None, "1.0.0@2024-12-01 1.2.0@2025-01-07"),
            age(),
            &["minor 1.2.0"],
        ),
    ]);
    let decision = run(
        &npm("1.0.0", None, "1.0.0@2024-12-01 1.2.0@2025-01-09"),
        &age(),
    );
    let update = &decision.dependency.updates[0];
    assert_eq!(update.eligible_at.as_deref(), Some("2025-01-12T00:00:00Z"));
    assert_eq!(
        update.release_timestamp.as_deref(),
        Some("2025-01-09T00:00:00Z")
    );
}

#[test]
fn unknown_release_times_are_asked_for_the_candidates_only() {
    let settings = with(|s| s.minimum_release_age = Some(parse_age("3 days").unwrap()));
    let case = npm("1.0.0", None, "0.9.0 1.0.0 1.0.1 1.1.0 2.0.0");
    let decision = run(&case, &settings);
    let mut asked = decision.missing.timestamps.clone();
    asked.sort();
    assert_eq!(asked, ["1.0.1", "1.1.0", "2.0.0"]);
    // without minimumReleaseAge only the proposed versions are asked
    let mut decision = run(&case, &LookupSettings::default());
    decision.missing.timestamps.sort();
    assert_eq!(decision.missing.timestamps, ["1.1.0", "2.0.0"]);
}

#[test]
fn cargo_and_terraform_keep_their_operators() {
    let default = LookupSettings::default;
    check(vec![
        (
            "cargo `1.2` with a lock file: lock file update in range, replace out of it",
            cargo("1.2", Some("1.2.5"), "1.2.5 1.4.0 2.0.0"),
            default(),
            &["minor 1.2 (1.4.0) lockfile", "major 2.0 (2.0.0)"],
        ),
        (
            "cargo `1.2` without a lock file is bumped",
            cargo("1.2", None, "1.2.0 1.2.5 1.4.0 2.0.0"),
            default(),
            &["minor 1.4 (1.4.0)", "major 2.0 (2.0.0)"],
        ),
        (
            "cargo `<` ranges widen under auto",
            cargo(">=1.2, <2", Some("1.9.0"), "1.9.0 2.1.0"),
            default(),
            &["major >=1.2, <3 (2.1.0)"],
        ),
        (
            "cargo pin writes `=`",
            cargo("1.2", Some("1.2.5"), "1.2.5 1.4.0"),
            with(|s| s.range_strategy = RangeStrategy::Pin),
            &["minor =1.4.0 (1.4.0)", "pin =1.2.5 (1.2.5)"],
        ),
        (
            "terraform `~>` in range with a lock file: lock file update; out of range: replaced",
            terraform("~> 5.20", Some("5.21.0"), "5.21.0 5.40.0 6.0.0"),
            default(),
            &["minor ~> 5.20 (5.40.0) lockfile", "major ~> 6.0 (6.0.0)"],
        ),
        (
            "terraform `~>` without a lock file: only what leaves the range",
            terraform("~> 5.20", None, "5.21.0 5.40.0 6.0.0"),
            default(),
            &["major ~> 6.0 (6.0.0)"],
        ),
        (
            "terraform exact version",
            terraform("3.5.1", Some("3.5.1"), "3.5.1 3.6.0"),
            default(),
            &["minor 3.6.0"],
        ),
    ]);
}

#[test]
fn docker_tags_keep_suffix_family_and_precision() {
    let default = LookupSettings::default;
    check(vec![
        (
            "suffix family and precision are kept",
            docker(
                Some("18.18-alpine3.18"),
                "18.18-alpine3.18 18.19-alpine3.18 18.19-alpine3.19 18.19.1-alpine3.18 \
                 20.10-alpine3.18 20.11 21-alpine3.18",
            ),
            default(),
            &["minor 18.19-alpine3.18", "major 20.10-alpine3.18"],
        ),
        (
            "a major-only tag moves to major-only tags",
            docker(Some("18"), "18 20 20.11.1 22-alpine latest"),
            default(),
            &["major 20"],
        ),
        (
            "prerelease tags are skipped",
            docker(Some("3.12-slim"), "3.12-slim 3.13-slim 3.14-rc1-slim"),
            default(),
            &["minor 3.13-slim"],
        ),
        (
            "a non-version tag is not updated",
            docker(Some("latest"), "18 20 latest"),
            default(),
            &[],
        ),
        (
            "a digest moves with the tag and the moved tag gets a digest update",
            Case {
                digest: Some("sha256:old"),
                digests: &[
                    (Some("1.25.2-alpine"), "sha256:moved"),
                    (Some("1.25.3-alpine"), "sha256:new"),
                ],
                ..docker(Some("1.25.2-alpine"), "1.25.2-alpine 1.25.3-alpine 1.25.3")
            },
            default(),
            &[
                "patch 1.25.3-alpine @sha256:new",
                "digest 1.25.2-alpine @sha256:moved",
            ],
        ),
        (
            "an unmoved tag gets no digest update",
            Case {
                digest: Some("sha256:same"),
                digests: &[(Some("1.25.2-alpine"), "sha256:same")],
                ..docker(Some("1.25.2-alpine"), "1.25.2-alpine")
            },
            default(),
            &[],
        ),
        (
            "a non-version tag with a digest still gets digest updates",
            Case {
                digest: Some("sha256:old"),
                digests: &[(Some("nonroot"), "sha256:new")],
                ..docker(Some("nonroot"), "nonroot latest")
            },
            default(),
            &["digest nonroot @sha256:new"],
        ),
        (
            "pinDigests adds the digest everywhere",
            Case {
                digests: &[(Some("7.2.1"), "sha256:a"), (Some("7.2.4"), "sha256:b")],
                ..docker(Some("7.2.1"), "7.2.1 7.2.4")
            },
            with(|s| s.pin_digests = true),
            &["patch 7.2.4 @sha256:b", "pinDigest 7.2.1 @sha256:a"],
        ),
        (
            "without pinDigests a reference without digest gets none",
            Case {
                digests: &[(Some("7.2.1"), "sha256:a"), (Some("7.2.4"), "sha256:b")],
                ..docker(Some("7.2.1"), "7.2.1 7.2.4")
            },
            default(),
            &["patch 7.2.4"],
        ),
    ]);
}

#[test]
fn digests_are_asked_only_for_the_tags_proposed() {
    let case = Case {
        digest: Some("sha256:old"),
        ..docker(Some("7.2.1"), "7.2.1 7.2.2 7.2.4 8.0.0")
    };
    let decision = run(&case, &LookupSettings::default());
    let mut asked: Vec<Option<String>> = decision.missing.digests.clone();
    asked.sort();
    let expected: Vec<Option<String>> = ["7.2.1", "7.2.4", "8.0.0"]
        .iter()
        .map(|tag| Some(tag.to_string()))
        .collect();
    assert_eq!(asked, expected);
}

#[test]
fn invalid_values_are_warnings_not_failures() {
    let decision = run(
        &npm("not a version!", None, "1.0.0"),
        &LookupSettings::default(),
    );
    assert!(decision.dependency.updates.is_empty());
    assert_eq!(
        decision.dependency.warnings,
        ["`not a version!` is not a valid npm version or range"]
    );

    let decision = run(
        &npm("^5.0.0", None, "1.0.0 1.1.0"),
        &LookupSettings::default(),
    );
    assert!(decision.dependency.updates.is_empty());
    assert_eq!(
        decision.dependency.warnings,
        ["no release of `pkg` satisfies `^5.0.0`"]
    );

    let settings = with(|s| s.allowed_versions = Some(AllowedVersions::Range("~>>1".into())));
    let decision = run(&npm("1.0.0", None, "1.0.0 1.1.0"), &settings);
    assert!(decision.dependency.updates.is_empty());
    assert!(decision.dependency.warnings[0].contains("allowedVersions `~>>1`"));

    let settings = with(|s| s.follow_tag = Some("next".to_owned()));
    let decision = run(&npm("1.0.0", None, "1.0.0 1.1.0"), &settings);
    assert_eq!(
        decision.dependency.warnings,
        ["`pkg` has no `next` tag to follow"]
    );
}

#[test]
fn current_version_comes_from_the_lock_the_value_or_the_releases() {
    let rows: &[(Case, Option<&str>)] = &[
        (
            npm("^1.0.0", Some("1.0.3"), "1.0.0 1.0.3 1.1.0"),
            Some("1.0.3"),
        ),
        (npm("1.0.3", None, "1.0.0 1.0.3"), Some("1.0.3")),
        (
            npm("^1.0.0", None, "1.0.0 1.0.3 1.1.0 2.0.0"),
            Some("1.0.0"),
        ),
        (
            terraform("~> 1.0", None, "1.0.0 1.3.0 2.0.0"),
            Some("1.3.0"),
        ),
        (docker(Some("18-alpine"), "18-alpine"), Some("18-alpine")),
        (docker(Some("latest"), "latest"), None),
    ];
    for (case, expected) in rows {
        let decision = run(case, &LookupSettings::default());
        assert_eq!(
            decision.dependency.current_version.as_deref(),
            *expected,
            "{:?}",
            case.value
        );
    }
}

/// Affected versions for the vulnerability seam.
struct Affected(&'static [&'static str]);

impl AffectedVersions for Affected {
    fn is_affected(&self, version: &Version) -> bool {
        self.0.contains(&version.as_str())
    }
}

#[test]
fn affected_versions_are_never_proposed() {
    let case = npm("1.0.0", None, "1.0.0 1.1.0 1.2.0 2.0.0");
    let decision = run_with(
        &case,
        &LookupSettings::default(),
        &Affected(&["1.2.0", "2.0.0"]),
    );
    assert_eq!(updates(&decision), ["minor 1.1.0"]);
    let mut warnings = decision.dependency.warnings.clone();
    warnings.sort();
    assert_eq!(
        warnings,
        [
            "every candidate newer than `1.0.0` is affected by a known vulnerability: 2.0.0",
            "skipped 1.2.0 as affected by a known vulnerability; proposing `1.1.0`",
        ]
    );
}
