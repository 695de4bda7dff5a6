//! Fixed synthetic workload: index OSV records for 2,000 packages (from JSON and from
//! an in-memory zip dump), then answer what a lookup asks for each package: all its
//! advisories, the ones affecting the current version, and the lowest fixing version
//! among 60 candidates. Prints wall times; run with `cargo bench -p upkeep-vuln`.

use std::hint::black_box;
use std::io::{Cursor, Write};
use std::time::Instant;

use upkeep_versioning::Version;
use upkeep_vuln::{Ecosystem, IndexBuilder, decision, load_zip};

const PACKAGES: usize = 2_000;

/// One GHSA-style record per package (two affected entries), plus a RUSTSEC-style
/// alias of it (one range, two pairs) for every fourth package.
fn records() -> Vec<(String, String)> {
    let mut records = Vec::new();
    for package in 0..PACKAGES {
        let (ecosystem, name) = if package % 2 == 0 {
            ("npm", format!("pkg-{package}"))
        } else {
            ("crates.io", format!("crate_{package}"))
        };
        let ghsa = format!("GHSA-bench-{package:04}");
        let cve = format!("CVE-2099-{package:05}");
        records.push((
            ghsa.clone(),
            format!(
                r#"{{"schema_version": "1.4.0", "id": "{ghsa}", "modified": "2024-01-01T00:00:00Z",
  "aliases": ["{cve}"], "summary": "Synthetic advisory {package}",
  "severity": [{{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}],
  "affected": [
    {{"package": {{"ecosystem": "{ecosystem}", "name": "{name}"}},
     "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "0.2.4"}}]}}]}},
    {{"package": {{"ecosystem": "{ecosystem}", "name": "{name}"}},
     "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "1.0.0"}}, {{"fixed": "1.2.6"}}]}}]}}],
  "references": [{{"type": "ADVISORY", "url": "https://example.test/{ghsa}"}}],
  "database_specific": {{"severity": "CRITICAL"}}}}"#
            ),
        ));
        if package % 4 == 1 {
            let rustsec = format!("RUSTSEC-2099-{package:04}");
            records.push((
                rustsec.clone(),
                format!(
                    r#"{{"id": "{rustsec}", "modified": "2024-01-01T00:00:00Z", "aliases": ["{cve}", "{ghsa}"],
  "affected": [{{"package": {{"ecosystem": "crates.io", "name": "{name}"}},
    "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "0.2.4"}},
      {{"introduced": "1.0.0"}}, {{"fixed": "1.2.6"}}]}}]}}]}}"#
                ),
            ));
        }
    }
    records
}

fn zip_dump(records: &[(String, String)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (id, json) in records {
        writer.start_file(format!("{id}.json"), options).unwrap();
        writer.write_all(json.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn main() {
    let records = records();
    let dump = zip_dump(&records);

    let start = Instant::now();
    let mut builder = IndexBuilder::new();
    for (id, json) in &records {
        builder.add_json(id, json.as_bytes());
    }
    let (index, report) = builder.finish();
    let from_json = start.elapsed();
    assert!(report.errors.is_empty(), "{:?}", report.errors);

    let start = Instant::now();
    let mut builder = IndexBuilder::new();
    load_zip(&mut builder, "bench.zip", Cursor::new(&dump)).unwrap();
    let (zip_index, _) = builder.finish();
    let from_zip = start.elapsed();
    assert_eq!(zip_index.advisory_count(), index.advisory_count());

    let npm = Ecosystem::from_osv_name("npm").unwrap();
    let crates = Ecosystem::from_osv_name("crates.io").unwrap();
    let candidates: Vec<Version> = (0..3)
        .flat_map(|major| {
            (0..4).flat_map(move |minor| (0..5).map(move |patch| (major, minor, patch)))
        })
        .map(|(major, minor, patch)| {
            npm.versioning()
                .parse_version(&format!("{major}.{minor}.{patch}"))
                .unwrap()
        })
        .collect();
    let current = npm.versioning().parse_version("1.2.0").unwrap();

    let start = Instant::now();
    let mut fixes = 0;
    for package in 0..PACKAGES {
        let (ecosystem, name) = if package % 2 == 0 {
            (npm, format!("pkg-{package}"))
        } else {
            (crates, format!("crate-{package}"))
        };
        let advisories = index.advisories(ecosystem, &name);
        assert_eq!(advisories.len(), 1, "{name}");
        black_box(index.vulnerabilities(ecosystem, &name, "1.2.0").unwrap());
        if decision::lowest_fixing_version(&current, &candidates, &advisories).is_ok() {
            fixes += 1;
        }
    }
    let queries = start.elapsed();
    assert_eq!(fixes, PACKAGES);

    println!(
        "{} records, {} packages: index from JSON {from_json:?}, from zip ({} KiB) {from_zip:?}; \
         {PACKAGES} lookups (advisories + vulnerabilities + lowest fix of {}) {queries:?}",
        records.len(),
        index.package_count(),
        dump.len() / 1024,
        candidates.len(),
    );
}
