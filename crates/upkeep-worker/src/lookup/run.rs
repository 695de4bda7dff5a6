//! The lookup stage over a whole extract report: one registry request per unique
//! package, bounded concurrency, failures kept where they belong.
//!
//! # Flow
//!
//! 1. Every dependency that is not skipped is resolved to a datasource, a versioning
//!    and a [`LookupKey`] (datasource, package name, registry URLs, registry name).
//!    Dependencies sharing a key share one `get_releases` call: 2,000 references to 500
//!    packages cost 500 calls.
//! 2. Each key is one task; at most `concurrency` run at once (a semaphore), on the
//!    runtime's worker threads, so parsing large listings runs in parallel too.
//! 3. Within a task, each dependency is decided ([`super::decide`]) and the facts the
//!    decision reports missing — release times and digests of the candidates it is
//!    about to propose — are fetched and the decision is made again. A package's facts
//!    are shared by all its references.
//! 4. A host failure (unreachable, 5xx after retries, refused credentials) is recorded
//!    once per host, with every package it cost; once a host has failed, lookups whose
//!    registry URL names it are not attempted. The HTTP client's down-host memory makes
//!    the ones it cannot see in advance (docker images naming their registry) fail at
//!    once as well. A package failure (404, garbage) is recorded on its dependencies
//!    and in `lookupErrors`; nothing else is affected.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tracing::Instrument as _;

use jiff::Timestamp;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use upkeep_datasource::{
    DatasourceApi, DatasourceError, LookupContext, ReleaseQuery, ReleaseResult,
};
use upkeep_http::HttpError;
use upkeep_manager::{ExtractReport, FileSource};
use upkeep_types::{Datasource, Dependency, LookedUpDependency, SkipReason};
use upkeep_versioning::{Versioning, get_versioning};
use upkeep_vuln::VulnerabilitySource;

use super::advisories::{self, Queries};
use super::datasources::Datasources;
use super::decide::{AffectedVersions, Facts, LookupInput, Missing, NoVulnerabilities, decide};
use super::report::{HostError, LookedUpPackageFile, LookupError, LookupReport};
use super::settings::LookupSettings;
use super::transitive;
use super::vulnerabilities::{FixInput, vulnerability_fix};

/// The vulnerability data of a run, per package: the affected versions of one package,
/// or `None` when nothing is known about it.
pub trait VulnerabilityLookup: Send + Sync {
    /// The affected versions of `package_name` on `datasource`.
    fn affected_versions(
        &self,
        datasource: Datasource,
        package_name: &str,
    ) -> Option<Arc<dyn AffectedVersions>>;
}

/// Told as the lookup progresses (the CLI draws a progress bar with it).
pub trait LookupProgress: Send + Sync {
    /// The number of unique packages to look up.
    fn start(&self, packages: usize);
    /// One package is done (`datasource:packageName`).
    fn package_done(&self, package: &str);
}

/// The settings of one dependency, from its manager, package file and extracted data
/// (the repository config's packageRules resolved for it).
pub type SettingsFor = dyn Fn(&str, &str, &Dependency) -> LookupSettings + Send + Sync;

/// How to run the lookup stage.
#[derive(Clone)]
pub struct LookupOptions {
    /// The settings of every dependency that [`LookupOptions::settings_for`] does not give.
    pub settings: LookupSettings,
    /// Per-dependency settings (the repository config); `None`: `settings` for all.
    pub settings_for: Option<Arc<SettingsFor>>,
    /// Packages looked up at once.
    pub concurrency: usize,
    /// The time `minimumReleaseAge` is measured against.
    pub now: Timestamp,
    /// Where vulnerability data comes from (offline database, OSV API); `None`: none
    /// is used and nothing is judged vulnerable.
    pub vulnerabilities: Option<Arc<dyn VulnerabilitySource>>,
    /// The checkout's files, to read the lock files again for the transitive analysis
    /// (vulnerable packages no package file names); `None`: direct dependencies only.
    pub files: Option<Arc<dyn FileSource + Send + Sync>>,
    /// Progress reporting.
    pub progress: Option<Arc<dyn LookupProgress>>,
}

