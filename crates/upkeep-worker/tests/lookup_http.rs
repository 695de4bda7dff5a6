//! `upkeep lookup` end to end through the library entry point: a checkout on disk,
//! extraction, the real HTTP client, and a registry served in-process on loopback by a
//! test-only datasource (the real datasources are built elsewhere and registered at
//! merge). Proves the JSON report's shape, one request per unique package, package
//! failures isolated, and a dead registry reported once, at once.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use upkeep_datasource::{
    BoxFuture, DatasourceApi, DatasourceError, LookupContext, RegistryConfig, Release,
    ReleaseQuery, ReleaseResult,
};
use upkeep_http::{HostRules, HttpClient, HttpOptions, Request, RetryOptions, Url};
use upkeep_types::Datasource;
use upkeep_worker::lookup::{Datasources, LookupOptions, LookupSettings};

/// A registry answering `GET /{name}` with `{"versions": [...], "latest": "..."}`.
struct Registry {
    url: String,
    requests: Arc<Mutex<HashMap<String, usize>>>,
}

async fn serve(packages: HashMap<&'static str, Value>) -> Registry {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let counted = Arc::clone(&requests);
    let packages = Arc::new(packages);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let packages = Arc::clone(&packages);
            let counted = Arc::clone(&counted);
            tokio::spawn(async move {
                let mut buffer = vec![0; 4096];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buffer[..read]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let name = path
                    .trim_start_matches('/')
                    .replace("%2F", "/")
                    .replace("%2f", "/");
                *counted.lock().unwrap().entry(name.clone()).or_default() += 1;
                let (status, body) = match packages.get(name.as_str()) {
                    Some(body) => ("200 OK", body.to_string()),
                    None => ("404 Not Found", "{}".to_owned()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    Registry { url, requests }
}

/// A test-only npm-like datasource over the real HTTP client.
struct JsonDatasource;

impl DatasourceApi for JsonDatasource {
    fn id(&self) -> Datasource {
        Datasource::Npm
    }

    fn default_registry_urls(&self) -> &'static [&'static str] {
        &[]
    }

    fn get_releases<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        Box::pin(async move {
            let base = Url::parse(&query.registry_urls[0]).unwrap();
            let url = base.join(&query.package_name.replace('/', "%2F")).unwrap();
            let response = context
                .http
                .get_json::<Value>(Request::new(url).host_type("npm"))
                .await
                .map_err(|error| match error.is_not_found() {
                    true => DatasourceError::NotFound {
                        package: query.package_name.clone(),
                        registry: base.to_string(),
                    },
                    false => DatasourceError::Http(error),
                })?;
            let body = response.body;
            Ok(ReleaseResult {
                releases: body["versions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|version| Release {
                        version: version.as_str().unwrap().to_owned(),
                        release_timestamp: Some("2024-06-01T00:00:00Z".to_owned()),
                        ..Release::default()
                    })
                    .collect(),
                tags: [(
                    "latest".to_owned(),
                    body["latest"].as_str().unwrap().to_owned(),
                )]
                .into(),
                source_url: Some("https://github.com/example/pkg".to_owned()),
                ..ReleaseResult::default()
            })
        })
    }
}

fn checkout() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "web/package.json",
        r#"{"dependencies": {"left-pad": "^1.1.0", "@scope/gone": "1.0.0", "local": "file:../x"}}"#,
    );
    write(
        "api/package.json",
        r#"{"devDependencies": {"left-pad": "1.1.0"}}"#,
    );
    root
}

async fn lookup(root: &Path, registry_url: &str) -> Value {
    let options = HttpOptions {
        retry: RetryOptions {
            max_retries: 0,
            ..RetryOptions::default()
        },
        ..HttpOptions::default()
    };
    let context = Arc::new(LookupContext {
        http: Arc::new(HttpClient::new(options, HostRules::default()).unwrap()),
        registries: RegistryConfig::default(),
    });
    let options = LookupOptions {
        settings: LookupSettings {
            registry_urls: Some(vec![format!("{registry_url}/")]),
            ..LookupSettings::default()
        },
        ..LookupOptions::default()
    };
    let datasources = Datasources::new(vec![Arc::new(JsonDatasource)]);
    let report = upkeep_worker::lookup_checkout(root, context, &datasources, &options)
        .await
        .unwrap();
    serde_json::to_value(report).unwrap()
}

fn dep<'r>(report: &'r Value, file: &str, name: &str) -> &'r Value {
    report["packageFiles"]["npm"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["packageFile"] == file)
        .and_then(|entry| {
            entry["deps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|dep| dep["depName"] == name)
        })
        .unwrap_or_else(|| panic!("no {name} in {file}: {report:#}"))
}

#[tokio::test]
async fn lookup_report_extends_the_extract_report_with_updates_and_errors() {
    let registry = serve(HashMap::from([(
        "left-pad",
        json!({"versions": ["1.1.0", "1.3.0", "2.0.0", "3.0.0-rc.1"], "latest": "2.0.0"}),
    )]))
    .await;
    let root = checkout();
    let report = lookup(root.path(), &registry.url).await;

    assert_eq!(
        dep(&report, "web/package.json", "left-pad")["updates"],
        json!([
            {"updateType": "minor", "newValue": "^1.3.0", "newVersion": "1.3.0", "newMajor": 1,
             "releaseTimestamp": "2024-06-01T00:00:00Z"},
            {"updateType": "major", "newValue": "^2.0.0", "newVersion": "2.0.0", "newMajor": 2,
             "releaseTimestamp": "2024-06-01T00:00:00Z"},
        ])
    );
    let pinned = dep(&report, "api/package.json", "left-pad");
    assert_eq!(pinned["currentVersion"], "1.1.0");
    assert_eq!(pinned["sourceUrl"], "https://github.com/example/pkg");
    assert_eq!(pinned["updates"][1]["newValue"], "2.0.0");
    let local = dep(&report, "web/package.json", "local");
    assert_eq!(local["skipReason"], "file-dependency");
    assert_eq!(local["updates"], json!([]));

    let gone = dep(&report, "web/package.json", "@scope/gone");
    assert_eq!(gone["updates"], json!([]));
    assert_eq!(report["hostErrors"], json!([]));
    assert_eq!(report["errors"], json!([]));
    let errors = report["lookupErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["depName"], "@scope/gone");
    assert_eq!(errors[0]["datasource"], "npm");
    assert_eq!(errors[0]["packageFile"], "web/package.json");

    let requests = registry.requests.lock().unwrap().clone();
    assert_eq!(requests.get("left-pad"), Some(&1), "{requests:?}");
    assert_eq!(requests.get("@scope/gone"), Some(&1), "{requests:?}");
}

#[tokio::test]
async fn a_dead_registry_is_one_host_error_naming_every_package() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let root = checkout();
    let report = lookup(root.path(), &url).await;
    let host_errors = report["hostErrors"].as_array().unwrap();
    assert_eq!(host_errors.len(), 1, "{report:#}");
    let port = url.rsplit(':').next().unwrap();
    assert_eq!(host_errors[0]["host"], format!("127.0.0.1:{port}"));
    assert_eq!(
        host_errors[0]["packages"],
        json!(["npm:@scope/gone", "npm:left-pad"])
    );
    assert_eq!(report["lookupErrors"], json!([]));
    let warning = dep(&report, "api/package.json", "left-pad")["warnings"][0]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        warning.starts_with("not looked up: registry `127.0.0.1:"),
        "{warning}"
    );
}
