//! The offline database against the real sample records in `fixtures/records`, loaded
//! from a directory and from a zip dump built here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use upkeep_versioning::Version;
use upkeep_vuln::decision::{self, NoFix};
use upkeep_vuln::{
    Advisory, Ecosystem, IndexBuilder, OfflineDatabase, PackageQuery, SeverityLabel,
    SeveritySource, VulnerabilitySource,
};

fn fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(sub)
}

fn records() -> OfflineDatabase {
    OfflineDatabase::open(&fixtures("records")).unwrap()
}

fn npm() -> &'static Ecosystem {
    Ecosystem::from_osv_name("npm").unwrap()
}

fn crates() -> &'static Ecosystem {
    Ecosystem::from_osv_name("crates.io").unwrap()
}

fn version(ecosystem: &Ecosystem, text: &str) -> Version {
    ecosystem.versioning().parse_version(text).unwrap()
}

/// The ids of the advisories affecting `name@version`.
fn ids(db: &OfflineDatabase, ecosystem: &Ecosystem, name: &str, version: &str) -> Vec<String> {
    db.index()
        .vulnerabilities(ecosystem, name, version)
        .unwrap()
        .into_iter()
        .map(|advisory| advisory.id)
        .collect()
}

fn only(db: &OfflineDatabase, ecosystem: &Ecosystem, name: &str, version: &str) -> Advisory {
    let mut found = db
        .index()
        .vulnerabilities(ecosystem, name, version)
        .unwrap();
    assert_eq!(found.len(), 1, "{name}@{version}: {found:?}");
    found.remove(0)
}

#[test]
fn directory_of_sample_records_loads_without_errors() {
    let db = records();
    let report = db.report();
    assert_eq!(report.errors, []);
    assert_eq!(report.withdrawn, 1);
    assert_eq!(report.records, 18);
    assert_eq!(report.duplicates, 0);
}

#[test]
fn vulnerable_version_with_a_fix() {
    let db = records();
    assert_eq!(
        ids(&db, npm(), "lodash", "4.17.19"),
        ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"]
    );
    assert_eq!(
        ids(&db, npm(), "lodash", "4.17.20"),
        ["GHSA-35jh-r3h4-6jhm"]
    );
    assert!(ids(&db, npm(), "lodash", "4.17.21").is_empty());
    let advisory = only(&db, npm(), "lodash-es", "4.17.20");
    assert_eq!(advisory.id, "GHSA-35jh-r3h4-6jhm");
    assert_eq!(advisory.aliases, ["CVE-2021-23337"]);
    assert_eq!(
        advisory.summary.as_deref(),
        Some("Command Injection in lodash")
    );
    assert_eq!(advisory.fixed_versions, ["4.17.21"]);
    assert_eq!(advisory.affected_ranges, ["< 4.17.21"]);
    assert_eq!(
        advisory.url.as_deref(),
        Some("https://nvd.nist.gov/vuln/detail/CVE-2021-23337")
    );
    assert_eq!(
        advisory.first_fix_after(&version(npm(), "4.17.20")),
        Some("4.17.21")
    );

    let advisories = db.index().advisories(npm(), "lodash");
    let candidates: Vec<Version> = ["4.17.19", "4.17.20", "4.17.21", "4.17.23"]
        .iter()
        .map(|text| version(npm(), text))
        .collect();
    let fix = decision::lowest_fixing_version(&version(npm(), "4.17.15"), &candidates, &advisories);
    assert_eq!(fix.map(Version::as_str), Ok("4.17.21"));
}

#[test]
fn several_ranges_fixed_in_1_2_6_and_0_2_4() {
    let db = records();
    for (text, affected) in [
        ("0.0.8", true),
        ("0.2.3", true),
        ("0.2.4", false),
        ("0.9.0", false),
        ("1.0.0", true),
        ("1.2.5", true),
        ("1.2.6", false),
    ] {
        let found = ids(&db, npm(), "minimist", text);
        assert_eq!(!found.is_empty(), affected, "minimist@{text}");
    }
    let advisory = only(&db, npm(), "minimist", "1.2.0");
    assert_eq!(advisory.affected_ranges, [">= 1.0.0, < 1.2.6", "< 0.2.4"]);
    assert_eq!(advisory.fixed_versions, ["0.2.4", "1.2.6"]);
    assert_eq!(
        advisory.first_fix_after(&version(npm(), "0.1.0")),
        Some("0.2.4")
    );

    // path-to-regexp: five affected[] entries for one package, not in version order.
    for (text, affected) in [
        ("0.1.9", true),
        ("0.1.10", false),
        ("1.8.0", true),
        ("1.9.0", false),
        ("3.2.0", true),
        ("3.3.0", false),
        ("6.2.9", true),
        ("7.0.0", true),
        ("8.0.0", false),
    ] {
        let found = ids(&db, npm(), "path-to-regexp", text);
        assert_eq!(!found.is_empty(), affected, "path-to-regexp@{text}");
    }
}

