//! [`OsvApi`]: the OSV API (`https://api.osv.dev`, or a mirror speaking the same
//! protocol) as a [`VulnerabilitySource`].
//!
//! # Flow
//!
//! ```text
//! packages ─► POST /v1/querybatch ─► ids + modified ─► GET /v1/vulns/{id} ─► IndexBuilder
//!             (≤ 1,000 queries each;   (deduplicated    (once per id; disk     (as offline)
//!              page_token per result)   across pages)    cache: id+modified)
//! ```
//!
//! Queries carry no version: OSV then answers every vulnerability of the package, which
//! is what the lookup needs to judge each candidate version (see
//! [`crate::database`]). `querybatch` answers only ids and `modified` times, so each
//! distinct id is fetched once with `/v1/vulns/{id}`. The detail is cached on disk by
//! the HTTP client under `osv:<endpoint>:<id>:<modified>`: a record that changes
//! upstream gets a new `modified` and therefore a new key, so a long time-to-live never
//! serves an outdated record. The records go through the same [`IndexBuilder`] as the
//! offline database's, so both sources give identical advisories for identical records.
//!
//! # Failure
//!
//! Any failed call (host down, 5xx after retries, a malformed answer, an id listed by
//! `querybatch` that `/v1/vulns/{id}` does not know) fails the whole answer with
//! [`DatabaseError::Unavailable`]: a partial answer would read as "no vulnerabilities"
//! for the packages whose records went missing. Callers report the ecosystems they
//! asked about as unavailable.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument as _;

use serde::{Deserialize, Serialize};
use upkeep_http::{HttpClient, HttpError, Request, Url};

use crate::advisory::Advisory;
use crate::database::{BoxFuture, DatabaseError, PackageQuery, VulnerabilitySource};
use crate::index::{AdvisoryIndex, IndexBuilder, LoadReport};

/// The public OSV API.
pub const DEFAULT_OSV_API: &str = "https://api.osv.dev";

/// The most queries one `querybatch` call may carry.
pub const QUERY_BATCH_LIMIT: usize = 1000;

/// The host type host rules see for OSV calls (`hostType: "osv"`).
pub const OSV_HOST_TYPE: &str = "osv";

/// How many `/v1/vulns/{id}` calls run at once.
const DETAIL_CONCURRENCY: usize = 16;

/// How long a cached record is served: its key changes with its `modified` time.
const DETAIL_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// How long a record whose batch entry gave no `modified` time is served.
const UNDATED_DETAIL_TTL: Duration = Duration::from_secs(3600);

/// The OSV API client.
#[derive(Debug, Clone)]
pub struct OsvApi {
    client: HttpClient,
    endpoint: Url,
}

/// What one [`OsvApi::index`] call did, besides the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiReport {
    /// `querybatch` calls sent (pages included).
    pub batch_requests: usize,
    /// Distinct advisory ids fetched.
    pub records: usize,
    /// What indexing saw.
    pub load: LoadReport,
}

#[derive(Serialize)]
struct BatchRequest<'a> {
    queries: Vec<Query<'a>>,
}

#[derive(Serialize)]
struct Query<'a> {
    package: QueryPackage<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_token: Option<&'a str>,
}

#[derive(Serialize)]
struct QueryPackage<'a> {
    name: &'a str,
    ecosystem: &'a str,
}

#[derive(Deserialize)]
struct BatchResponse {
    #[serde(default)]
    results: Vec<BatchResult>,
}

#[derive(Deserialize)]
struct BatchResult {
    #[serde(default)]
    vulns: Vec<VulnerabilityRef>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct VulnerabilityRef {
    id: String,
    #[serde(default)]
    modified: String,
}

impl OsvApi {
    /// A client for the API at `endpoint` (`https://api.osv.dev`, or a mirror's base
    /// URL; a path prefix is kept).
    pub fn new(client: HttpClient, endpoint: &str) -> Result<OsvApi, DatabaseError> {
        let unavailable = |reason: String| DatabaseError::Unavailable {
            source_name: format!("OSV API `{endpoint}`"),
            reason,
        };
        let mut endpoint =
            Url::parse(endpoint).map_err(|error| unavailable(format!("not a URL: {error}")))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(unavailable(
                "the endpoint must be an http(s) URL".to_owned(),
            ));
        }
        if !endpoint.path().ends_with('/') {
            let path = format!("{}/", endpoint.path());
            endpoint.set_path(&path);
        }
        Ok(OsvApi { client, endpoint })
    }

    /// The base URL calls are made under.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Every record about `packages`, indexed.
    pub async fn index(
        &self,
        packages: &[PackageQuery],
    ) -> Result<(AdvisoryIndex, ApiReport), DatabaseError> {
        let mut report = ApiReport::default();
        let mut seen = HashSet::new();
        let unique: Vec<&PackageQuery> = packages
            .iter()
            .filter(|package| {
                seen.insert((
                    package.ecosystem.osv_name,
                    package.ecosystem.normalize_name(&package.name),
                ))
            })
            .collect();
        let ids = self.query_ids(&unique, &mut report).await?;
        report.records = ids.len();
        let mut builder = IndexBuilder::new();
        self.fetch_records(ids, &mut builder).await?;
        let (index, load) = builder.finish();
        report.load = load;
        Ok((index, report))
    }