impl Default for LookupOptions {
    fn default() -> Self {
        LookupOptions {
            settings: LookupSettings::default(),
            settings_for: None,
            concurrency: 16,
            now: Timestamp::now(),
            vulnerabilities: None,
            files: None,
            progress: None,
        }
    }
}

/// What makes two dependencies the same registry question.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LookupKey {
    /// The datasource.
    pub datasource: Datasource,
    /// The name asked of the registry.
    pub package_name: String,
    /// The registries to ask (empty: the datasource's default).
    pub registry_urls: Vec<String>,
    /// A registry named but not located by the file (Cargo `registry = "name"`).
    pub registry_name: Option<String>,
}

impl LookupKey {
    /// `datasource:packageName`, as reports name packages.
    pub fn label(&self) -> String {
        format!("{}:{}", self.datasource, self.package_name)
    }
}

/// The groups in the order their tasks start: round-robin over registries (datasource
/// and registry), each registry's packages in key order.
///
/// In plain key order every crate would queue before the first npm package: with a
/// `concurrency` above the HTTP client's per-host limit, the surplus lookups would hold
/// their slots waiting for the first registry's host while the others stay idle.
fn interleave_registries<V>(groups: BTreeMap<LookupKey, V>) -> Vec<(LookupKey, V)> {
    let total = groups.len();
    type Registry = (Datasource, Vec<String>, Option<String>);
    let mut queues: BTreeMap<Registry, Vec<(LookupKey, V)>> = BTreeMap::new();
    for (key, value) in groups {
        let registry = (
            key.datasource,
            key.registry_urls.clone(),
            key.registry_name.clone(),
        );
        queues.entry(registry).or_default().push((key, value));
    }
    let mut queues: Vec<std::vec::IntoIter<(LookupKey, V)>> =
        queues.into_values().map(Vec::into_iter).collect();
    let mut ordered = Vec::with_capacity(total);
    while ordered.len() < total {
        for queue in &mut queues {
            ordered.extend(queue.next());
        }
    }
    ordered
}

/// Where a dependency sits in the report: manager, file index, dependency index.
type Position = (String, usize, usize);

/// One dependency waiting for its package's releases.
struct Member {
    position: Position,
    dependency: Dependency,
    manager: String,
    versioning: &'static dyn Versioning,
    settings: Arc<LookupSettings>,
}

