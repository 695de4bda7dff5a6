//! The `crate` datasource against a Cargo sparse index served as files on loopback by
//! `upkeep-testkit` (the real protocol: `config.json` plus one file per crate at its
//! prefix path; the testkit's own tests prove `cargo` resolves against it).

use std::path::Path;
use std::sync::Arc;

use upkeep_datasource::{
    Crate, DatasourceApi, DatasourceError, LookupContext, RegistryConfig, ReleaseQuery,
    ReleaseResult, apply_cargo_config,
};
use upkeep_http::{HostRules, HttpClient, HttpOptions};
use upkeep_testkit::{IndexEntry, SparseIndex};

fn context(registries: RegistryConfig, cache_dir: Option<&Path>) -> LookupContext {
    let options = HttpOptions {
        use_env_proxy: false,
        cache_dir: cache_dir.map(Path::to_path_buf),
        ..HttpOptions::default()
    };
    LookupContext {
        http: Arc::new(HttpClient::new(options, HostRules::default()).unwrap()),
        registries,
    }
}

/// The crate named through a registry of `.cargo/config.toml` (`registry = "local"`).
fn named(name: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        registry_name: Some("local".to_owned()),
        ..ReleaseQuery::default()
    }
}

/// `[registries.local]` read from `.cargo/config.toml` text by the datasource's reader.
fn cargo_config(index: &SparseIndex) -> RegistryConfig {
    let mut registries = RegistryConfig::default();
    let text = format!(
        "[net]\ngit-fetch-with-cli = true\n\n[registries.local]\nindex = \"{}\"\n\n\
         [registries.other]\nindex = \"https://github.com/acme/index.git\"\n",
        index.index_url()
    );
    apply_cargo_config(&mut registries, &text).unwrap();
    registries
}

fn versions(result: &ReleaseResult) -> Vec<&str> {
    result.releases.iter().map(|r| r.version.as_str()).collect()
}

fn fill(index: &SparseIndex) {
    // One name of each layout: 1/a, 2/ab, 3/a/abc, ab/cd/abcd….
    index.add_versions("a", &["0.1.0", "0.2.0"]);
    index.add_versions("cc", &["1.0.0"]);
    index.add_versions("syn", &["1.0.109", "2.0.0"]);
    index.add(IndexEntry::new("serde", "1.0.0").pubtime("2017-04-20T00:00:00Z"));
    index.add(IndexEntry::new("serde", "1.0.1"));
    index.add(
        IndexEntry::new("serde", "1.0.2")
            .yanked()
            .pubtime("2017-05-01T00:00:00Z"),
    );
    index.add(IndexEntry::new("serde", "1.0.219").pubtime("2025-03-09T18:51:16Z"));
    index.add(IndexEntry::new("serde", "1.1.0-rc.1").pubtime("2025-08-01T10:20:30Z"));
    // Mixed case: Cargo lowercases the path (`in/fl/inflector`).
    index.add_versions("Inflector", &["0.11.4"]);
    // Every version yanked: listed as yanked, nothing to propose.
    index.add(IndexEntry::new("gone", "0.1.0").yanked());
}

#[tokio::test]
async fn every_name_layout_yanked_versions_and_pubtime() {
    let index = SparseIndex::start();
    fill(&index);
    let context = context(cargo_config(&index), None);

    for (name, expected) in [
        ("a", vec!["0.1.0", "0.2.0"]),
        ("cc", vec!["1.0.0"]),
        ("syn", vec!["1.0.109", "2.0.0"]),
        ("Inflector", vec!["0.11.4"]),
        ("inflector", vec!["0.11.4"]),
    ] {
        let result = Crate.get_releases(&context, &named(name)).await.unwrap();
        assert_eq!(versions(&result), expected, "{name}");
        assert!(result.yanked_versions.is_empty(), "{name}");
        assert_eq!(
            result.registry_url.as_deref(),
            Some(index.http_url().as_str()),
            "{name}"
        );
    }

    let serde = Crate.get_releases(&context, &named("serde")).await.unwrap();
    assert_eq!(
        versions(&serde),
        ["1.0.0", "1.0.1", "1.0.219", "1.1.0-rc.1"]
    );
    assert_eq!(serde.yanked_versions, ["1.0.2"]);
    let times: Vec<Option<&str>> = serde
        .releases
        .iter()
        .map(|r| r.release_timestamp.as_deref())
        .collect();
    assert_eq!(
        times,
        [
            Some("2017-04-20T00:00:00Z"),
            None,
            Some("2025-03-09T18:51:16Z"),
            Some("2025-08-01T10:20:30Z"),
        ]
    );

    let gone = Crate.get_releases(&context, &named("gone")).await.unwrap();
    assert!(gone.releases.is_empty());
    assert_eq!(gone.yanked_versions, ["0.1.0"]);

    let paths = index.registry().counters();
    for path in [
        "/index/1/a",
        "/index/2/cc",
        "/index/3/s/syn",
        "/index/se/rd/serde",
        "/index/in/fl/inflector",
    ] {
        assert!(paths.for_path(path) >= 1, "{path} never asked: {paths:?}");
    }
    assert_eq!(paths.not_found, 0, "{paths:?}");
}

