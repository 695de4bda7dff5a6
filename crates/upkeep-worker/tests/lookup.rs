//! The lookup orchestration against fake datasources that count their calls: one
//! request per unique package, bounded concurrency, host failures recorded once,
//! package failures isolated, facts fetched only for what is proposed.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use upkeep_datasource::{
    BoxFuture, DatasourceApi, DatasourceError, LookupContext, RegistryConfig, Release,
    ReleaseQuery, ReleaseResult,
};
use upkeep_http::{HostRules, HttpClient, HttpError, HttpOptions, RedactedUrl};
use upkeep_manager::ExtractReport;
use upkeep_types::{Datasource, Dependency, PackageFile, SkipReason};
use upkeep_worker::lookup::{
    Datasources, LookupOptions, LookupProgress, LookupReport, lookup_repository,
};

/// A registry in memory. Packages named `down/…` live on a host that is unreachable;
/// `missing/…` do not exist.
struct FakeRegistry {
    id: Datasource,
    releases: &'static [&'static str],
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    facts: Mutex<Vec<String>>,
    delay: Duration,
}

impl FakeRegistry {
    fn new(id: Datasource, releases: &'static [&'static str]) -> Arc<FakeRegistry> {
        Arc::new(FakeRegistry {
            id,
            releases,
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            facts: Mutex::new(Vec::new()),
            delay: Duration::from_millis(2),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    async fn answer(&self, query: &ReleaseQuery) -> Result<ReleaseResult, DatasourceError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let name = &query.package_name;
        if name.starts_with("down/") {
            let url = RedactedUrl::parse(&format!("https://down.example/{name}")).unwrap();
            let host = "down.example:443".to_owned();
            let error = if call == 0 {
                HttpError::Unreachable {
                    url,
                    host,
                    reason: "connection refused".to_owned(),
                }
            } else {
                HttpError::HostDown {
                    url,
                    host,
                    reason: "connection refused".to_owned(),
                }
            };
            return Err(DatasourceError::Http(error));
        }
        if name.starts_with("missing/") {
            return Err(DatasourceError::NotFound {
                package: name.clone(),
                registry: "https://registry.example".to_owned(),
            });
        }
        Ok(ReleaseResult {
            releases: self
                .releases
                .iter()
                .map(|version| Release {
                    version: version.to_string(),
                    ..Release::default()
                })
                .collect(),
            ..ReleaseResult::default()
        })
    }
}

impl DatasourceApi for FakeRegistry {
    fn id(&self) -> Datasource {
        self.id
    }

    fn default_registry_urls(&self) -> &'static [&'static str] {
        &["https://registry.example"]
    }

    fn get_releases<'a>(
        &'a self,
        _context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        Box::pin(async move {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            let result = self.answer(query).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            result
        })
    }

    fn get_digest<'a>(
        &'a self,
        _context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, DatasourceError>> {
        Box::pin(async move {
            let tag = version.unwrap_or("latest");
            self.facts
                .lock()
                .unwrap()
                .push(format!("digest {}:{tag}", query.package_name));
            Ok(Some(format!("sha256:{tag}")))
        })
    }

    fn get_release_timestamp<'a>(
        &'a self,
        _context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, DatasourceError>> {
        Box::pin(async move {
            self.facts
                .lock()
                .unwrap()
                .push(format!("time {}:{version}", query.package_name));
            Ok(Some("2024-01-01T00:00:00Z".to_owned()))
        })
    }
}

fn context() -> Arc<LookupContext> {
    let http = HttpClient::new(HttpOptions::default(), HostRules::default()).unwrap();
    Arc::new(LookupContext {
        http: Arc::new(http),
        registries: RegistryConfig::default(),
    })
}

fn dep(name: &str, datasource: Datasource, value: &str) -> Dependency {
    Dependency {
        current_value: Some(value.to_owned()),
        dep_type: Some("dependencies".to_owned()),
        ..Dependency::new(name, Some(datasource))
    }
}

fn extract(manager: &str, files: Vec<(&str, Vec<Dependency>)>) -> ExtractReport {
    let files = files
        .into_iter()
        .map(|(path, deps)| PackageFile {
            deps,
            ..PackageFile::new(path)
        })
        .collect();
    ExtractReport {
        package_files: BTreeMap::from([(manager.to_owned(), files)]),
        errors: Vec::new(),
    }
}

