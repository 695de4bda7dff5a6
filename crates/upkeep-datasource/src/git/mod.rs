//! `git-tags` and `github-tags`: the tags of a git repository, listed with
//! `git ls-remote --tags` (one round trip, no clone, any host git can reach).
//!
//! `github-tags` is the same listing through `https://github.com/<owner>/<repo>.git`
//! (or a GitHub Enterprise base from `registryUrls`): the git protocol needs no API
//! token and is not subject to the REST API's rate limit. Each tag is a release whose
//! digest is the commit it points to (annotated tags peeled), so a dependency pinned to
//! a tag's commit can be updated to another tag's commit.
//!
//! git runs as a child process through the [`GitRunner`] trait ([`GitCli`] is the real
//! one; see `runner.rs` for how it is confined). Repository URLs come from the files of
//! the repository being updated, so they are checked first: no option-like or
//! remote-helper (`ext::`) URLs, and no `file://` URLs unless the datasource was built
//! to allow them (tests do), because a repository must not learn the tags of other
//! repositories on the bot's disk.
//!
//! Failures: a missing repository is [`DatasourceError::NotFound`] (GitHub answers a
//! credential prompt for repositories that do not exist, so a disabled prompt counts as
//! not found); an unreachable host or a timeout is a host failure reported through
//! [`upkeep_http::HttpError`], so the lookup treats it like any other host's.
//!
//! Not done: in-run coalescing (the HTTP client's memo does not cover child processes;
//! the lookup already asks once per package), and credentials for private repositories
//! (git's own credential configuration on the bot applies).

mod ls_remote;
mod runner;

#[cfg(test)]
mod tests;

pub use runner::{GitCli, GitFailure, GitRunner};

use upkeep_http::{HttpError, RedactedUrl, Url};
use upkeep_types::Datasource;

use crate::{
    BoxFuture, DatasourceApi, DatasourceError, LookupContext, ReleaseQuery, ReleaseResult,
};
use ls_remote::{FailureKind, classify, parse_head, parse_tags};

/// The real git CLI, shared by the registered datasources.
static GIT_CLI: GitCli = GitCli::DEFAULT;

/// The registered `git-tags` datasource.
pub(crate) static GIT_TAGS: GitTags<'static> = GitTags::new(&GIT_CLI);

/// The registered `github-tags` datasource.
pub(crate) static GITHUB_TAGS: GithubTags<'static> =
    GithubTags::new(&GIT_CLI, GithubTags::DEFAULT_BASE);

/// The `git-tags` datasource: `packageName` is the repository URL.
#[derive(Debug)]
pub struct GitTags<'r> {
    runner: &'r dyn GitRunner,
    allow_file_urls: bool,
}

impl<'r> GitTags<'r> {
    /// Lists tags with `runner`; `file://` URLs are refused.
    pub const fn new(runner: &'r dyn GitRunner) -> Self {
        Self {
            runner,
            allow_file_urls: false,
        }
    }

    /// Also accepts `file://` URLs (tests with local bare repositories).
    pub const fn allowing_file_urls(mut self) -> Self {
        self.allow_file_urls = true;
        self
    }
}

/// The `github-tags` datasource: `packageName` is `owner/repo`.
#[derive(Debug)]
pub struct GithubTags<'r> {
    runner: &'r dyn GitRunner,
    base_url: &'r str,
}

impl<'r> GithubTags<'r> {
    /// github.com.
    pub const DEFAULT_BASE: &'static str = "https://github.com/";

    /// Lists tags with `runner` from repositories under `base_url` (ending in `/`;
    /// a `file://` base is allowed here because it comes from code, not a repository).
    pub const fn new(runner: &'r dyn GitRunner, base_url: &'r str) -> Self {
        Self { runner, base_url }
    }
}

impl DatasourceApi for GitTags<'_> {
    fn id(&self) -> Datasource {
        Datasource::GitTags
    }

    fn default_registry_urls(&self) -> &'static [&'static str] {
        &[]
    }

    fn get_releases<'a>(
        &'a self,
        _context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        Box::pin(async move {
            let url = self
                .repository_url(&query.package_name)
                .map_err(|reason| unsupported(query, reason))?;
            let mut result = list_tags(self.runner, &query.package_name, &url).await?;
            result.source_url = browsable(&url);
            Ok(result)
        })
    }

    fn get_digest<'a>(
        &'a self,
        _context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, DatasourceError>> {
        Box::pin(async move {
            let url = self
                .repository_url(&query.package_name)
                .map_err(|reason| unsupported(query, reason))?;
            digest(self.runner, &query.package_name, &url, version).await
        })
    }
}

impl GitTags<'_> {
    /// The URL to give git, or why it may not be used.
    fn repository_url(&self, package: &str) -> Result<String, String> {
        let url = package.trim();
        let url = url.strip_prefix("git::").unwrap_or(url);
        let url = url.strip_prefix("git+").unwrap_or(url);
        let reason = if url.is_empty() || url.starts_with('-') {
            Some("is not a repository URL")
        } else if url.contains("::") {
            Some("names a git remote helper, which upkeep does not run")
        } else if url.starts_with("file:") || url.starts_with('/') || url.starts_with('.') {
            (!self.allow_file_urls || !url.starts_with("file://"))
                .then_some("is a local path; only remote repositories are looked up")
        } else if !url.contains("://") && !url.contains(':') {
            Some("is not a repository URL")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(format!("`{url}` {reason}")),
            None => Ok(url.to_owned()),
        }
    }
}

