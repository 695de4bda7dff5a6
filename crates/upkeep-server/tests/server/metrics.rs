//! The exposition parses line by line, names exactly the contract's metrics, and makes
//! the round trip through a real Pushgateway.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use upkeep_server::metrics::{
    Metrics, PullRequestAction, Pushgateway, RepositoryResult, RunResult, Stage, WebhookOutcome,
};

/// The names and types of /work/wt/METRICS.md, the contract with the dashboard.
const CONTRACT: [(&str, &str); 15] = [
    ("upkeep_runs_total", "counter"),
    ("upkeep_run_duration_seconds", "histogram"),
    ("upkeep_repositories_total", "counter"),
    ("upkeep_dependencies", "gauge"),
    ("upkeep_outdated_dependencies", "gauge"),
    ("upkeep_vulnerable_dependencies", "gauge"),
    ("upkeep_pull_requests_total", "counter"),
    ("upkeep_registry_requests_total", "counter"),
    ("upkeep_registry_cache_hits_total", "counter"),
    ("upkeep_registry_errors_total", "counter"),
    ("upkeep_github_api_calls_total", "counter"),
    ("upkeep_github_rate_limit_remaining", "gauge"),
    ("upkeep_last_run_timestamp_seconds", "gauge"),
    ("upkeep_webhooks_total", "counter"),
    ("upkeep_queue_depth", "gauge"),
];

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed exposition: family name → (help, type), and the samples.
#[derive(Debug, Default)]
pub struct Exposition {
    pub families: BTreeMap<String, (String, String)>,
    pub samples: Vec<Sample>,
}

impl Exposition {
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|sample| {
                sample.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| sample.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|sample| sample.value)
    }
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses `{a="x",b="y"}` strictly (escapes `\\`, `\"`, `\n`); returns the rest.
fn parse_labels(text: &str, line: &str) -> (BTreeMap<String, String>, String) {
    let mut labels = BTreeMap::new();
    let Some(mut rest) = text.strip_prefix('{') else {
        return (labels, text.to_owned());
    };
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return (labels, after.to_owned());
        }
        let (name, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label: {line}"));
        assert!(is_name(name), "label name `{name}`: {line}");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => panic!("bad escape {other:?}: {line}"),
                },
                Some((index, '"')) => break index,
                Some((_, '\n')) | None => panic!("unterminated label value: {line}"),
                Some((_, c)) => value.push(c),
            }
        };
        assert!(
            labels.insert(name.to_owned(), value).is_none(),
            "duplicate label: {line}"
        );
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// Parses the text format strictly: every line is HELP, TYPE or a sample whose family
/// was declared before it; values are numbers; histograms are cumulative.
pub fn parse_exposition(text: &str) -> Exposition {
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    let mut exposition = Exposition::default();
    let mut helps: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            assert!(is_name(name), "{line}");
            assert!(
                helps.insert(name.to_owned(), help.to_owned()).is_none(),
                "HELP twice: {line}"
            );
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect(line);
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            let help = helps
                .get(name)
                .unwrap_or_else(|| panic!("TYPE before HELP: {line}"));
            let previous = exposition
                .families
                .insert(name.to_owned(), (help.clone(), kind.to_owned()));
            assert!(previous.is_none(), "TYPE twice: {line}");
        } else {
            assert!(
                !line.starts_with('#') && !line.is_empty(),
                "stray line `{line}`"
            );
            let name_end = line.find(['{', ' ']).expect(line);
            let name = &line[..name_end];
            assert!(is_name(name), "{line}");
            let (labels, rest) = parse_labels(&line[name_end..], line);
            let mut parts = rest.trim_start_matches(' ').split(' ');
            let value_text = parts.next().expect(line);
            let value: f64 = match value_text {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                "NaN" => f64::NAN,
                text => text
                    .parse()
                    .unwrap_or_else(|_| panic!("value `{text}`: {line}")),
            };
            if let Some(timestamp) = parts.next() {
                timestamp
                    .parse::<i64>()
                    .unwrap_or_else(|_| panic!("timestamp: {line}"));
            }
            let family = family_of(name, &exposition.families)
                .unwrap_or_else(|| panic!("sample of an undeclared family: {line}"));
            if exposition.families[&family].1 == "histogram" && name.ends_with("_bucket") {
                assert!(labels.contains_key("le"), "bucket without le: {line}");
            }
            exposition.samples.push(Sample {
                name: name.to_owned(),
                labels,
                value,
            });
        }
    }
    check_histograms(&exposition);
    exposition
}