#[test]
fn last_affected_without_a_fix() {
    let db = records();
    let advisory = only(&db, npm(), "request", "2.88.2");
    assert_eq!(advisory.id, "GHSA-p8p7-x288-28g6");
    assert_eq!(advisory.affected_ranges, ["<= 2.88.2"]);
    assert!(advisory.fixed_versions.is_empty());
    assert!(ids(&db, npm(), "request", "2.88.3").is_empty());
    // The same record's other package has a fix.
    assert_eq!(
        only(&db, npm(), "@cypress/request", "2.88.12").fixed_versions,
        ["3.0.0"]
    );

    let advisories = db.index().advisories(npm(), "request");
    let candidates = [version(npm(), "2.88.1"), version(npm(), "2.88.2")];
    assert_eq!(
        decision::lowest_fixing_version(&version(npm(), "2.88.0"), &candidates, &advisories),
        Err(NoFix::NoUnaffectedNewerVersion)
    );
}

#[test]
fn limit_event_bounds_the_affected_versions() {
    let db = OfflineDatabase::open(&fixtures("variants")).unwrap();
    let advisory = only(&db, npm(), "minimist-limit-test", "0.9.0");
    assert_eq!(advisory.affected_ranges, ["< 1.0.0"]);
    assert!(ids(&db, npm(), "minimist-limit-test", "1.0.0").is_empty());
    assert_eq!(advisory.severity.label, SeverityLabel::Critical);
    assert_eq!(advisory.severity.source, SeveritySource::Database);
}

#[test]
fn withdrawn_advisory_is_ignored() {
    let db = records();
    assert!(ids(&db, npm(), "jsonwebtoken", "8.5.1").is_empty());
    assert!(db.index().advisories(npm(), "jsonwebtoken").is_empty());
}

#[test]
fn ghsa_and_rustsec_duplicates_are_one_advisory() {
    let db = records();
    let advisory = only(&db, crates(), "smallvec", "1.6.0");
    assert_eq!(advisory.id, "GHSA-43w2-9j62-hq99");
    assert_eq!(advisory.aliases, ["CVE-2021-25900", "RUSTSEC-2021-0003"]);
    assert_eq!(advisory.severity.score, Some(9.8));
    assert_eq!(
        advisory.affected_ranges,
        [">= 0.6.3, < 0.6.14", ">= 1.0.0, < 1.6.1"]
    );
    assert_eq!(advisory.fixed_versions, ["0.6.14", "1.6.1"]);
    for (text, affected) in [
        ("0.6.2", false),
        ("0.6.13", true),
        ("0.6.14", false),
        ("1.6.1", false),
    ] {
        assert_eq!(
            !ids(&db, crates(), "smallvec", text).is_empty(),
            affected,
            "{text}"
        );
    }
    // Names compare the way crates.io does.
    assert_eq!(
        ids(&db, crates(), "SmallVec", "1.6.0"),
        ["GHSA-43w2-9j62-hq99"]
    );
}

#[test]
fn explicit_versions_list() {
    let db = records();
    // MAL-2025-191025 lists only `versions: ["0.0.7"]`.
    assert_eq!(ids(&db, npm(), "02-echo", "0.0.7"), ["MAL-2025-191025"]);
    assert!(ids(&db, npm(), "02-echo", "0.0.6").is_empty());
    // GHSA-pjwm-rvh2-c87w: three hijacked releases, as ranges and as versions.
    for (text, affected) in [
        ("0.7.28", false),
        ("0.7.29", true),
        ("0.7.30", false),
        ("0.8.0", true),
        ("1.0.0", true),
        ("1.0.1", false),
    ] {
        assert_eq!(
            !ids(&db, npm(), "ua-parser-js", text).is_empty(),
            affected,
            "{text}"
        );
    }
    let advisory = only(&db, npm(), "ua-parser-js", "1.0.0");
    assert!(advisory.malicious, "CWE-506 embedded malicious code");
    assert_eq!(advisory.severity.label, SeverityLabel::Critical);
}

