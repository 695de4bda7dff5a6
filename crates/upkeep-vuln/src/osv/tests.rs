use super::*;

fn parse(json: &str) -> Result<Vulnerability, String> {
    Vulnerability::from_json(json.as_bytes()).map_err(|error| error.to_string())
}

#[test]
fn every_sample_record_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/records");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let record = Vulnerability::from_json(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert!(path.ends_with(format!("{}.json", record.id)));
        count += 1;
    }
    assert_eq!(count, 19);
}

#[test]
fn ghsa_record_reads_into_typed_fields() {
    let record = Vulnerability::from_json(include_bytes!(
        "../../fixtures/records/GHSA-p8p7-x288-28g6.json"
    ))
    .unwrap();
    assert_eq!(record.id, "GHSA-p8p7-x288-28g6");
    assert_eq!(record.aliases, ["CVE-2023-28155"]);
    assert_eq!(record.severity[0].kind, SeverityType::CvssV3);
    assert_eq!(record.database_severity(), Some("MODERATE"));
    assert_eq!(record.cwe_ids().collect::<Vec<_>>(), ["CWE-918"]);
    assert_eq!(record.references[0].kind, ReferenceType::Advisory);
    let request = &record.affected[0];
    assert_eq!(request.package.as_ref().unwrap().name, "request");
    assert_eq!(request.ranges[0].kind(), &RangeType::Ecosystem);
    assert_eq!(
        request.ranges[0].events(),
        [
            Event::Introduced("0".into()),
            Event::LastAffected("2.88.2".into())
        ]
    );
    assert!(!record.is_withdrawn());
}

#[test]
fn withdrawn_and_missing_keys_are_read() {
    let withdrawn = Vulnerability::from_json(include_bytes!(
        "../../fixtures/records/GHSA-27h2-hvpr-p74q.json"
    ))
    .unwrap();
    assert!(withdrawn.is_withdrawn());
    // No `aliases` key at all, `"versions": []` and `null` values elsewhere.
    let mal =
        Vulnerability::from_json(include_bytes!("../../fixtures/records/MAL-2025-28595.json"))
            .unwrap();
    assert!(mal.aliases.is_empty());
    let rustsec = Vulnerability::from_json(include_bytes!(
        "../../fixtures/records/RUSTSEC-2026-0009.json"
    ))
    .unwrap();
    assert_eq!(rustsec.severity[0].kind, SeverityType::CvssV4);
    assert_eq!(
        rustsec.affected[0]
            .package
            .as_ref()
            .unwrap()
            .purl
            .as_deref(),
        Some("pkg:cargo/time")
    );
}

#[test]
fn unknown_values_are_kept_and_unknown_fields_ignored() {
    let record = parse(
        r#"{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "future_field": {"a": 1},
            "severity": [{"type": "CVSS_V5", "score": "CVSS:5.0/…"}],
            "references": [{"type": "VIDEO", "url": "https://example.test"}],
            "affected": [{"package": {"ecosystem": "npm", "name": "a"},
              "ranges": [{"type": "CALVER", "events": [{"introduced": "0"}, {"patched": "1"}]}]}]}"#,
    )
    .unwrap();
    assert_eq!(
        record.severity[0].kind,
        SeverityType::Other("CVSS_V5".into())
    );
    assert_eq!(
        record.references[0].kind,
        ReferenceType::Other("VIDEO".into())
    );
    let range = &record.affected[0].ranges[0];
    assert_eq!(range.kind(), &RangeType::Other("CALVER".into()));
    assert_eq!(range.events(), [Event::Introduced("0".into())]);
}

#[test]
fn invalid_records_are_errors_naming_the_record() {
    let cases = [
        (
            r#"{"id": "X-2", "modified": "m", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}]}]}"#,
            "OSV record `X-2`: affected[0] (npm `a`) range 0 has no `introduced` event",
        ),
        (
            r#"{"id": "X-3", "modified": "m", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}]}]}"#,
            "OSV record `X-3`: affected[0] (npm `a`) range 0 event 0 has more than one kind",
        ),
        (
            r#"{"id": "X-4", "modified": "m", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": ""}]}]}]}"#,
            "OSV record `X-4`: affected[0] (npm `a`) range 0 event 0 has an empty version",
        ),
        (
            r#"{"id": " ", "modified": "m"}"#,
            "OSV record ` `: the `id` is empty",
        ),
    ];
    for (json, expected) in cases {
        let error = parse(json).unwrap_err();
        assert!(error.starts_with(expected), "{error}");
    }
    assert!(
        parse(r#"{"modified": "m"}"#)
            .unwrap_err()
            .contains("missing field `id`")
    );
}