fn family_of(name: &str, families: &BTreeMap<String, (String, String)>) -> Option<String> {
    if families.contains_key(name) {
        return Some(name.to_owned());
    }
    ["_bucket", "_sum", "_count"].iter().find_map(|suffix| {
        let base = name.strip_suffix(suffix)?;
        let kind = families.get(base)?.1.as_str();
        (kind == "histogram" || (kind == "summary" && *suffix != "_bucket"))
            .then(|| base.to_owned())
    })
}

/// A histogram series: its base name and its labels without `le`.
type SeriesKey = (String, BTreeMap<String, String>);

fn check_histograms(exposition: &Exposition) {
    let mut buckets: BTreeMap<SeriesKey, Vec<(f64, f64)>> = BTreeMap::new();
    for sample in &exposition.samples {
        if let Some(base) = sample.name.strip_suffix("_bucket") {
            let mut labels = sample.labels.clone();
            let le = labels.remove("le").unwrap();
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            buckets
                .entry((base.to_owned(), labels))
                .or_default()
                .push((bound, sample.value));
        }
    }
    for ((base, labels), series) in buckets {
        let counts: Vec<f64> = series.iter().map(|(_, count)| *count).collect();
        assert!(
            counts.windows(2).all(|w| w[0] <= w[1]),
            "{base} not cumulative"
        );
        assert_eq!(series.last().unwrap().0, f64::INFINITY, "{base} lacks +Inf");
        let count = exposition
            .samples
            .iter()
            .find(|s| s.name == format!("{base}_count") && s.labels == labels)
            .expect("a _count per series");
        assert_eq!(
            count.value,
            *counts.last().unwrap(),
            "{base}: +Inf != _count"
        );
    }
}

/// Every family with data, as after a real run.
fn busy_metrics() -> Metrics {
    let metrics = Metrics::new();
    metrics.observe_run(
        RunResult::Success,
        &[
            (Stage::Clone, 0.8),
            (Stage::Config, 0.01),
            (Stage::Extract, 0.02),
            (Stage::Lookup, 3.5),
            (Stage::Plan, 0.001),
            (Stage::Apply, 1.2),
            (Stage::Publish, 2.0),
            (Stage::Total, 7.6),
        ],
    );
    metrics.observe_run(RunResult::Partial, &[(Stage::Total, 45.0)]);
    metrics.count_repository(RepositoryResult::Processed);
    metrics.count_repository(RepositoryResult::Processed);
    metrics.count_repository(RepositoryResult::Skipped);
    metrics.set_dependencies("acme/api", [("cargo", 12), ("dockerfile", 2)]);
    metrics.set_dependencies("acme/web \"beta\"", [("npm", 40)]);
    metrics.set_outdated_dependencies("acme/api", [("major", 1), ("lockfileUpdate", 3)]);
    metrics.set_vulnerable_dependencies("acme/api", [("critical", 1), ("unknown", 2)]);
    metrics.count_pull_requests(PullRequestAction::Opened, 3);
    metrics.count_pull_requests(PullRequestAction::Merged, 1);
    metrics.count_registry("index.crates.io", 120, 80, 2);
    metrics.count_registry("registry.npmjs.org", 50, 0, 0);
    metrics.count_github_api_calls("4242", 37, 9);
    metrics.set_github_rate_limit_remaining("4242", 4_863);
    metrics.set_last_run_timestamp(1_793_000_000.5);
    metrics.count_webhook("push", WebhookOutcome::Accepted);
    metrics.set_queue_depth(2);
    metrics
}

