use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::*;

fn token_rule(match_host: Option<&str>, host_type: Option<&str>, token: &str) -> HostRule {
    HostRule {
        match_host: match_host.map(str::to_owned),
        host_type: host_type.map(str::to_owned),
        token: Some(SecretString::from(token)),
        ..HostRule::default()
    }
}

fn chosen_token(rules: &HostRules, url: &str, host_type: Option<&str>) -> Option<String> {
    match rules
        .resolve(&Url::parse(url).unwrap(), host_type)
        .credential
    {
        Some(Credential::Token { token, .. }) => Some(token.expose_secret().to_owned()),
        Some(Credential::Basic { username, .. }) => Some(format!("basic:{username}")),
        None => None,
    }
}

#[test]
fn specificity_table() {
    // Written deliberately from most to least specific: the order of the list must not
    // matter except on ties.
    let rules = HostRules::new([
        token_rule(
            Some("https://registry.example.com/private/"),
            Some("npm"),
            "npm-url-prefix",
        ),
        token_rule(Some("registry.example.com"), Some("npm"), "npm-host"),
        token_rule(
            Some("https://registry.example.com/team/"),
            None,
            "url-prefix",
        ),
        token_rule(Some("example.com"), None, "parent-domain"),
        token_rule(Some("registry.example.com"), None, "host"),
        token_rule(None, Some("npm"), "npm-any-host"),
        token_rule(None, Some("docker"), "docker-any-host"),
        token_rule(Some(".other.test"), None, "dot-suffix"),
        token_rule(Some("localhost:5000"), None, "host-port"),
    ]);
    let table: &[(&str, Option<&str>, Option<&str>)] = &[
        // (url, hostType, expected token)
        ("https://unrelated.test/x", None, None),
        (
            "https://unrelated.test/x",
            Some("npm"),
            Some("npm-any-host"),
        ),
        (
            "https://unrelated.test/x",
            Some("docker"),
            Some("docker-any-host"),
        ),
        ("https://unrelated.test/x", Some("crate"), None),
        // a domain rule beats a hostType-only rule
        (
            "https://cdn.example.com/x",
            Some("docker"),
            Some("parent-domain"),
        ),
        // the longer host beats its parent domain
        ("https://registry.example.com/x", None, Some("host")),
        // a URL prefix beats a host
        (
            "https://registry.example.com/team/pkg",
            None,
            Some("url-prefix"),
        ),
        ("https://registry.example.com/teams", None, Some("host")),
        // hostType + matchHost beats matchHost alone, even a URL prefix
        (
            "https://registry.example.com/team/pkg",
            Some("npm"),
            Some("npm-host"),
        ),
        (
            "https://registry.example.com/private/pkg",
            Some("npm"),
            Some("npm-url-prefix"),
        ),
        // parent domains match only on a label boundary
        ("https://notexample.com/x", None, None),
        // a leading dot matches sub-domains but not the bare domain
        ("https://a.other.test/x", None, Some("dot-suffix")),
        ("https://other.test/x", None, None),
        // host:port matches that port only
        ("http://localhost:5000/v2/", None, Some("host-port")),
        ("http://localhost:5001/v2/", None, None),
        // credentials in the URL do not defeat a URL prefix
        (
            "https://user@registry.example.com/team/x",
            None,
            Some("url-prefix"),
        ),
    ];
    for (url, host_type, expected) in table {
        assert_eq!(
            chosen_token(&rules, url, *host_type).as_deref(),
            *expected,
            "{url} with hostType {host_type:?}"
        );
    }
}

#[test]
fn later_rule_wins_a_tie() {
    let rules = HostRules::new([
        token_rule(Some("example.com"), None, "first"),
        token_rule(Some("example.com"), None, "second"),
    ]);
    assert_eq!(
        chosen_token(&rules, "https://example.com/", None).as_deref(),
        Some("second")
    );
}

#[test]
fn a_narrower_username_replaces_a_broader_token_whole() {
    let rules = HostRules::new([
        token_rule(None, Some("npm"), "broad"),
        HostRule {
            match_host: Some("npm.example.com".into()),
            username: Some("bot".into()),
            password: Some(SecretString::from("pw")),
            ..HostRule::default()
        },
    ]);
    let settings = rules.resolve(
        &Url::parse("https://npm.example.com/p").unwrap(),
        Some("npm"),
    );
    let header = settings.credential.unwrap().authorization();
    assert_eq!(header.expose_secret(), "Basic Ym90OnB3");
}

