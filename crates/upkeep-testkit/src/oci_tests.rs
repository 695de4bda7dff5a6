//! Tests of the OCI registry harness against the real `docker-registry`.

use super::*;
use base64::Engine;

struct Resp {
    status: u16,
    headers: header::HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

fn get(url: &str, accept: Option<&str>, auth: Option<String>) -> Resp {
    let (url, accept) = (url.to_string(), accept.map(str::to_string));
    block_on(async move {
        let mut req = client().get(url);
        if let Some(a) = accept {
            req = req.header(header::ACCEPT, a);
        }
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        let resp = req.send().await.unwrap();
        Resp {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.bytes().await.unwrap().to_vec(),
        }
    })
}

/// Parses `Bearer realm="…",service="…",scope="…"`.
fn challenge(value: &str) -> HashMap<String, String> {
    let rest = value.strip_prefix("Bearer ").expect("bearer challenge");
    rest.split("\",")
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim_matches('"').to_string()))
        .collect()
}

#[test]
fn anonymous_registry_serves_tags_manifests_and_configs() {
    let reg = OciRegistry::start(OciAuth::Anonymous);
    let d1 = reg.push_image("library/nginx", "1.25.3", "2023-10-24T00:00:00Z");
    let d2 = reg.push_image("library/nginx", "1.25.3-alpine3.18", "2023-10-25T00:00:00Z");
    let idx = reg.push_index("library/nginx", "1.27.0", "2024-05-29T00:00:00Z");
    let docker = reg.push_docker_image("library/nginx", "1.24.0", "2023-04-11T00:00:00Z");
    assert_eq!(reg.retag("library/nginx", "1.27.0", "latest"), idx);
    assert_ne!(d1, d2);

    let tags = get(
        &format!("{}/v2/library/nginx/tags/list", reg.url()),
        None,
        None,
    );
    assert_eq!(tags.status, 200);
    let mut names: Vec<String> = serde_json::from_value(tags.json()["tags"].clone()).unwrap();
    names.sort();
    assert_eq!(
        names,
        ["1.24.0", "1.25.3", "1.25.3-alpine3.18", "1.27.0", "latest"]
    );

    // By digest, with the Accept header: the index and its platform manifests.
    let url = format!("{}/v2/library/nginx/manifests/{idx}", reg.url());
    let m = get(&url, Some(MANIFEST_ACCEPT), None);
    assert_eq!(m.status, 200);
    assert_eq!(m.header("content-type"), OCI_INDEX);
    assert_eq!(m.header("docker-content-digest"), idx);
    let index = m.json();
    assert_eq!(index["manifests"][1]["platform"]["architecture"], "arm64");
    let amd64 = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let m = get(
        &format!("{}/v2/library/nginx/manifests/{amd64}", reg.url()),
        Some(MANIFEST_ACCEPT),
        None,
    );
    assert_eq!(m.status, 200);
    // The config blob carries the release time.
    let config = m.json()["config"]["digest"].as_str().unwrap().to_string();
    let c = get(
        &format!("{}/v2/library/nginx/blobs/{config}", reg.url()),
        None,
        None,
    );
    assert_eq!(c.status, 200);
    assert_eq!(c.json()["created"], "2024-05-29T00:00:00Z");

    // Docker v2 media type is kept.
    let m = get(
        &format!("{}/v2/library/nginx/manifests/1.24.0", reg.url()),
        Some(MANIFEST_ACCEPT),
        None,
    );
    assert_eq!(m.header("content-type"), DOCKER_MANIFEST);
    assert_eq!(m.header("docker-content-digest"), docker);

    // 2.8 quirk: without an Accept header listing the OCI types, an OCI manifest is 404.
    let bare = get(
        &format!("{}/v2/library/nginx/manifests/1.25.3", reg.url()),
        None,
        None,
    );
    assert_ne!(bare.status, 200);
}