/// Looks up every dependency of `extract`. Never fails: every problem is recorded in
/// the report, on the dependency, the host or the package it concerns.
pub async fn lookup_repository(
    extract: ExtractReport,
    context: Arc<LookupContext>,
    datasources: &Datasources,
    options: &LookupOptions,
) -> LookupReport {
    let (locks, lock_errors) = match (&options.vulnerabilities, &options.files) {
        (Some(_), Some(files)) => transitive::read_locks(files.as_ref(), &extract),
        _ => (Vec::new(), Vec::new()),
    };
    let mut report = LookupReport {
        errors: extract.errors,
        ..LookupReport::default()
    };
    report.errors.extend(lock_errors);
    let mut groups: BTreeMap<LookupKey, Vec<Member>> = BTreeMap::new();
    for (manager, files) in extract.package_files {
        let mut looked_up_files = Vec::with_capacity(files.len());
        for (file_index, file) in files.into_iter().enumerate() {
            let mut deps = Vec::with_capacity(file.deps.len());
            for (dep_index, dependency) in file.deps.into_iter().enumerate() {
                let position = (manager.clone(), file_index, dep_index);
                let settings = Arc::new(match &options.settings_for {
                    Some(settings_for) => settings_for(&manager, &file.package_file, &dependency),
                    None => options.settings.clone(),
                });
                match prepare(&manager, dependency, &settings, datasources) {
                    Prepared::Done(done) => deps.push(*done),
                    Prepared::Lookup(key, member) => {
                        deps.push(LookedUpDependency {
                            dependency: member.0.clone(),
                            ..LookedUpDependency::default()
                        });
                        groups.entry(key).or_default().push(Member {
                            position,
                            dependency: member.0,
                            manager: manager.clone(),
                            versioning: member.1,
                            settings,
                        });
                    }
                }
            }
            looked_up_files.push(LookedUpPackageFile {
                package_file: file.package_file,
                lock_files: file.lock_files,
                deps,
            });
        }
        report.package_files.insert(manager, looked_up_files);
    }
    let advisories = match &options.vulnerabilities {
        Some(source) => {
            let mut queries = Queries::default();
            for key in groups.keys() {
                queries.add_datasource(key.datasource, &key.package_name);
            }
            transitive::add_queries(&locks, &mut queries);
            match advisories::load(source.as_ref(), queries).await {
                Ok(advisories) => Some(Arc::new(advisories)),
                Err(unavailable) => {
                    report.vulnerabilities_unavailable = unavailable;
                    None
                }
            }
        }
        None => None,
    };
    let lookup = advisories
        .clone()
        .map(|advisories| advisories as Arc<dyn VulnerabilityLookup>);
    run_groups(
        groups,
        Arc::clone(&context),
        datasources,
        lookup,
        options,
        &mut report,
    )
    .await;
    if let Some(advisories) = advisories {
        let fixes = transitive::transitive_fixes(
            &locks,
            &advisories,
            &context,
            datasources,
            options,
            &mut report.lookup_errors,
        )
        .await;
        for (manager, file) in fixes {
            report.package_files.entry(manager).or_default().push(file);
        }
    }
    report
}

