use super::*;
use crate::osv::Vulnerability;

/// Compiles the first `affected[]` entry of a record whose ranges/versions are `body`.
fn compile(ecosystem: &str, body: &str, malicious: bool) -> AffectedVersions {
    let json = format!(
        r#"{{"id": "T-1", "modified": "m", "affected": [{{
            "package": {{"ecosystem": "{ecosystem}", "name": "p"}}, {body}}}]}}"#
    );
    let record = Vulnerability::from_json(json.as_bytes()).unwrap();
    let ecosystem = Ecosystem::from_osv_name(ecosystem).unwrap();
    AffectedVersions::compile(&record.affected[0], ecosystem, malicious).unwrap()
}

fn npm(text: &str) -> Version {
    upkeep_versioning::get_versioning("npm")
        .unwrap()
        .parse_version(text)
        .unwrap()
}

/// `(version, affected?)` checked against one compiled entry.
fn check(affected: &AffectedVersions, cases: &[(&str, bool)]) {
    for (version, expected) in cases {
        assert_eq!(affected.affects(&npm(version)), *expected, "{version}");
    }
}

#[test]
fn introduced_zero_and_fixed() {
    let affected = compile(
        "npm",
        r#""ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.20"}]}]"#,
        false,
    );
    check(
        &affected,
        &[
            ("0.0.1", true),
            ("4.17.19", true),
            ("4.17.20", false),
            ("5.0.0", false),
        ],
    );
    assert_eq!(affected.describe(), ["< 4.17.20"]);
}

#[test]
fn several_pairs_in_one_range_unsorted() {
    // RustSec writes several pairs in one range; the events here are out of order.
    let affected = compile(
        "npm",
        r#""ranges": [{"type": "SEMVER", "events": [
            {"introduced": "1.0.0"}, {"fixed": "1.6.1"}, {"introduced": "0.6.3"}, {"fixed": "0.6.14"}]}]"#,
        false,
    );
    check(
        &affected,
        &[
            ("0.6.2", false),
            ("0.6.3", true),
            ("0.6.13", true),
            ("0.6.14", false),
            ("0.9.0", false),
            ("1.0.0", true),
            ("1.6.0", true),
            ("1.6.1", false),
        ],
    );
    assert_eq!(
        affected.describe(),
        [">= 0.6.3, < 0.6.14", ">= 1.0.0, < 1.6.1"]
    );
}

#[test]
fn last_affected_is_inclusive() {
    let affected = compile(
        "npm",
        r#""ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "2.88.2"}]}]"#,
        false,
    );
    check(
        &affected,
        &[("2.88.1", true), ("2.88.2", true), ("2.88.3", false)],
    );
    assert_eq!(affected.describe(), ["<= 2.88.2"]);
    assert_eq!(affected.fixed_versions().count(), 0);
}

#[test]
fn limit_bounds_the_range() {
    let affected = compile(
        "npm",
        r#""ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"limit": "1.0.0"}]}]"#,
        false,
    );
    check(
        &affected,
        &[("0.9.9", true), ("1.0.0", false), ("2.0.0", false)],
    );
    assert_eq!(affected.describe(), ["< 1.0.0"]);
    let star = compile(
        "npm",
        r#""ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"limit": "*"}]}]"#,
        false,
    );
    check(
        &star,
        &[("0.9.0", false), ("1.0.0", true), ("99.0.0", true)],
    );
    assert_eq!(star.describe(), [">= 1.0.0"]);
}

#[test]
fn unfixed_range_affects_everything_from_introduced() {
    let affected = compile(
        "npm",
        r#""ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]"#,
        false,
    );
    check(&affected, &[("0.0.0", true), ("100.0.0", true)]);
    assert_eq!(affected.describe(), ["*"]);
}

#[test]
fn prereleases_order_before_their_release() {
    // GHSA-crh6-fp67-6883: introduced 0.9.0-beta.1, fixed 0.9.0-beta.4.
    let affected = compile(
        "npm",
        r#""ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0.9.0-beta.1"}, {"fixed": "0.9.0-beta.4"}]}]"#,
        false,
    );
    check(
        &affected,
        &[
            ("0.9.0-alpha.1", false),
            ("0.9.0-beta.1", true),
            ("0.9.0-beta.3", true),
            ("0.9.0-beta.4", false),
            ("0.9.0", false),
            ("0.8.9", false),
        ],
    );
}

#[test]
fn explicit_versions_match_exactly() {
    let affected = compile("npm", r#""versions": ["0.0.7", "v-weird"]"#, false);
    check(
        &affected,
        &[("0.0.6", false), ("0.0.7", true), ("0.0.8", false)],
    );
    assert_eq!(affected.describe(), ["= 0.0.7", "= v-weird"]);
}

#[test]
fn git_ranges_are_ignored_for_registry_versions() {
    let affected = compile(
        "npm",
        r#""ranges": [{"type": "GIT", "repo": "https://example.test/r.git",
            "events": [{"introduced": "0"}, {"fixed": "0123456789abcdef0123456789abcdef01234567"}]}]"#,
        false,
    );
    check(&affected, &[("1.0.0", false)]);
}

#[test]
fn malicious_entry_without_versions_affects_every_version() {
    let affected = compile("npm", r#""database_specific": {}"#, true);
    check(&affected, &[("0.0.1", true), ("9.9.9", true)]);
    assert_eq!(affected.describe(), ["*"]);
    // Not malicious: nothing listed means nothing affected (the OSV algorithm).
    let plain = compile("npm", r#""database_specific": {}"#, false);
    check(&plain, &[("0.0.1", false)]);
}

#[test]
fn crates_io_ecosystem_versions_use_cargo_versioning() {
    let affected = compile(
        "crates.io",
        r#""ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0.6.3"}, {"fixed": "0.6.14"}]}]"#,
        false,
    );
    check(&affected, &[("0.6.5", true), ("0.6.14", false)]);
}

#[test]
fn unparseable_versions_are_errors() {
    let json = r#"{"id": "T-2", "modified": "m", "affected": [{
        "package": {"ecosystem": "crates.io", "name": "p"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5"}]}]}]}"#;
    let record = Vulnerability::from_json(json.as_bytes()).unwrap();
    let ecosystem = Ecosystem::from_osv_name("crates.io").unwrap();
    let error = AffectedVersions::compile(&record.affected[0], ecosystem, false).unwrap_err();
    assert_eq!(
        error,
        "range 0: `fixed` version `1.5` is not a valid cargo version"
    );
}
