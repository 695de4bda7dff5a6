//! deploy/grafana/upkeep-fleet.json: every PromQL expression names only metrics and
//! labels upkeep exports, and the dashboard shows what the issue asks for.

use std::collections::BTreeSet;

use serde_json::Value;

use super::metrics::resolve;

fn dashboard() -> Value {
    serde_json::from_str(&super::read("deploy/grafana/upkeep-fleet.json")).unwrap()
}

/// Every panel, rows' children included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut found = Vec::new();
    let mut stack: Vec<&Value> = dashboard["panels"].as_array().unwrap().iter().collect();
    while let Some(panel) = stack.pop() {
        if let Some(children) = panel["panels"].as_array() {
            stack.extend(children);
        }
        found.push(panel);
    }
    found
}

/// Every PromQL expression: panel targets and query variables.
fn expressions(dashboard: &Value) -> Vec<String> {
    let mut expressions: Vec<String> = panels(dashboard)
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .map(|target| target["expr"].as_str().unwrap().to_owned())
        .collect();
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if variable["type"] == "query" {
            expressions.push(variable["query"]["query"].as_str().unwrap().to_owned());
        }
    }
    expressions
}

/// Identifiers of an expression outside string literals.
fn identifiers(expression: &str) -> Vec<String> {
    let mut identifiers = Vec::new();
    let mut current = String::new();
    let mut in_string = false;
    for character in expression.chars().chain([' ']) {
        if character == '"' {
            in_string = !in_string;
            current.clear();
            continue;
        }
        if in_string {
            continue;
        }
        if character.is_ascii_alphanumeric() || character == '_' || character == ':' {
            current.push(character);
        } else if !current.is_empty() {
            if !current.starts_with(|c: char| c.is_ascii_digit()) {
                identifiers.push(std::mem::take(&mut current));
            }
            current.clear();
        }
    }
    identifiers
}

/// Label names in `by (…)`/`without (…)` groupings and `{…}` selectors.
fn labels_used(expression: &str) -> BTreeSet<String> {
    let mut labels = BTreeSet::new();
    for keyword in ["by", "without"] {
        let mut rest = expression;
        while let Some(position) = rest.find(&format!("{keyword} (")) {
            let after = &rest[position + keyword.len() + 2..];
            let end = after.find(')').unwrap();
            labels.extend(after[..end].split(',').map(|label| label.trim().to_owned()));
            rest = &after[end..];
        }
    }
    let mut rest = expression;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}').unwrap();
        for matcher in after[..end].split(',') {
            let name: String = matcher
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                labels.insert(name);
            }
        }
        rest = &after[end..];
    }
    labels
}

#[test]
fn every_query_names_only_metrics_and_labels_upkeep_exports() {
    let dashboard = dashboard();
    let expressions = expressions(&dashboard);
    assert!(expressions.len() >= 15, "{expressions:#?}");
    for expression in &expressions {
        let mut allowed_labels = BTreeSet::new();
        let mut metrics = 0;
        for identifier in identifiers(expression) {
            if !identifier.starts_with("upkeep_") {
                continue;
            }
            let (_, labels) = resolve(&identifier).unwrap_or_else(|| {
                panic!("`{identifier}` is not a metric upkeep exports (in `{expression}`)")
            });
            metrics += 1;
            allowed_labels.extend(labels.into_iter().map(str::to_owned));
        }
        assert!(metrics > 0, "no upkeep metric in `{expression}`");
        for label in labels_used(expression) {
            assert!(
                allowed_labels.contains(&label),
                "label `{label}` is not on the metrics of `{expression}`"
            );
        }
    }
}

#[test]
fn the_dashboard_shows_what_a_fleet_owner_asks_for() {
    let expressions = expressions(&dashboard()).join("\n");
    for (needle, what) in [
        (
            "sum by (repository) (upkeep_outdated_dependencies",
            "outdated by repository",
        ),
        (
            "sum by (repository, severity) (upkeep_vulnerable_dependencies",
            "vulnerable by repository and severity",
        ),
        ("increase(upkeep_pull_requests_total", "PR throughput"),
        (
            "sum by (le, stage) (rate(upkeep_run_duration_seconds_bucket",
            "run duration per stage",
        ),
        ("upkeep_registry_cache_hits_total", "cache hit rate"),
        ("upkeep_github_rate_limit_remaining", "API budget"),
    ] {
        assert!(expressions.contains(needle), "no panel for {what}");
    }
}

#[test]
fn panels_have_unique_ids_fit_the_grid_and_use_the_datasource_variable() {
    let dashboard = dashboard();
    let panels = panels(&dashboard);
    let ids: BTreeSet<u64> = panels
        .iter()
        .map(|panel| panel["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), panels.len());
    for panel in panels {
        let grid = &panel["gridPos"];
        assert!(
            grid["x"].as_u64().unwrap() + grid["w"].as_u64().unwrap() <= 24,
            "{panel}"
        );
        if panel["type"] != "row" {
            assert_eq!(
                panel["datasource"]["uid"], "${datasource}",
                "{}",
                panel["title"]
            );
        }
    }
    assert_eq!(dashboard["uid"], "upkeep-fleet");
}

#[test]
fn the_expression_reader_skips_strings_and_finds_labels() {
    let expression = r#"sum by (repository, severity) (upkeep_vulnerable_dependencies{severity=~"critical|high_x"}) > 0"#;
    assert_eq!(
        identifiers(expression),
        [
            "sum",
            "by",
            "repository",
            "severity",
            "upkeep_vulnerable_dependencies",
            "severity"
        ]
    );
    assert_eq!(
        labels_used(expression).into_iter().collect::<Vec<_>>(),
        ["repository", "severity"]
    );
}