enum Prepared {
    /// Nothing to ask a registry: skipped, disabled, or unusable.
    Done(Box<LookedUpDependency>),
    Lookup(LookupKey, (Dependency, &'static dyn Versioning)),
}

fn prepare(
    manager: &str,
    mut dependency: Dependency,
    settings: &LookupSettings,
    datasources: &Datasources,
) -> Prepared {
    let done = |dependency: Dependency, warning: Option<String>| {
        Prepared::Done(Box::new(LookedUpDependency {
            dependency,
            warnings: warning.into_iter().collect(),
            ..LookedUpDependency::default()
        }))
    };
    if dependency.skip_reason.is_some() {
        return done(dependency, None);
    }
    if !settings.enabled {
        return done(dependency.skipped(SkipReason::Disabled), None);
    }
    let Some(datasource) = dependency.datasource else {
        return done(
            dependency,
            Some("no datasource to look it up in".to_owned()),
        );
    };
    if datasources.get(datasource).is_none() {
        let warning = format!("datasource `{datasource}` is not available in this build");
        return done(
            dependency.skipped(SkipReason::UnsupportedDatasource),
            Some(warning),
        );
    }
    let versioning_id = settings
        .versioning
        .clone()
        .or_else(|| dependency.versioning.clone())
        .or_else(|| {
            upkeep_manager::get_manager(manager)
                .map(|manager| manager.metadata().default_versioning.to_owned())
        })
        .unwrap_or_else(|| "semver".to_owned());
    let Some(versioning) = get_versioning(&versioning_id) else {
        return done(
            dependency,
            Some(format!("unknown versioning `{versioning_id}`")),
        );
    };
    if let Some(urls) = &settings.registry_urls {
        dependency.registry_urls = urls.clone();
    }
    let key = LookupKey {
        datasource,
        package_name: dependency.lookup_name().to_owned(),
        registry_urls: dependency.registry_urls.clone(),
        registry_name: dependency.registry_name.clone(),
    };
    Prepared::Lookup(key, (dependency, versioning))
}

/// Hosts that failed in this run: host → the first failure's message.
type FailedHosts = Arc<Mutex<HashMap<String, String>>>;

/// Why a package could not be looked up.
enum GroupFailure {
    /// The host failed (now, or earlier in the run).
    Host { host: String, message: String },
    /// The package itself.
    Package(String),
}

async fn run_groups(
    groups: BTreeMap<LookupKey, Vec<Member>>,
    context: Arc<LookupContext>,
    datasources: &Datasources,
    vulnerabilities: Option<Arc<dyn VulnerabilityLookup>>,
    options: &LookupOptions,
    report: &mut LookupReport,
) {
    if let Some(progress) = &options.progress {
        progress.start(groups.len());
    }
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let failed_hosts: FailedHosts = Arc::default();
    let mut tasks = JoinSet::new();
    for (key, members) in interleave_registries(groups) {
        let datasource = datasources
            .get(key.datasource)
            .expect("prepare kept only available datasources");
        let task = GroupTask {
            affected: vulnerabilities
                .as_ref()
                .and_then(|source| source.affected_versions(key.datasource, &key.package_name))
                .unwrap_or_else(|| Arc::new(NoVulnerabilities)),
            key,
            datasource,
            context: Arc::clone(&context),
            now: options.now,
            failed_hosts: Arc::clone(&failed_hosts),
        };
        let permits = Arc::clone(&permits);
        // spawned tasks leave the caller's span unless told: the repository (and
        // installation) must stay on every line they log
        tasks.spawn(
            async move {
                let _permit = permits.acquire_owned().await.expect("never closed");
                let result = task.run(&members).await;
                (task.key, members, result)
            }
            .in_current_span(),
        );
    }
    let mut host_errors: BTreeMap<String, HostError> = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (key, members, result) = joined.expect("lookup tasks do not panic");
        if let Some(progress) = &options.progress {
            progress.package_done(&key.label());
        }
        match result {
            Ok(decided) => {
                for (member, dependency) in members.iter().zip(decided) {
                    *slot(report, &member.position) = dependency;
                }
            }
            Err(GroupFailure::Host { host, message }) => {
                let entry = host_errors
                    .entry(host.clone())
                    .or_insert_with(|| HostError {
                        host: host.clone(),
                        message: message.clone(),
                        packages: Vec::new(),
                    });
                entry.packages.push(key.label());
                for member in &members {
                    slot(report, &member.position).warnings.push(format!(
                        "not looked up: registry `{host}` failed: {}",
                        entry.message
                    ));
                }
            }
            Err(GroupFailure::Package(message)) => {
                for member in &members {
                    let (manager, file_index, _) = &member.position;
                    let package_file = report.package_files[manager][*file_index]
                        .package_file
                        .clone();
                    slot(report, &member.position)
                        .warnings
                        .push(message.clone());
                    report.lookup_errors.push(LookupError {
                        package_file,
                        manager: manager.clone(),
                        dep_name: member.dependency.dep_name.clone(),
                        datasource: key.datasource,
                        package_name: key.package_name.clone(),
                        message: message.clone(),
                    });
                }
            }
        }
    }
    for error in host_errors.values_mut() {
        error.packages.sort();
    }
    report.host_errors = host_errors.into_values().collect();
    report.lookup_errors.sort_by(|a, b| {
        (&a.package_file, &a.dep_name, &a.manager).cmp(&(&b.package_file, &b.dep_name, &b.manager))
    });
}

fn slot<'r>(report: &'r mut LookupReport, position: &Position) -> &'r mut LookedUpDependency {
    let (manager, file_index, dep_index) = position;
    report
        .package_files
        .get_mut(manager)
        .and_then(|files| files.get_mut(*file_index))
        .and_then(|file| file.deps.get_mut(*dep_index))
        .expect("positions come from the report itself")
}

/// One unique package: its releases, then every dependency that names it.
struct GroupTask {
    key: LookupKey,
    datasource: Arc<dyn DatasourceApi>,
    context: Arc<LookupContext>,
    now: Timestamp,
    affected: Arc<dyn AffectedVersions>,
    failed_hosts: FailedHosts,
}

/// Decide-and-fetch rounds per dependency before the decision is taken as it stands.
const MAX_ROUNDS: usize = 8;