#[test]
fn the_exposition_parses_and_names_exactly_the_contracts_metrics() {
    let text = busy_metrics().encode();
    let exposition = parse_exposition(&text);
    let declared: BTreeSet<(String, String)> = exposition
        .families
        .iter()
        .map(|(name, (_, kind))| (name.clone(), kind.clone()))
        .collect();
    let contract: BTreeSet<(String, String)> = CONTRACT
        .iter()
        .map(|(name, kind)| ((*name).to_owned(), (*kind).to_owned()))
        .collect();
    assert_eq!(declared, contract);
    assert!(
        exposition
            .families
            .values()
            .all(|(help, _)| !help.is_empty())
    );
    assert_eq!(
        exposition.value(
            "upkeep_dependencies",
            &[("repository", "acme/web \"beta\""), ("manager", "npm")]
        ),
        Some(40.0)
    );
    assert_eq!(
        exposition.value("upkeep_run_duration_seconds_count", &[("stage", "total")]),
        Some(2.0)
    );
    assert_eq!(
        exposition.value(
            "upkeep_run_duration_seconds_bucket",
            &[("stage", "total"), ("le", "10")]
        ),
        Some(1.0)
    );
    assert_eq!(
        exposition.value(
            "upkeep_github_api_calls_total",
            &[("installation", "4242"), ("kind", "write")]
        ),
        Some(9.0)
    );
    assert_eq!(
        exposition.value("upkeep_last_run_timestamp_seconds", &[]),
        Some(1_793_000_000.5)
    );
}

#[test]
fn an_empty_registry_still_declares_every_family() {
    let exposition = parse_exposition(&Metrics::new().encode());
    assert_eq!(exposition.families.len(), CONTRACT.len());
    assert_eq!(
        exposition.value("upkeep_runs_total", &[("result", "failed")]),
        Some(0.0)
    );
}

#[tokio::test]
async fn a_push_to_a_real_pushgateway_is_scraped_back_with_its_grouping() {
    let gateway = upkeep_testkit::Pushgateway::start();
    let target = Pushgateway::new(&gateway.url(), "upkeep", &[("shard", "2")]).unwrap();
    let metrics = busy_metrics();
    target.push(metrics.encode()).await.unwrap();

    // The harness call blocks on its own runtime, which is fine inside a test.
    let scraped = parse_exposition(&gateway.scrape());
    let group = [("job", "upkeep"), ("shard", "2")];
    let with_group = |extra: &[(&'static str, &'static str)]| {
        let mut labels = group.to_vec();
        labels.extend_from_slice(extra);
        labels
    };
    assert_eq!(
        scraped.value(
            "upkeep_dependencies",
            &with_group(&[("repository", "acme/api"), ("manager", "cargo")])
        ),
        Some(12.0)
    );
    assert_eq!(
        scraped.value(
            "upkeep_registry_cache_hits_total",
            &with_group(&[("host", "index.crates.io")])
        ),
        Some(80.0)
    );
    assert_eq!(
        scraped.value(
            "upkeep_run_duration_seconds_sum",
            &with_group(&[("stage", "total")])
        ),
        Some(52.6)
    );
    assert!(
        scraped
            .value("push_time_seconds", &group)
            .is_some_and(|t| t > 0.0)
    );
}

#[tokio::test]
async fn a_second_push_replaces_the_group_and_a_bad_push_is_an_error() {
    let gateway = upkeep_testkit::Pushgateway::start();
    let target = Pushgateway::new(&gateway.url(), "upkeep", &[("shard", "1")]).unwrap();
    let first = Metrics::new();
    first.set_dependencies("acme/gone", [("npm", 3)]);
    target.push(first.encode()).await.unwrap();
    let second = Metrics::new();
    second.set_dependencies("acme/api", [("cargo", 5)]);
    target.push(second.encode()).await.unwrap();
    let scraped = parse_exposition(&gateway.scrape());
    assert_eq!(
        scraped.value("upkeep_dependencies", &[("repository", "acme/api")]),
        Some(5.0)
    );
    assert_eq!(
        scraped.value("upkeep_dependencies", &[("repository", "acme/gone")]),
        None
    );

    let error = target
        .push("upkeep_runs_total{result=\"success\" 1\n".to_owned())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("/metrics/job/upkeep/shard/1"), "{error}");
    assert!(error.contains("400"), "{error}");

    let nowhere = Pushgateway::new("http://127.0.0.1:9", "upkeep", &[]).unwrap();
    let error = nowhere.push(String::new()).await.unwrap_err().to_string();
    assert!(
        error.contains("http://127.0.0.1:9/metrics/job/upkeep"),
        "{error}"
    );
}
