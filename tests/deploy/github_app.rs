//! deploy/github-app.yml: least privilege, and exactly the events `serve` acts on.

use std::collections::BTreeMap;

use serde::Deserialize;

/// GitHub's App manifest (the manifest flow's `manifest` parameter).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct AppManifest {
    name: String,
    url: String,
    description: Option<String>,
    public: bool,
    hook_attributes: HookAttributes,
    redirect_url: Option<String>,
    callback_urls: Option<Vec<String>>,
    setup_url: Option<String>,
    request_oauth_on_install: Option<bool>,
    setup_on_update: Option<bool>,
    default_permissions: BTreeMap<String, Access>,
    default_events: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HookAttributes {
    url: String,
    active: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Access {
    Read,
    Write,
}

/// Events GitHub delivers to every App, subscribed or not.
const ALWAYS_DELIVERED: &[&str] = &["installation", "installation_repositories"];
/// The events `serve` routes to work (upkeep-server's webhook router).
const SERVE_HANDLES: &[&str] = &[
    "installation",
    "installation_repositories",
    "push",
    "pull_request",
    "issues",
];

fn manifest() -> AppManifest {
    serde_saphyr::from_str(&super::read("deploy/github-app.yml")).unwrap()
}

#[test]
fn permissions_are_the_least_upkeep_needs() {
    let manifest = manifest();
    let expected = BTreeMap::from([
        ("contents".to_owned(), Access::Write),
        ("pull_requests".to_owned(), Access::Write),
        ("issues".to_owned(), Access::Write),
        ("checks".to_owned(), Access::Read),
        ("statuses".to_owned(), Access::Read),
        ("metadata".to_owned(), Access::Read),
    ]);
    assert_eq!(manifest.default_permissions, expected);
    assert!(!manifest.public, "a private App by default");
}

#[test]
fn the_app_receives_exactly_the_events_serve_handles_at_its_webhook_route() {
    let manifest = manifest();
    let mut received: Vec<&str> = manifest.default_events.iter().map(String::as_str).collect();
    received.extend(ALWAYS_DELIVERED);
    received.sort_unstable();
    let mut handled = SERVE_HANDLES.to_vec();
    handled.sort_unstable();
    assert_eq!(received, handled);
    assert!(manifest.hook_attributes.url.ends_with("/webhooks/github"));
    assert_eq!(manifest.hook_attributes.active, Some(true));
}