impl GroupTask {
    async fn run(&self, members: &[Member]) -> Result<Vec<LookedUpDependency>, GroupFailure> {
        if let Some(failure) = self.known_failed_host() {
            return Err(failure);
        }
        let query = ReleaseQuery {
            package_name: self.key.package_name.clone(),
            registry_urls: self.key.registry_urls.clone(),
            registry_name: self.key.registry_name.clone(),
            current_value: None,
        };
        let releases = match self.datasource.get_releases(&self.context, &query).await {
            Ok(releases) => releases,
            Err(error) => return Err(self.failure(error)),
        };
        let mut facts = Facts::default();
        let mut decided = Vec::with_capacity(members.len());
        for member in members {
            decided.push(
                self.decide_member(member, &releases, &query, &mut facts)
                    .await,
            );
        }
        Ok(decided)
    }

    async fn decide_member(
        &self,
        member: &Member,
        releases: &ReleaseResult,
        query: &ReleaseQuery,
        facts: &mut Facts,
    ) -> LookedUpDependency {
        let query = ReleaseQuery {
            current_value: member.dependency.current_value.clone(),
            ..query.clone()
        };
        let mut warnings = Vec::new();
        if releases.releases.is_empty() {
            warnings.push(format!("`{}` has no releases", self.key.package_name));
        }
        for round in 1.. {
            let input = LookupInput {
                dependency: &member.dependency,
                manager: &member.manager,
                versioning: member.versioning,
                releases,
                settings: &member.settings,
                now: self.now,
                supports_digests: self.key.datasource == Datasource::Docker,
                facts,
                vulnerabilities: self.affected.as_ref(),
            };
            let decision = decide(&input);
            if decision.missing.is_empty() || round == MAX_ROUNDS {
                let mut dependency = decision.dependency;
                dependency.warnings.extend(warnings);
                self.add_vulnerability_fix(member, releases, &mut dependency);
                return dependency;
            }
            self.fetch(&decision.missing, &query, facts, &mut warnings)
                .await;
        }
        unreachable!("the loop returns by its last round")
    }

    /// Marks the update that fixes a vulnerable current version, or adds one (issue 5:
    /// vulnerable versions are fixed first, whatever the filters would have proposed).
    fn add_vulnerability_fix(
        &self,
        member: &Member,
        releases: &ReleaseResult,
        dependency: &mut LookedUpDependency,
    ) {
        let versioning = member.versioning;
        let Some(current_version) = dependency
            .current_version
            .as_deref()
            .and_then(|text| versioning.parse_version(text))
        else {
            return;
        };
        dependency.vulnerabilities = self.affected.advisories(&current_version);
        let Some(current_value) = member.dependency.current_value.as_deref() else {
            return;
        };
        let range_strategy = member.settings.range_strategy.resolve(
            &member.manager,
            member.dependency.dep_type.as_deref(),
            current_value,
        );
        let input = FixInput {
            versioning,
            current_value,
            current_version: &current_version,
            range_strategy,
            releases,
            affected: self.affected.as_ref(),
            highest: member.settings.vulnerability_fix_highest,
        };
        match vulnerability_fix(&input) {
            None => {}
            Some(Err(reason)) => dependency.warnings.push(reason),
            Some(Ok(fix)) => {
                match dependency
                    .updates
                    .iter_mut()
                    .find(|update| update.new_version == fix.new_version)
                {
                    Some(update) => update.is_vulnerability_fix = true,
                    None => dependency.updates.insert(0, fix),
                }
            }
        }
    }

