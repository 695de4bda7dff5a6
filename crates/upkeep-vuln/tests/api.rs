//! The OSV API client against the loopback OSV API ([`OsvServer`]) serving the same
//! sample records the offline tests load: same answers, few requests, and an outage
//! reported as unavailable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use upkeep_http::{HostRules, HttpClient, HttpOptions, RetryOptions};
use upkeep_testkit::OsvServer;
use upkeep_vuln::{
    DatabaseError, Ecosystem, OfflineDatabase, OsvApi, PackageQuery, VulnerabilitySource,
};

fn records() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/records")
}

fn client(cache: Option<&Path>) -> HttpClient {
    let options = HttpOptions {
        retry: RetryOptions {
            max_retries: 2,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(1),
            jitter: false,
        },
        use_env_proxy: false,
        cache_dir: cache.map(Path::to_owned),
        ..HttpOptions::default()
    };
    HttpClient::new(options, HostRules::default()).unwrap()
}

fn query(ecosystem: &str, name: &str) -> PackageQuery {
    PackageQuery {
        ecosystem: Ecosystem::from_osv_name(ecosystem).unwrap(),
        name: name.to_owned(),
    }
}

/// Every package named by a sample record, and some that have none.
fn sample_queries() -> Vec<PackageQuery> {
    let npm = [
        "lodash",
        "lodash-es",
        "minimist",
        "jsonwebtoken",
        "path-to-regexp",
        "semver",
        "xmldom",
        "@xmldom/xmldom",
        "request",
        "@cypress/request",
        "ua-parser-js",
        "02-echo",
        "osscamp",
        "left-pad",
    ];
    let crates = ["smallvec", "tokio", "h2", "regex", "time", "serde"];
    npm.iter()
        .map(|name| query("npm", name))
        .chain(crates.iter().map(|name| query("crates.io", name)))
        .collect()
}

#[tokio::test]
async fn the_api_gives_the_same_advisories_as_the_offline_database() {
    let server = OsvServer::start(&records());
    server.set_page_size(1);
    let api = OsvApi::new(client(None), &server.url()).unwrap();
    let offline = OfflineDatabase::open(&records()).unwrap();
    let queries = sample_queries();
    let from_api = api.advisories(&queries).await.unwrap();
    let from_disk = offline.advisories(&queries).await.unwrap();
    assert_eq!(from_api.len(), queries.len());
    for ((query, api), disk) in queries.iter().zip(&from_api).zip(&from_disk) {
        assert_eq!(
            serde_json::to_value(&**api).unwrap(),
            serde_json::to_value(&**disk).unwrap(),
            "{}",
            query.name
        );
    }
    let lodash = &from_api[0];
    assert_eq!(lodash.len(), 2, "lodash has two advisories");
    assert!(
        from_api[3].is_empty(),
        "the withdrawn jsonwebtoken record is ignored"
    );
    let smallvec = &from_api[14];
    assert_eq!(
        smallvec.len(),
        1,
        "GHSA and RUSTSEC duplicates are one advisory"
    );
    assert_eq!(smallvec[0].aliases, ["CVE-2021-25900", "RUSTSEC-2021-0003"]);
    // pages of one vulnerability: several rounds of batches, each id fetched once
    let counters = server.counters();
    assert!(counters.batches > 1, "{counters:?}");
    assert!(
        counters.details.values().all(|count| *count == 1),
        "{counters:?}"
    );
}

#[tokio::test]
async fn two_thousand_packages_take_two_batches_and_each_advisory_is_fetched_once() {
    let server = OsvServer::start(&records());
    let directory = tempfile::tempdir().unwrap();
    let mut queries: Vec<PackageQuery> = (0..1990)
        .map(|index| query("npm", &format!("package-{index:04}")))
        .collect();
    queries.extend(sample_queries().into_iter().take(10));
    assert_eq!(queries.len(), 2000);
    let api = OsvApi::new(client(Some(directory.path())), &server.url()).unwrap();
    let (_, report) = api.index(&queries).await.unwrap();
    let counters = server.counters();
    assert_eq!((report.batch_requests, counters.batches), (2, 2));
    assert_eq!(counters.queries, 2000);
    // lodash, lodash-es (same two), minimist, jsonwebtoken (withdrawn but listed),
    // path-to-regexp, semver, xmldom + @xmldom/xmldom (one record), request
    assert_eq!(counters.details.len(), 8, "{:?}", counters.details);
    assert_eq!(counters.detail_total(), 8);
    assert_eq!(report.records, 8);
    assert_eq!(report.load.withdrawn, 1);

    // the next run: batches again, details from the disk cache
    server.reset_counters();
    let next_run = OsvApi::new(client(Some(directory.path())), &server.url()).unwrap();
    next_run.index(&queries).await.unwrap();
    let counters = server.counters();
    assert_eq!((counters.batches, counters.detail_total()), (2, 0));
}

#[tokio::test]
async fn a_failing_api_is_unavailable_never_empty() {
    let server = OsvServer::start(&records());
    server.set_down(true);
    let api = OsvApi::new(client(None), &server.url()).unwrap();
    let error = api.advisories(&[query("npm", "lodash")]).await.unwrap_err();
    assert!(
        matches!(&error, DatabaseError::Unavailable { reason, .. } if reason.contains("HTTP 500")),
        "{error}"
    );
    assert!(error.to_string().contains(&server.url()), "{error}");
}

#[tokio::test]
async fn an_unreachable_api_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = OsvApi::new(client(None), &format!("http://127.0.0.1:{port}")).unwrap();
    let error = api
        .advisories(&[query("crates.io", "smallvec")])
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatabaseError::Unavailable { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_mirror_under_a_path_prefix_is_asked_under_it() {
    let api = OsvApi::new(client(None), "https://mirror.example/osv").unwrap();
    assert_eq!(api.endpoint().as_str(), "https://mirror.example/osv/");
    assert!(OsvApi::new(client(None), "ftp://mirror.example").is_err());
}