impl DatasourceApi for GithubTags<'_> {
    fn id(&self) -> Datasource {
        Datasource::GithubTags
    }

    fn default_registry_urls(&self) -> &'static [&'static str] {
        &["https://github.com"]
    }

    fn get_releases<'a>(
        &'a self,
        _context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        Box::pin(async move {
            let (base, repository) = self
                .locate(query)
                .map_err(|reason| unsupported(query, reason))?;
            let url = format!("{base}{repository}.git");
            let mut result = list_tags(self.runner, &query.package_name, &url).await?;
            result.source_url = Some(format!("{base}{repository}"));
            result.registry_url = Some(base.trim_end_matches('/').to_owned());
            Ok(result)
        })
    }

    fn get_digest<'a>(
        &'a self,
        _context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, DatasourceError>> {
        Box::pin(async move {
            let (base, repository) = self
                .locate(query)
                .map_err(|reason| unsupported(query, reason))?;
            let url = format!("{base}{repository}.git");
            digest(self.runner, &query.package_name, &url, version).await
        })
    }
}

impl GithubTags<'_> {
    /// The base URL (ending in `/`) and `owner/repo`.
    fn locate(&self, query: &ReleaseQuery) -> Result<(String, String), String> {
        let base = match query.registry_urls.first() {
            Some(base) if base.starts_with("https://") || base.starts_with("http://") => {
                base.trim_end_matches('/').to_owned() + "/"
            }
            Some(base) => return Err(format!("`{base}` is not a GitHub URL")),
            None => self.base_url.to_owned(),
        };
        let name = query.package_name.trim().trim_end_matches('/');
        let name = name.strip_suffix(".git").unwrap_or(name);
        let part_ok = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b"-_.".contains(&byte))
        };
        match name.split_once('/') {
            Some((owner, repo)) if part_ok(owner) && part_ok(repo) => {
                Ok((base, format!("{owner}/{repo}")))
            }
            _ => Err(format!("`{name}` is not a GitHub `owner/repo`")),
        }
    }
}

fn unsupported(query: &ReleaseQuery, reason: String) -> DatasourceError {
    DatasourceError::Unsupported {
        package: query.package_name.clone(),
        reason,
    }
}

/// `git ls-remote --tags <url>` → releases.
async fn list_tags(
    runner: &dyn GitRunner,
    package: &str,
    url: &str,
) -> Result<ReleaseResult, DatasourceError> {
    let args = [
        "-c",
        "protocol.ext.allow=never",
        "ls-remote",
        "--tags",
        "--",
        url,
    ];
    let output = runner
        .run(&args)
        .await
        .map_err(|failure| to_error(package, url, failure))?;
    Ok(parse_tags(&output))
}

/// The commit of tag `version`, or of `HEAD` when `None`.
async fn digest(
    runner: &dyn GitRunner,
    package: &str,
    url: &str,
    version: Option<&str>,
) -> Result<Option<String>, DatasourceError> {
    match version {
        Some(version) => Ok(list_tags(runner, package, url)
            .await?
            .releases
            .into_iter()
            .find(|release| release.version == version)
            .and_then(|release| release.digest)),
        None => {
            let args = [
                "-c",
                "protocol.ext.allow=never",
                "ls-remote",
                "--",
                url,
                "HEAD",
            ];
            let output = runner
                .run(&args)
                .await
                .map_err(|failure| to_error(package, url, failure))?;
            Ok(parse_head(&output))
        }
    }
}

/// A failed git run as the datasource error of the right kind.
fn to_error(package: &str, url: &str, failure: GitFailure) -> DatasourceError {
    let shown = display_url(url);
    match failure {
        GitFailure::Spawn(reason) => DatasourceError::Unsupported {
            package: package.to_owned(),
            reason: format!("the git CLI is needed to list tags: {reason}"),
        },
        GitFailure::Timeout(timeout) => HttpError::Timeout {
            url: shown,
            timeout,
        }
        .into(),
        GitFailure::Exit { stderr, .. } => {
            let reason = scrub(&stderr, shown.expose());
            match classify(&stderr) {
                FailureKind::NotFound => DatasourceError::NotFound {
                    package: package.to_owned(),
                    registry: shown.to_string(),
                },
                FailureKind::Unreachable => HttpError::Unreachable {
                    host: host_of(shown.expose()),
                    url: shown,
                    reason,
                }
                .into(),
                FailureKind::Other => HttpError::Transport { url: shown, reason }.into(),
            }
        }
    }
}

/// A URL for messages: scp-like `user@host:path` shown as `ssh://user@host/path`.
fn display_url(url: &str) -> RedactedUrl {
    if let Ok(parsed) = RedactedUrl::parse(url) {
        return parsed;
    }
    let ssh = url
        .split_once(':')
        .map(|(host, path)| format!("ssh://{host}/{}", path.trim_start_matches('/')))
        .unwrap_or_default();
    RedactedUrl::parse(&ssh).unwrap_or_else(|_| {
        RedactedUrl::new(Url::parse("invalid:repository-url").expect("a valid URL literal"))
    })
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => url.to_string(),
    }
}

/// git's first `fatal:` line (else its first line), with any password from the URL masked.
fn scrub(stderr: &str, url: &Url) -> String {
    let mut lines = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let line = lines
        .clone()
        .find(|line| line.starts_with("fatal:"))
        .or_else(|| lines.next())
        .unwrap_or("git ls-remote failed");
    let line = line.strip_prefix("fatal: ").unwrap_or(line);
    match url.password() {
        Some(password) if !password.is_empty() => line.replace(password, "****"),
        _ => line.to_owned(),
    }
}

/// The browsable form of an `http(s)` repository URL (no `.git`, no credentials).
fn browsable(url: &str) -> Option<String> {
    let mut parsed = Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    parsed.set_username("").ok()?;
    parsed.set_password(None).ok()?;
    let text = parsed.as_str().trim_end_matches('/');
    Some(text.strip_suffix(".git").unwrap_or(text).to_owned())
}
