//! Tests of the fake GitHub itself.

use serde_json::json;

use super::*;

#[test]
fn smoke() {
    let gh = FakeGitHub::start();
    let r = gh.request(Some(&gh.app_jwt()), "GET", "/app", None);
    assert_eq!(r.status, 200, "{}", r.body);
    gh.assert_no_violations();
    let _ = json!({});
}