#[test]
fn basic_auth_registry_requires_credentials() {
    let reg = OciRegistry::start(OciAuth::Basic);
    reg.push_image("team/app", "v1.0.0", "2024-01-01T00:00:00Z");
    let url = format!("{}/v2/team/app/tags/list", reg.url());
    let anon = get(&url, None, None);
    assert_eq!(anon.status, 401);
    assert!(anon.header("www-authenticate").starts_with("Basic "));
    let wrong = get(&url, None, Some(basic("upkeep", "wrong")));
    assert_eq!(wrong.status, 401);
    let (user, pass) = reg.credentials().unwrap();
    let ok = get(&url, None, Some(basic(user, pass)));
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["tags"], json!(["v1.0.0"]));
}

#[test]
fn token_auth_flow_end_to_end() {
    let reg = OciRegistry::start(OciAuth::Token);
    let digest = reg.push_image("org/tool", "2.1.0", "2024-02-02T00:00:00Z");
    let url = format!("{}/v2/org/tool/manifests/2.1.0", reg.url());

    // 1. The registry challenges.
    let anon = get(&url, Some(MANIFEST_ACCEPT), None);
    assert_eq!(anon.status, 401);
    let ch = challenge(&anon.header("www-authenticate"));
    assert_eq!(ch["realm"], reg.token_url().unwrap());
    assert_eq!(ch["service"], TOKEN_SERVICE);
    assert_eq!(ch["scope"], "repository:org/tool:pull");

    // 2. The token server wants credentials.
    let token_url = format!(
        "{}?service={}&scope={}",
        ch["realm"], ch["service"], ch["scope"]
    );
    assert_eq!(get(&token_url, None, None).status, 401);
    assert_eq!(
        get(&token_url, None, Some(basic("upkeep", "nope"))).status,
        401
    );
    let (user, pass) = reg.credentials().unwrap();
    let t = get(&token_url, None, Some(basic(user, pass)));
    assert_eq!(t.status, 200);
    let body = t.json();
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(body["access_token"], body["token"]);
    assert_eq!(body["expires_in"], 300);

    // The JWT's claims grant the requested scope.
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let dec = |s: &str| -> serde_json::Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap(),
        )
        .unwrap()
    };
    let (head, claims) = (dec(parts[0]), dec(parts[1]));
    assert_eq!(head["alg"], "RS256");
    assert_eq!(head["x5c"].as_array().unwrap().len(), 1);
    assert_eq!(claims["aud"], TOKEN_SERVICE);
    assert_eq!(
        claims["access"],
        json!([{ "type": "repository", "name": "org/tool", "actions": ["pull"] }])
    );

    // 3. The registry accepts the token.
    let ok = get(&url, Some(MANIFEST_ACCEPT), Some(format!("Bearer {token}")));
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("docker-content-digest"), digest);
    // A token for one repository does not open another.
    reg.push_image("org/other", "1.0.0", "2024-02-02T00:00:00Z");
    let other = get(
        &format!("{}/v2/org/other/tags/list", reg.url()),
        None,
        Some(format!("Bearer {token}")),
    );
    assert_eq!(other.status, 401);
    assert!(reg.token_requests() >= 3);
}

#[test]
fn anonymous_pull_tokens_like_docker_hub() {
    let reg = OciRegistry::start(OciAuth::TokenAnonymousPull);
    reg.push_image("library/alpine", "3.20", "2024-05-22T00:00:00Z");
    let url = format!("{}/v2/library/alpine/tags/list", reg.url());
    let ch = challenge(&get(&url, None, None).header("www-authenticate"));
    let t = get(
        &format!(
            "{}?service={}&scope=repository:library/alpine:pull,push",
            ch["realm"], ch["service"]
        ),
        None,
        None,
    );
    assert_eq!(t.status, 200);
    let token = t.json()["token"].as_str().unwrap().to_string();
    let ok = get(&url, None, Some(format!("Bearer {token}")));
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["tags"], json!(["3.20"]));
    // The anonymous token did not get push.
    let upload = block_on({
        let url = format!("{}/v2/library/alpine/blobs/uploads/", reg.url());
        async move {
            client()
                .post(url)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    assert_eq!(upload, 401);
}
