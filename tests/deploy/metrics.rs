//! The metric names upkeep exports (the contract in the README's metrics table and
//! upkeep-server's registry), as the dashboard's expectation.

/// Kind of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Name, kind and labels of every metric upkeep exports.
pub const METRICS: &[(&str, Kind, &[&str])] = &[
    ("upkeep_runs_total", Kind::Counter, &["result"]),
    ("upkeep_run_duration_seconds", Kind::Histogram, &["stage"]),
    ("upkeep_repositories_total", Kind::Counter, &["result"]),
    (
        "upkeep_dependencies",
        Kind::Gauge,
        &["repository", "manager"],
    ),
    (
        "upkeep_outdated_dependencies",
        Kind::Gauge,
        &["repository", "update_type"],
    ),
    (
        "upkeep_vulnerable_dependencies",
        Kind::Gauge,
        &["repository", "severity"],
    ),
    ("upkeep_pull_requests_total", Kind::Counter, &["action"]),
    ("upkeep_registry_requests_total", Kind::Counter, &["host"]),
    ("upkeep_registry_cache_hits_total", Kind::Counter, &["host"]),
    ("upkeep_registry_errors_total", Kind::Counter, &["host"]),
    (
        "upkeep_github_api_calls_total",
        Kind::Counter,
        &["installation", "kind"],
    ),
    (
        "upkeep_github_rate_limit_remaining",
        Kind::Gauge,
        &["installation"],
    ),
    ("upkeep_last_run_timestamp_seconds", Kind::Gauge, &[]),
    (
        "upkeep_webhooks_total",
        Kind::Counter,
        &["event", "outcome"],
    ),
    ("upkeep_queue_depth", Kind::Gauge, &[]),
];

/// The exported series name `series` belongs to, and the labels it may carry
/// (`_bucket` adds `le` to a histogram; `_sum`/`_count` are series of one too).
pub fn resolve(series: &str) -> Option<(&'static str, Vec<&'static str>)> {
    for (name, kind, labels) in METRICS {
        if series == *name {
            return Some((name, labels.to_vec()));
        }
        if *kind == Kind::Histogram {
            if series == format!("{name}_bucket") {
                let mut labels = labels.to_vec();
                labels.push("le");
                return Some((name, labels));
            }
            if series == format!("{name}_sum") || series == format!("{name}_count") {
                return Some((name, labels.to_vec()));
            }
        }
    }
    None
}

#[test]
fn the_readme_documents_every_metric() {
    let readme = super::read("README.md");
    for (name, _, labels) in METRICS {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("README has no metrics table row for `{name}`"));
        for label in *labels {
            assert!(
                row.contains(label),
                "README row of `{name}` misses `{label}`: {row}"
            );
        }
    }
}

/// The dashboard's expectation is what upkeep really exports: every family of the live
/// registry, with its type, is in [`METRICS`], and nothing else is.
#[test]
fn the_list_is_what_the_registry_exports() {
    let exposition = upkeep_server::metrics::Metrics::new().encode();
    let mut exported: Vec<(String, String)> = exposition
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .map(|rest| {
            let (name, kind) = rest.split_once(' ').unwrap();
            (name.to_owned(), kind.to_owned())
        })
        .collect();
    exported.sort();
    let mut expected: Vec<(String, String)> = METRICS
        .iter()
        .map(|(name, kind, _)| {
            let kind = match kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
                Kind::Histogram => "histogram",
            };
            ((*name).to_owned(), kind.to_owned())
        })
        .collect();
    expected.sort();
    assert_eq!(exported, expected, "{exposition}");
    // every labelled series the empty registry already shows uses declared labels only
    for line in exposition.lines().filter(|l| !l.starts_with('#')) {
        let series = line.split(['{', ' ']).next().unwrap();
        let (_, labels) = resolve(series).unwrap_or_else(|| panic!("unknown series {line}"));
        if let Some(inner) = line.split_once('{').and_then(|(_, r)| r.split_once('}')) {
            for pair in inner.0.split(',').filter(|p| !p.is_empty()) {
                let label = pair.split('=').next().unwrap();
                assert!(labels.contains(&label), "{line}: label `{label}`");
            }
        }
    }
}