#[test]
fn malicious_package_affects_every_version() {
    let db = records();
    let advisory = only(&db, npm(), "osscamp", "0.0.1");
    assert!(advisory.malicious);
    assert_eq!(advisory.affected_ranges, ["*"]);
    assert_eq!(advisory.severity.label, SeverityLabel::Critical);
    assert_eq!(advisory.severity.source, SeveritySource::Malicious);
    assert!(!ids(&db, npm(), "osscamp", "99.0.0").is_empty());
    let advisories = db.index().advisories(npm(), "osscamp");
    let candidates = [version(npm(), "1.0.0"), version(npm(), "2.0.0")];
    assert_eq!(
        decision::lowest_fixing_version(&version(npm(), "0.0.1"), &candidates, &advisories),
        Err(NoFix::NoUnaffectedNewerVersion)
    );
    // The Shai-Hulud record names a GitHub malware advisory it is the same as.
    let echo = only(&db, npm(), "02-echo", "0.0.7");
    assert!(echo.malicious);
    assert_eq!(echo.aliases, ["GHSA-q2q8-5wg4-g6jq"]);
}

#[test]
fn prerelease_ranges() {
    let db = records();
    for (text, affected) in [
        ("0.7.6", true),
        ("0.7.7", false),
        ("0.8.3", true),
        ("0.8.4", false),
        ("0.9.0-beta.1", true),
        ("0.9.0-beta.4", false),
    ] {
        assert_eq!(
            !ids(&db, npm(), "@xmldom/xmldom", text).is_empty(),
            affected,
            "{text}"
        );
    }
    // `xmldom`: last_affected 0.6.0, and GHSA's label (no CVSS vector).
    let advisory = only(&db, npm(), "xmldom", "0.6.0");
    assert_eq!(advisory.severity.label, SeverityLabel::Critical);
    assert_eq!(advisory.severity.score, None);
}

#[test]
fn cvss_v3_scores_match_the_published_scores() {
    let db = records();
    let cases = [
        (
            npm(),
            "lodash",
            "4.17.15",
            "GHSA-p6mc-m468-83gw",
            7.4,
            SeverityLabel::High,
        ),
        (
            npm(),
            "lodash",
            "4.17.15",
            "GHSA-35jh-r3h4-6jhm",
            7.2,
            SeverityLabel::High,
        ),
        (
            npm(),
            "minimist",
            "1.2.5",
            "GHSA-xvch-5gv4-984h",
            9.8,
            SeverityLabel::Critical,
        ),
        (
            npm(),
            "path-to-regexp",
            "0.1.7",
            "GHSA-9wv6-86v2-598j",
            7.5,
            SeverityLabel::High,
        ),
        (
            npm(),
            "semver",
            "7.5.1",
            "GHSA-c2qf-rxjj-qqgw",
            5.3,
            SeverityLabel::Medium,
        ),
        (
            npm(),
            "request",
            "2.88.2",
            "GHSA-p8p7-x288-28g6",
            6.1,
            SeverityLabel::Medium,
        ),
        (
            crates(),
            "time",
            "0.2.22",
            "GHSA-wcg3-cvx6-7396",
            6.2,
            SeverityLabel::Medium,
        ),
        (
            crates(),
            "smallvec",
            "1.6.0",
            "GHSA-43w2-9j62-hq99",
            9.8,
            SeverityLabel::Critical,
        ),
        (
            crates(),
            "tokio",
            "1.8.3",
            "GHSA-fg7r-2g4j-5cgr",
            8.1,
            SeverityLabel::High,
        ),
        (
            crates(),
            "tokio",
            "1.18.3",
            "GHSA-7rrj-xr53-82p7",
            5.4,
            SeverityLabel::Medium,
        ),
        (
            crates(),
            "regex",
            "1.5.4",
            "GHSA-m5pq-gvj9-9vr8",
            7.5,
            SeverityLabel::High,
        ),
    ];
    for (ecosystem, name, text, id, score, label) in cases {
        let advisories = db.index().vulnerabilities(ecosystem, name, text).unwrap();
        let advisory = advisories
            .iter()
            .find(|advisory| advisory.id == id)
            .unwrap_or_else(|| panic!("{id} not found for {name}@{text}"));
        assert_eq!(advisory.severity.score, Some(score), "{id}");
        assert_eq!(advisory.severity.label, label, "{id}");
    }
    // h2: no vector, GHSA's MODERATE.
    let h2 = only(&db, crates(), "h2", "0.3.23");
    assert_eq!(h2.severity.label, SeverityLabel::Medium);
    assert_eq!(h2.severity.source, SeveritySource::Database);
}