#[tokio::test]
async fn unknown_crates_and_registries() {
    let index = SparseIndex::start();
    fill(&index);
    let context = context(cargo_config(&index), None);

    let error = Crate
        .get_releases(&context, &named("no-such-crate"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DatasourceError::NotFound { package, .. } if package == "no-such-crate"),
        "{error:?}"
    );
    assert!(!error.is_host_failure());

    // A registry the config does not define is never replaced by crates.io.
    let undefined = ReleaseQuery {
        registry_name: Some("nowhere".to_owned()),
        ..named("serde")
    };
    let error = Crate.get_releases(&context, &undefined).await.unwrap_err();
    assert!(
        matches!(&error, DatasourceError::Unsupported { reason, .. } if reason.contains("`nowhere` is not defined")),
        "{error:?}"
    );
    // A git index from the same config file is reported, not fetched.
    let git = ReleaseQuery {
        registry_name: Some("other".to_owned()),
        ..named("serde")
    };
    let error = Crate.get_releases(&context, &git).await.unwrap_err();
    assert!(
        matches!(&error, DatasourceError::Unsupported { reason, .. } if reason.contains("git index")),
        "{error:?}"
    );
    // A server that is not a sparse index (no config.json) says so.
    let not_an_index = ReleaseQuery {
        package_name: "serde".to_owned(),
        registry_urls: vec![format!("sparse+{}/elsewhere/", index.registry().url())],
        ..ReleaseQuery::default()
    };
    let error = Crate
        .get_releases(&context, &not_an_index)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DatasourceError::Unsupported { reason, .. } if reason.contains("no `config.json`")),
        "{error:?}"
    );
}

#[tokio::test]
async fn config_json_is_fetched_once_per_run_and_files_once_per_crate() {
    let index = SparseIndex::start();
    fill(&index);
    let cache = tempfile::tempdir().unwrap();
    let context = context(cargo_config(&index), Some(cache.path()));
    let by_url = |name: &str| ReleaseQuery {
        package_name: name.to_owned(),
        registry_urls: vec![index.index_url()],
        ..ReleaseQuery::default()
    };

    // Several crates, each asked several times, concurrently and in sequence, by
    // registry name and by index URL.
    let names = ["a", "cc", "syn", "serde", "Inflector"];
    let mut lookups = Vec::new();
    for name in names {
        lookups.push(named(name));
        lookups.push(named(name));
        lookups.push(by_url(name));
    }
    let results = futures_join(&context, &lookups).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    for name in names {
        Crate.get_releases(&context, &named(name)).await.unwrap();
    }

    let counters = index.registry().counters();
    assert_eq!(counters.for_path("/index/config.json"), 1, "{counters:?}");
    for path in [
        "/index/1/a",
        "/index/2/cc",
        "/index/3/s/syn",
        "/index/se/rd/serde",
        "/index/in/fl/inflector",
    ] {
        assert_eq!(counters.for_path(path), 1, "{path}: {counters:?}");
    }
    assert_eq!(counters.total, 6, "{counters:?}");
    let host = index
        .registry()
        .url()
        .trim_start_matches("http://")
        .to_owned();
    let stats = context.http.stats().host(&host);
    assert_eq!(stats.requests, 6, "{stats:?}");

    // A second run with the same cache directory: nothing goes over the network.
    index.registry().reset_counters();
    let again = self::context(cargo_config(&index), Some(cache.path()));
    for name in names {
        Crate.get_releases(&again, &named(name)).await.unwrap();
    }
    assert_eq!(index.registry().counters().total, 0);

    // Once the entries are older than their TTL: conditional requests only, each
    // answered 304 by the index server, and a changed file comes through in full.
    assert_eq!(age_cache_entries(cache.path()), 6);
    index.add(IndexEntry::new("serde", "1.0.220").pubtime("2025-09-01T00:00:00Z"));
    let stale = self::context(cargo_config(&index), Some(cache.path()));
    for name in names {
        Crate.get_releases(&stale, &named(name)).await.unwrap();
    }
    let serde = Crate.get_releases(&stale, &named("serde")).await.unwrap();
    assert_eq!(versions(&serde).last(), Some(&"1.0.220"));
    let counters = index.registry().counters();
    assert_eq!(
        (counters.total, counters.not_modified),
        (6, 5),
        "{counters:?}"
    );
    let stats = stale.http.stats().host(&host);
    assert_eq!((stats.requests, stats.revalidations), (6, 5), "{stats:?}");
}

/// Makes every entry of an upkeep-http cache directory look stored long ago (past any
/// TTL), so that the next lookup revalidates it.
fn age_cache_entries(dir: &Path) -> usize {
    let mut aged = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let Some(first) = bytes.iter().position(|&b| b == b'\n') else {
            continue;
        };
        let Some(second) = bytes[first + 1..].iter().position(|&b| b == b'\n') else {
            continue;
        };
        let meta_end = first + 1 + second;
        let Ok(mut meta) = serde_json::from_slice::<serde_json::Value>(&bytes[first + 1..meta_end])
        else {
            continue;
        };
        meta["storedAtMs"] = serde_json::json!(1);
        let mut out = bytes[..=first].to_vec();
        out.extend_from_slice(&serde_json::to_vec(&meta).unwrap());
        out.extend_from_slice(&bytes[meta_end..]);
        std::fs::write(&path, out).unwrap();
        aged += 1;
    }
    aged
}

/// Runs every lookup at once on the test's runtime.
async fn futures_join(
    context: &LookupContext,
    queries: &[ReleaseQuery],
) -> Vec<Result<ReleaseResult, DatasourceError>> {
    let mut handles = Vec::new();
    for query in queries {
        let context = context.clone();
        let query = query.clone();
        handles.push(tokio::spawn(async move {
            Crate.get_releases(&context, &query).await
        }));
    }
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    results
}