    /// Fetches missing facts concurrently; a failure leaves the fact unknown and says so.
    async fn fetch(
        &self,
        missing: &Missing,
        query: &ReleaseQuery,
        facts: &mut Facts,
        warnings: &mut Vec<String>,
    ) {
        enum Fact {
            Timestamp(String),
            Digest(Option<String>),
        }
        let mut fetches = JoinSet::new();
        let items = missing
            .timestamps
            .iter()
            .cloned()
            .map(Fact::Timestamp)
            .chain(missing.digests.iter().cloned().map(Fact::Digest));
        for fact in items {
            let datasource = Arc::clone(&self.datasource);
            let context = Arc::clone(&self.context);
            let query = query.clone();
            fetches.spawn(
                async move {
                    let result = match &fact {
                        Fact::Timestamp(version) => {
                            datasource
                                .get_release_timestamp(&context, &query, version)
                                .await
                        }
                        Fact::Digest(tag) => {
                            datasource
                                .get_digest(&context, &query, tag.as_deref())
                                .await
                        }
                    };
                    (fact, result)
                }
                .in_current_span(),
            );
        }
        while let Some(joined) = fetches.join_next().await {
            let (fact, result) = joined.expect("fact fetches do not panic");
            let (what, value) = match result {
                Ok(value) => (None, value),
                Err(error) => (Some(error.to_string()), None),
            };
            match fact {
                Fact::Timestamp(version) => {
                    if let Some(error) = what {
                        warnings.push(format!("release time of `{version}` unknown: {error}"));
                    }
                    facts.timestamps.insert(version, value);
                }
                Fact::Digest(tag) => {
                    if let Some(error) = what {
                        let tag = tag.as_deref().unwrap_or("latest");
                        warnings.push(format!("digest of `{tag}` unknown: {error}"));
                    }
                    facts.digests.insert(tag, value);
                }
            }
        }
    }

    /// A host named by the registry URL that already failed in this run.
    fn known_failed_host(&self) -> Option<GroupFailure> {
        let url = self.key.registry_urls.first()?;
        let host = url::Url::parse(url).ok().map(|url| host_label(&url))?;
        let failed = self.failed_hosts.lock().unwrap();
        let message = failed.get(&host)?.clone();
        Some(GroupFailure::Host { host, message })
    }

    fn failure(&self, error: DatasourceError) -> GroupFailure {
        let DatasourceError::Http(http) = &error else {
            return GroupFailure::Package(error.to_string());
        };
        if !error.is_host_failure() {
            return GroupFailure::Package(error.to_string());
        }
        let host = match http {
            HttpError::Unreachable { host, .. } | HttpError::HostDown { host, .. } => {
                trim_default_port(host)
            }
            other => host_label(other.url().expose()),
        };
        let mut failed = self.failed_hosts.lock().unwrap();
        let message = failed
            .entry(host.clone())
            .or_insert_with(|| error.to_string());
        GroupFailure::Host {
            host,
            message: message.clone(),
        }
    }
}

/// `host` or `host:port` when the port is not the scheme's default.
fn host_label(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// The HTTP layer keys hosts as `host:port`; reports drop the default ports.
fn trim_default_port(host: &str) -> String {
    host.strip_suffix(":443")
        .or_else(|| host.strip_suffix(":80"))
        .unwrap_or(host)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(datasource: Datasource, name: &str, registry: Option<&str>) -> LookupKey {
        LookupKey {
            datasource,
            package_name: name.to_owned(),
            registry_urls: registry.map(str::to_owned).into_iter().collect(),
            registry_name: None,
        }
    }

    #[test]
    fn lookups_start_round_robin_over_registries() {
        let keys = [
            key(Datasource::Crate, "a", None),
            key(Datasource::Crate, "b", None),
            key(Datasource::Crate, "c", None),
            key(Datasource::Npm, "x", None),
            key(Datasource::Npm, "y", Some("http://127.0.0.1:1/")),
            key(Datasource::Npm, "z", None),
        ];
        let groups: BTreeMap<LookupKey, usize> = keys
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect();
        let order: Vec<String> = interleave_registries(groups)
            .into_iter()
            .map(|(key, _)| key.label())
            .collect();
        assert_eq!(
            order,
            ["crate:a", "npm:x", "npm:y", "crate:b", "npm:z", "crate:c"]
        );
    }
}