#[test]
fn cvss_v4_only_record_is_scored_from_its_vector() {
    let db = records();
    let advisory = only(&db, crates(), "time", "0.3.46");
    assert_eq!(advisory.id, "RUSTSEC-2026-0009");
    assert_eq!(advisory.severity.source, SeveritySource::CvssV4);
    let score = advisory.severity.score.unwrap();
    assert_eq!(SeverityLabel::from_score(score), advisory.severity.label);
    assert_ne!(advisory.severity.label, SeverityLabel::Unknown);
    assert!(
        advisory
            .severity
            .vector
            .as_deref()
            .unwrap()
            .starts_with("CVSS:4.0/")
    );
    assert_eq!(
        advisory.url.as_deref(),
        Some("https://rustsec.org/advisories/RUSTSEC-2026-0009.html")
    );
}

#[test]
fn zip_dump_gives_the_same_answers_as_the_directory() {
    let temp = tempfile::tempdir().unwrap();
    let zip_path = temp.path().join("all.zip");
    write_zip(&zip_path, &fixtures("records"));
    let from_zip = OfflineDatabase::open(&zip_path).unwrap();
    let from_dir = records();
    assert_eq!(from_zip.report().records, from_dir.report().records);
    assert_eq!(from_zip.report().errors, []);
    for (ecosystem, name, text) in [
        (npm(), "minimist", "1.2.5"),
        (npm(), "lodash", "4.17.15"),
        (crates(), "smallvec", "1.6.0"),
        (crates(), "time", "0.3.46"),
        (npm(), "jsonwebtoken", "8.5.1"),
    ] {
        assert_eq!(
            ids(&from_zip, ecosystem, name, text),
            ids(&from_dir, ecosystem, name, text),
            "{name}@{text}"
        );
    }
    // A directory holding per-ecosystem dumps (`npm/all.zip`, …) loads them too.
    let nested = temp.path().join("osv");
    std::fs::create_dir_all(nested.join("npm")).unwrap();
    std::fs::rename(&zip_path, nested.join("npm/all.zip")).unwrap();
    let from_nested = OfflineDatabase::open(&nested).unwrap();
    assert_eq!(
        ids(&from_nested, npm(), "minimist", "1.2.5"),
        ["GHSA-xvch-5gv4-984h"]
    );
}

#[test]
fn corrupt_zip_is_an_error_not_an_empty_database() {
    let temp = tempfile::tempdir().unwrap();
    let zip_path = temp.path().join("all.zip");
    std::fs::write(&zip_path, b"not a zip").unwrap();
    let error = OfflineDatabase::open(&zip_path).unwrap_err();
    assert!(error.to_string().contains("all.zip"), "{error}");
    assert!(OfflineDatabase::open(&temp.path().join("missing")).is_err());
}

#[test]
fn broken_records_are_reported_and_skipped() {
    // `fixtures/` holds records/, variants/ and broken/ (and a README.md, ignored).
    let db = OfflineDatabase::open(&fixtures("")).unwrap();
    let report = db.report();
    let mut errors: Vec<(String, Option<String>)> = report
        .errors
        .iter()
        .map(|error| {
            let file = Path::new(&error.source)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, error.id.clone())
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            (
                "bad-version.json".to_owned(),
                Some("UPKEEP-TEST-BAD-VERSION".to_owned())
            ),
            (
                "no-introduced.json".to_owned(),
                Some("UPKEEP-TEST-NO-INTRODUCED".to_owned())
            ),
            ("truncated.json".to_owned(), None),
        ]
    );
    let reasons: Vec<&str> = report
        .errors
        .iter()
        .map(|error| error.reason.as_str())
        .collect();
    assert!(
        reasons[0].contains("`fixed` version `1.5` is not a valid cargo version"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("range 0 has no `introduced` event"),
        "{reasons:?}"
    );
    // Everything else still loads, including the real record for the same crate.
    assert_eq!(report.records, 19);
    assert_eq!(
        ids(&db, crates(), "regex", "1.5.4"),
        ["GHSA-m5pq-gvj9-9vr8"]
    );
}

#[test]
fn invalid_query_version_is_an_error() {
    let db = records();
    let error = db
        .index()
        .vulnerabilities(npm(), "lodash", "latest")
        .unwrap_err();
    assert_eq!(error.to_string(), "`latest` is not a valid npm version");
}