    /// Every advisory id (with its `modified` time) naming one of `packages`.
    async fn query_ids(
        &self,
        packages: &[&PackageQuery],
        report: &mut ApiReport,
    ) -> Result<BTreeMap<String, String>, DatabaseError> {
        let url = self.url("v1/querybatch")?;
        let mut ids = BTreeMap::new();
        // (package, page token); the first round asks for every package's first page.
        let mut pending: Vec<(&PackageQuery, Option<String>)> =
            packages.iter().map(|package| (*package, None)).collect();
        while !pending.is_empty() {
            let mut next_round = Vec::new();
            for chunk in pending.chunks(QUERY_BATCH_LIMIT) {
                let body = BatchRequest {
                    queries: chunk
                        .iter()
                        .map(|(package, token)| Query {
                            package: QueryPackage {
                                name: &package.name,
                                ecosystem: package.ecosystem.osv_name,
                            },
                            page_token: token.as_deref(),
                        })
                        .collect(),
                };
                let request = Request::new(url.clone())
                    .host_type(OSV_HOST_TYPE)
                    .json_body(&body)
                    .map_err(|error| self.unavailable(error.to_string()))?;
                report.batch_requests += 1;
                let response = self
                    .client
                    .post_json::<BatchResponse>(request)
                    .await
                    .map_err(|error| self.http_unavailable(&error))?;
                let results = response.body.results;
                if results.len() != chunk.len() {
                    return Err(self.unavailable(format!(
                        "`querybatch` answered {} results to {} queries",
                        results.len(),
                        chunk.len()
                    )));
                }
                for ((package, _), result) in chunk.iter().zip(results) {
                    for vulnerability in result.vulns {
                        let modified = ids.entry(vulnerability.id).or_default();
                        if vulnerability.modified > *modified {
                            *modified = vulnerability.modified;
                        }
                    }
                    if let Some(token) = result.next_page_token.filter(|token| !token.is_empty()) {
                        next_round.push((*package, Some(token)));
                    }
                }
            }
            pending = next_round;
        }
        Ok(ids)
    }

    /// `/v1/vulns/{id}` for every id, a few at a time; the records are added to
    /// `builder` in id order whatever order they arrive in, so reports are stable.
    async fn fetch_records(
        &self,
        ids: BTreeMap<String, String>,
        builder: &mut IndexBuilder,
    ) -> Result<(), DatabaseError> {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(DETAIL_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for (position, (id, modified)) in ids.into_iter().enumerate() {
            let mut url = self.url("v1/vulns/")?;
            url.path_segments_mut()
                .map_err(|()| self.unavailable("the endpoint cannot have a path".to_owned()))?
                .pop_if_empty()
                .push(&id);
            let (key, ttl) = if modified.is_empty() {
                (format!("osv:{}:{id}", self.endpoint), UNDATED_DETAIL_TTL)
            } else {
                (format!("osv:{}:{id}:{modified}", self.endpoint), DETAIL_TTL)
            };
            let request = Request::new(url)
                .host_type(OSV_HOST_TYPE)
                .accept("application/json")
                .cache(key, ttl);
            let client = self.client.clone();
            let semaphore = Arc::clone(&semaphore);
            tasks.spawn(
                async move {
                    let _permit = semaphore.acquire_owned().await;
                    (position, client.get_bytes(request).await)
                }
                // the repository's span stays on what the fetch logs
                .in_current_span(),
            );
        }
        let mut records = Vec::with_capacity(tasks.len());
        while let Some(joined) = tasks.join_next().await {
            let (position, response) = joined
                .map_err(|error| self.unavailable(format!("a fetch task failed: {error}")))?;
            // Dropping `tasks` on the error path cancels the fetches still running.
            let response = response.map_err(|error| self.http_unavailable(&error))?;
            records.push((position, response));
        }
        records.sort_by_key(|(position, _)| *position);
        for (_, response) in records {
            builder.add_json(&response.url.to_string(), &response.body);
        }
        Ok(())
    }

    fn url(&self, path: &str) -> Result<Url, DatabaseError> {
        self.endpoint
            .join(path)
            .map_err(|error| self.unavailable(format!("cannot build a URL: {error}")))
    }

    fn unavailable(&self, reason: String) -> DatabaseError {
        DatabaseError::Unavailable {
            source_name: self.name(),
            reason,
        }
    }

    fn http_unavailable(&self, error: &HttpError) -> DatabaseError {
        self.unavailable(error.to_string())
    }
}

impl VulnerabilitySource for OsvApi {
    fn name(&self) -> String {
        format!("OSV API `{}`", self.endpoint)
    }

    fn advisories<'a>(
        &'a self,
        packages: &'a [PackageQuery],
    ) -> BoxFuture<'a, Result<Vec<Arc<[Advisory]>>, DatabaseError>> {
        Box::pin(async move {
            let (index, _) = self.index(packages).await?;
            Ok(packages
                .iter()
                .map(|package| index.advisories(package.ecosystem, &package.name))
                .collect())
        })
    }
}