#[test]
fn auth_types_shape_the_header() {
    let cases = [
        (None, "Bearer abc"),
        (Some("Basic"), "Basic abc"),
        (Some("Token-Only"), "abc"),
        (Some("token"), "token abc"),
    ];
    for (auth_type, expected) in cases {
        let rule = HostRule {
            auth_type: auth_type.map(AuthType::parse),
            ..token_rule(Some("h.test"), None, "abc")
        };
        let settings =
            HostRules::new([rule]).resolve(&Url::parse("https://h.test/").unwrap(), None);
        assert_eq!(
            settings.credential.unwrap().authorization().expose_secret(),
            expected
        );
    }
}

#[test]
fn other_fields_merge_by_specificity() {
    let rules = HostRules::new([
        HostRule {
            match_host: Some("slow.test".into()),
            timeout: Some(1500),
            concurrent_request_limit: Some(2),
            ..HostRule::default()
        },
        HostRule {
            host_type: Some("npm".into()),
            enabled: Some(false),
            timeout: Some(10),
            ..HostRule::default()
        },
    ]);
    let settings = rules.resolve(&Url::parse("https://slow.test/").unwrap(), Some("npm"));
    assert!(settings.disabled);
    assert_eq!(settings.timeout, Some(Duration::from_millis(1500)));
    assert_eq!(settings.concurrent_request_limit, Some(2));
}

#[test]
fn config_json_deserialises() {
    let rules: Vec<HostRule> = serde_json::from_str(
        r#"[{"matchHost": "ghcr.io", "hostType": "docker", "username": "bot", "password": "p"},
            {"matchHost": "https://npm.pkg.github.com/", "token": "t", "authType": "Token-Only"}]"#,
    )
    .unwrap();
    assert_eq!(rules[0].host_type.as_deref(), Some("docker"));
    assert_eq!(rules[1].auth_type, Some(AuthType::TokenOnly));
    // Secrets never show in Debug output.
    assert!(!format!("{rules:?}").contains("\"t\""));
}

#[test]
fn environment_variables_become_rules() {
    let variables = [
        ("NPM_REGISTRY_EXAMPLE_COM_TOKEN", "npm-token"),
        ("NPM_TOKEN", "hostless"),
        ("DOCKER_MY__REGISTRY_EXAMPLE_COM_USERNAME", "bot"),
        ("DOCKER_MY__REGISTRY_EXAMPLE_COM_PASSWORD", "pw"),
        ("GITHUB__TAGS_GITHUB_COM_TOKEN", "tags"),
        ("GITHUB_TOKEN", "not-a-rule"),
        ("GITHUB_GITHUB_COM_TOKEN", "platform"),
        ("NPM_LOCALHOST_TOKEN", "ambiguous"),
        ("npm_config_registry", "ignored"),
        ("HOME", "/root"),
        ("CRATE_INDEX_EXAMPLE_COM_SECRET", "unknown-field"),
    ]
    .map(|(name, value)| (name.to_owned(), value.to_owned()));
    let rules = rules_from_env(variables, &["npm", "docker", "github-tags", "crate"]);
    type Summary<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let summary: Vec<Summary<'_>> = rules
        .iter()
        .map(|rule| {
            (
                rule.host_type.as_deref(),
                rule.match_host.as_deref(),
                rule.token.as_ref().map(|t| t.expose_secret()),
                rule.username.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Some("docker"),
                Some("my-registry.example.com"),
                None,
                Some("bot")
            ),
            (Some("github"), Some("github.com"), Some("platform"), None),
            (Some("github-tags"), Some("github.com"), Some("tags"), None),
            (
                Some("npm"),
                Some("registry.example.com"),
                Some("npm-token"),
                None
            ),
            (Some("npm"), None, Some("hostless"), None),
        ]
    );
    assert_eq!(rules[0].password.as_ref().unwrap().expose_secret(), "pw");
}