#[test]
fn the_database_trait_answers_per_package_in_query_order() {
    let db: Arc<dyn VulnerabilitySource> = Arc::new(records());
    let queries = [
        PackageQuery {
            ecosystem: npm(),
            name: "lodash".into(),
        },
        PackageQuery {
            ecosystem: npm(),
            name: "left-pad".into(),
        },
        PackageQuery {
            ecosystem: crates(),
            name: "tokio".into(),
        },
    ];
    let mut future = db.advisories(&queries);
    let Poll::Ready(answers) = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    else {
        panic!("the offline database answers at once");
    };
    let counts: Vec<usize> = answers
        .unwrap()
        .iter()
        .map(|advisories| advisories.len())
        .collect();
    assert_eq!(counts, [2, 0, 2]);
    assert!(db.name().starts_with("offline OSV database"));
}

#[test]
fn indexing_the_same_record_twice_keeps_one() {
    let mut builder = IndexBuilder::new();
    let bytes = std::fs::read(fixtures("records/GHSA-m5pq-gvj9-9vr8.json")).unwrap();
    builder.add_json("a", &bytes);
    builder.add_json("b", &bytes);
    let (index, report) = builder.finish();
    assert_eq!((report.records, report.duplicates), (1, 1));
    assert_eq!(index.advisories(crates(), "regex").len(), 1);
}

/// Packs every file of `dir` into a zip at `path`, one entry per record, as OSV's
/// `all.zip` dumps are laid out.
fn write_zip(path: &Path, dir: &Path) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().unwrap().to_str().unwrap();
        writer.start_file(name, options).unwrap();
        writer.write_all(&std::fs::read(&entry).unwrap()).unwrap();
    }
    writer.finish().unwrap();
}

#[test]
fn one_broken_package_entry_does_not_hide_the_others() {
    let mut builder = IndexBuilder::new();
    let json = r#"{"id": "GHSA-test-part", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "npm", "name": "good"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]},
        {"package": {"ecosystem": "npm", "name": "bad"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "one"}]}]},
        {"package": {"ecosystem": "PyPI", "name": "elsewhere"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}"#;
    builder.add_json("part.json", json.as_bytes());
    let (index, report) = builder.finish();
    assert_eq!(report.records, 1);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        report.errors[0].to_string(),
        "`part.json` (`GHSA-test-part`): affected[1] (npm `bad`) skipped: \
         range 0: `fixed` version `one` is not a valid npm version"
    );
    assert_eq!(index.advisories(npm(), "good").len(), 1);
    assert!(index.advisories(npm(), "bad").is_empty());
}

#[test]
fn stored_and_deflated_entries_load_and_a_corrupted_one_is_reported_not_indexed() {
    let temp = tempfile::tempdir().unwrap();
    let zip_path = temp.path().join("all.zip");
    let record = |id: &str, name: &str| {
        format!(
            r#"{{"id": "{id}", "modified": "2024-01-01T00:00:00Z", "affected": [
            {{"package": {{"ecosystem": "npm", "name": "{name}"}},
             "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "1.0.0"}}]}}]}}]}}"#
        )
    };
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for (id, name, method) in [
        (
            "GHSA-aaaa-stor-ed00",
            "stored-pkg",
            zip::CompressionMethod::Stored,
        ),
        (
            "GHSA-aaaa-defl-ated",
            "deflated-pkg",
            zip::CompressionMethod::Deflated,
        ),
        (
            "GHSA-aaaa-corr-upt0",
            "corrupted-pkg",
            zip::CompressionMethod::Stored,
        ),
    ] {
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        writer.start_file(format!("{id}.json"), options).unwrap();
        writer.write_all(record(id, name).as_bytes()).unwrap();
    }
    writer.finish().unwrap();
    // flip one byte of the third record's stored (plain) data: its CRC-32 no longer
    // matches, while the archive's structure stays intact
    let mut bytes = std::fs::read(&zip_path).unwrap();
    let needle = b"corrupted-pkg";
    let at = bytes
        .windows(needle.len())
        .position(|window| window == needle)
        .unwrap();
    bytes[at] = b'C';
    std::fs::write(&zip_path, bytes).unwrap();

    let database = OfflineDatabase::open(&zip_path).unwrap();
    let report = database.report();
    assert_eq!(report.records, 2, "{report:#?}");
    let [error] = report.errors.as_slice() else {
        panic!("one error expected: {report:#?}");
    };
    assert!(
        error.source.ends_with("GHSA-aaaa-corr-upt0.json"),
        "{error}"
    );
    assert!(error.reason.contains("CRC-32"), "{error}");
    for name in ["stored-pkg", "deflated-pkg"] {
        assert_eq!(ids(&database, npm(), name, "0.9.0").len(), 1, "{name}");
    }
}