async fn run(
    report: ExtractReport,
    registry: &Arc<FakeRegistry>,
    concurrency: usize,
) -> LookupReport {
    let datasources = Datasources::new(vec![registry.clone() as Arc<dyn DatasourceApi>]);
    let options = LookupOptions {
        concurrency,
        ..LookupOptions::default()
    };
    lookup_repository(report, context(), &datasources, &options).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_references_to_five_hundred_packages_cost_five_hundred_calls() {
    let registry = FakeRegistry::new(Datasource::Npm, &["1.0.0", "1.1.0", "2.0.0"]);
    let files = (0..40)
        .map(|file| {
            let deps: Vec<Dependency> = (0..50)
                .map(|index| {
                    dep(
                        &format!("pkg-{}", (file * 50 + index) % 500),
                        Datasource::Npm,
                        "1.0.0",
                    )
                })
                .collect();
            (format!("app-{file}/package.json"), deps)
        })
        .collect::<Vec<_>>();
    let files = files
        .iter()
        .map(|(path, deps)| (path.as_str(), deps.clone()))
        .collect();
    let report = run(extract("npm", files), &registry, 16).await;
    assert_eq!(registry.calls(), 500);
    let max = registry.max_in_flight.load(Ordering::SeqCst);
    assert!((2..=16).contains(&max), "in flight at once: {max}");
    assert!(report.is_complete());
    assert_eq!(
        report.update_count(),
        4_000,
        "a minor and a major for each reference"
    );
}

#[tokio::test]
async fn an_unreachable_host_is_reported_once_with_every_package_it_cost() {
    let registry = FakeRegistry::new(Datasource::Npm, &["1.0.0", "1.1.0"]);
    let report = extract(
        "npm",
        vec![(
            "package.json",
            vec![
                dep("down/a", Datasource::Npm, "1.0.0"),
                dep("down/b", Datasource::Npm, "1.0.0"),
                dep("down/c", Datasource::Npm, "1.0.0"),
                dep("fine", Datasource::Npm, "1.0.0"),
            ],
        )],
    );
    let report = run(report, &registry, 4).await;
    assert_eq!(report.host_errors.len(), 1, "{:#?}", report.host_errors);
    let host = &report.host_errors[0];
    assert_eq!(host.host, "down.example");
    assert!(
        host.message.contains("connection refused"),
        "{}",
        host.message
    );
    assert_eq!(host.packages, ["npm:down/a", "npm:down/b", "npm:down/c"]);
    assert!(report.lookup_errors.is_empty());
    let deps = &report.package_files["npm"][0].deps;
    for dep in &deps[..3] {
        assert!(dep.updates.is_empty());
        assert!(dep.warnings[0].starts_with("not looked up: registry `down.example` failed"));
    }
    assert_eq!(deps[3].updates.len(), 1, "the other host is unaffected");
    assert!(!report.is_complete());
}

#[tokio::test]
async fn a_failed_registry_url_is_not_asked_again() {
    let registry = FakeRegistry::new(Datasource::Npm, &["1.0.0"]);
    let on_down_host = |name: &str| Dependency {
        registry_urls: vec!["https://down.example/npm".to_owned()],
        ..dep(name, Datasource::Npm, "1.0.0")
    };
    let report = extract(
        "npm",
        vec![(
            "package.json",
            vec![
                on_down_host("down/a"),
                on_down_host("down/b"),
                on_down_host("down/c"),
            ],
        )],
    );
    let report = run(report, &registry, 1).await;
    assert_eq!(registry.calls(), 1);
    assert_eq!(report.host_errors[0].packages.len(), 3);
}

#[tokio::test]
async fn a_missing_package_fails_only_its_own_dependencies() {
    let registry = FakeRegistry::new(Datasource::Npm, &["1.0.0", "1.1.0"]);
    let report = extract(
        "npm",
        vec![
            (
                "a/package.json",
                vec![
                    dep("missing/x", Datasource::Npm, "1.0.0"),
                    dep("ok", Datasource::Npm, "1.0.0"),
                ],
            ),
            (
                "b/package.json",
                vec![dep("missing/x", Datasource::Npm, "^1.0.0")],
            ),
        ],
    );
    let report = run(report, &registry, 4).await;
    assert_eq!(registry.calls(), 2);
    assert!(report.host_errors.is_empty());
    let failed: Vec<(&str, &str)> = report
        .lookup_errors
        .iter()
        .map(|error| (error.package_file.as_str(), error.dep_name.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            ("a/package.json", "missing/x"),
            ("b/package.json", "missing/x")
        ]
    );
    assert!(report.lookup_errors[0].message.contains("not found"));
    let ok = &report.package_files["npm"][0].deps[1];
    assert_eq!(ok.updates.len(), 1);
    assert_eq!(ok.current_version.as_deref(), Some("1.0.0"));
}

#[tokio::test]
async fn skipped_and_unsupported_dependencies_pass_through_without_a_call() {
    let registry = FakeRegistry::new(Datasource::Npm, &["1.0.0"]);
    let report = extract(
        "npm",
        vec![(
            "package.json",
            vec![
                dep("local", Datasource::Npm, "file:../x").skipped(SkipReason::FileDependency),
                dep("serde", Datasource::Crate, "1.0"),
            ],
        )],
    );
    let report = run(report, &registry, 4).await;
    assert_eq!(registry.calls(), 0);
    let deps = &report.package_files["npm"][0].deps;
    assert_eq!(
        deps[0].dependency.skip_reason,
        Some(SkipReason::FileDependency)
    );
    assert!(deps[0].warnings.is_empty());
    assert_eq!(
        deps[1].dependency.skip_reason,
        Some(SkipReason::UnsupportedDatasource)
    );
    assert_eq!(
        deps[1].warnings,
        ["datasource `crate` is not available in this build"]
    );
    assert!(report.is_complete(), "a skip is not a failure");
}

#[tokio::test]
async fn docker_times_and_digests_are_fetched_once_and_only_for_proposed_tags() {
    let registry = FakeRegistry::new(
        Datasource::Docker,
        &[
            "18-alpine",
            "19-alpine",
            "20-alpine",
            "20",
            "21-alpine-rc1",
            "latest",
        ],
    );
    let pinned = || Dependency {
        current_digest: Some("sha256:old".to_owned()),
        ..dep("node", Datasource::Docker, "18-alpine")
    };
    let report = extract(
        "dockerfile",
        vec![
            ("a/Dockerfile", vec![pinned()]),
            ("b/Dockerfile", vec![pinned()]),
        ],
    );
    let report = run(report, &registry, 4).await;
    assert_eq!(registry.calls(), 1);
    let mut facts = registry.facts.lock().unwrap().clone();
    facts.sort();
    assert_eq!(
        facts,
        [
            "digest node:18-alpine",
            "digest node:20-alpine",
            "time node:20-alpine"
        ]
    );
    for file in &report.package_files["dockerfile"] {
        let updates = &file.deps[0].updates;
        assert_eq!(updates.len(), 2, "{updates:#?}");
        assert_eq!(updates[0].new_value.as_deref(), Some("20-alpine"));
        assert_eq!(updates[0].new_digest.as_deref(), Some("sha256:20-alpine"));
        assert_eq!(
            updates[0].release_timestamp.as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        assert_eq!(updates[1].new_digest.as_deref(), Some("sha256:18-alpine"));
    }
}

/// Counts progress events.
#[derive(Default)]
struct Counter {
    total: AtomicUsize,
    done: Mutex<HashMap<String, usize>>,
}

impl LookupProgress for Counter {
    fn start(&self, packages: usize) {
        self.total.store(packages, Ordering::SeqCst);
    }
    fn package_done(&self, package: &str) {
        *self
            .done
            .lock()
            .unwrap()
            .entry(package.to_owned())
            .or_default() += 1;
    }
}

#[tokio::test]
async fn progress_counts_unique_packages() {
    let registry = FakeRegistry::new(Datasource::Npm, &["1.0.0"]);
    let report = extract(
        "npm",
        vec![(
            "package.json",
            vec![
                dep("a", Datasource::Npm, "1.0.0"),
                dep("a", Datasource::Npm, "^1.0.0"),
                dep("b", Datasource::Npm, "1.0.0"),
            ],
        )],
    );
    let counter = Arc::new(Counter::default());
    let datasources = Datasources::new(vec![registry.clone() as Arc<dyn DatasourceApi>]);
    let options = LookupOptions {
        progress: Some(counter.clone()),
        ..LookupOptions::default()
    };
    lookup_repository(report, context(), &datasources, &options).await;
    assert_eq!(counter.total.load(Ordering::SeqCst), 2);
    let done = counter.done.lock().unwrap();
    assert_eq!(done.get("npm:a"), Some(&1));
    assert_eq!(done.get("npm:b"), Some(&1));
}

/// An advisory index with one npm record: `vulnerable-pkg` 1.0.0 up to (not including)
/// 1.0.2 and 2.0.0 (exactly) are affected — modelled on a GHSA record with two ranges.
fn advisories() -> Arc<upkeep_worker::lookup::AdvisoryLookup> {
    let record = br#"{
      "id": "GHSA-aaaa-bbbb-cccc",
      "modified": "2024-05-01T00:00:00Z",
      "aliases": ["CVE-2024-00001"],
      "summary": "Prototype pollution in vulnerable-pkg",
      "database_specific": {"severity": "HIGH"},
      "affected": [{
        "package": {"ecosystem": "npm", "name": "vulnerable-pkg"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.0.2"}]}],
        "versions": ["2.0.0"]
      }]
    }"#;
    let mut builder = upkeep_vuln::IndexBuilder::new();
    builder.add_json("GHSA-aaaa-bbbb-cccc.json", record);
    let (index, report) = builder.finish();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    Arc::new(upkeep_worker::lookup::AdvisoryLookup::new(Arc::new(index)))
}

#[tokio::test]
async fn vulnerable_versions_are_never_proposed_and_vulnerable_current_versions_get_a_fix() {
    let registry = FakeRegistry::new(
        Datasource::Npm,
        &["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"],
    );
    let report = extract(
        "npm",
        vec![(
            "package.json",
            vec![
                dep("vulnerable-pkg", Datasource::Npm, "1.0.0"),
                dep("other", Datasource::Npm, "1.0.0"),
            ],
        )],
    );
    let datasources = Datasources::new(vec![registry.clone() as Arc<dyn DatasourceApi>]);
    let options = LookupOptions {
        vulnerabilities: Some(advisories()),
        ..LookupOptions::default()
    };
    let looked_up = lookup_repository(report, context(), &datasources, &options).await;
    let deps = &looked_up.package_files["npm"][0].deps;
    let vulnerable = &deps[0];
    // the fix: the lowest release that no advisory affects
    let fix = vulnerable
        .updates
        .iter()
        .find(|update| update.is_vulnerability_fix)
        .unwrap_or_else(|| panic!("no fix in {vulnerable:#?}"));
    assert_eq!(fix.new_version.as_deref(), Some("1.0.2"));
    assert_eq!(fix.new_value.as_deref(), Some("1.0.2"));
    // the report names the advisory, merged with its alias, and its severity
    assert_eq!(vulnerable.vulnerabilities.len(), 1, "{vulnerable:#?}");
    let advisory = &vulnerable.vulnerabilities[0];
    assert_eq!(advisory.id, "GHSA-aaaa-bbbb-cccc");
    assert_eq!(advisory.aliases, ["CVE-2024-00001"]);
    assert_eq!(advisory.severity, "high");
    assert_eq!(advisory.fixed_in, ["1.0.2"]);
    // the newest release (2.0.0) is affected: the major update falls back or is absent
    for update in &vulnerable.updates {
        assert_ne!(update.new_version.as_deref(), Some("2.0.0"), "{update:#?}");
    }
    // an unrelated package is untouched by the advisory data
    let other = &deps[1];
    assert!(
        other
            .updates
            .iter()
            .all(|update| !update.is_vulnerability_fix)
    );
    assert!(
        other
            .updates
            .iter()
            .any(|update| update.new_version.as_deref() == Some("2.0.0"))
    );
}

#[tokio::test]
async fn vulnerability_fix_strategy_highest_moves_to_the_highest_unaffected_release() {
    let registry = FakeRegistry::new(
        Datasource::Npm,
        &["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"],
    );
    let report = extract(
        "npm",
        vec![(
            "package.json",
            vec![dep("vulnerable-pkg", Datasource::Npm, "1.0.0")],
        )],
    );
    let datasources = Datasources::new(vec![registry.clone() as Arc<dyn DatasourceApi>]);
    let options = LookupOptions {
        vulnerabilities: Some(advisories()),
        settings: upkeep_worker::lookup::LookupSettings {
            vulnerability_fix_highest: true,
            ..Default::default()
        },
        ..LookupOptions::default()
    };
    let looked_up = lookup_repository(report, context(), &datasources, &options).await;
    let dep = &looked_up.package_files["npm"][0].deps[0];
    let fixes: Vec<_> = dep
        .updates
        .iter()
        .filter(|update| update.is_vulnerability_fix)
        .map(|update| update.new_version.as_deref())
        .collect();
    // 2.0.0 is itself affected: the highest unaffected release is 1.0.3, which the
    // ordinary update proposes too, so that update is marked as the fix
    assert_eq!(fixes, [Some("1.0.3")], "{dep:#?}");
}
