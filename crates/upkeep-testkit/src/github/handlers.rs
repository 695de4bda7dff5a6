//! One function per REST operation, over the fake's state. The pipeline has already
//! authenticated the caller, validated the request and checked repository access.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::bare::{Signature, TreeChange};
use super::server::{Ctx, Reply};
use super::state::{
    AutoMerge, CheckRun, Comment, CommitStatus, Issue, Label, Principal, Pull, Repo, State, now,
    timestamp,
};

pub(crate) fn dispatch(st: &mut State, op: &str, ctx: &Ctx) -> Reply {
    if !ctx.param("owner").is_empty() {
        sync_pulls(st, &ctx.full_name());
    }
    match op {
        "apps/get-authenticated" => Reply::json(200, st.render_app()),
        "apps/list-installations" => {
            let items = st
                .installations
                .values()
                .map(|i| st.render_installation(i))
                .collect();
            paginate(st, ctx, items)
        }
        "apps/create-installation-access-token" => create_token(st, ctx),
        "apps/list-repos-accessible-to-installation" => installation_repos(st, ctx),
        "rate-limit/get" => rate_limit(st, ctx),
        "users/get-authenticated" => authenticated_user(st, ctx),
        "repos/list-for-authenticated-user" => user_repos(st, ctx),
        "repos/get" => Reply::json(200, st.render_repo(repo(st, ctx))),
        "git/get-ref" => get_ref(st, ctx),
        "git/list-matching-refs" => matching_refs(st, ctx),
        "git/create-ref" => pushed(st, ctx, create_ref),
        "git/update-ref" => pushed(st, ctx, update_ref),
        "git/delete-ref" => pushed(st, ctx, delete_ref),
        "git/create-blob" => create_blob(st, ctx),
        "git/create-tree" => create_tree(st, ctx),
        "git/create-commit" => create_commit(st, ctx),
        "git/get-commit" => {
            let r = repo(st, ctx);
            let sha = ctx.param("commit_sha");
            let verified = r_verified(st, &ctx.full_name(), sha);
            match st.render_git_commit(r, sha, verified) {
                Some(v) => Reply::json(200, v),
                None => Reply::not_found(),
            }
        }
        "repos/get-content" => get_content(st, ctx),
        "pulls/list" => list_pulls(st, ctx),
        "pulls/create" => create_pull(st, ctx),
        "pulls/get" => with_pull(st, ctx, |st, r, i| {
            Reply::json(200, st.render_pull(r, i, true))
        }),
        "pulls/update" => update_pull(st, ctx),
        "pulls/merge" => pushed(st, ctx, merge_endpoint),
        "pulls/request-reviewers" => request_reviewers(st, ctx),
        "issues/list-for-repo" => list_issues(st, ctx),
        "issues/create" => create_issue(st, ctx),
        "issues/get" => with_issue(st, ctx, |st, r, i| Reply::json(200, st.render_issue(r, i))),
        "issues/update" => update_issue(st, ctx),
        "issues/list-comments" => list_comments(st, ctx),
        "issues/create-comment" => create_comment(st, ctx),
        "issues/update-comment" => update_comment(st, ctx),
        "issues/add-labels" => add_labels(st, ctx),
        "issues/add-assignees" => add_assignees(st, ctx),
        "repos/create-commit-status" => create_status(st, ctx),
        "repos/get-combined-status-for-ref" => combined_status(st, ctx),
        "checks/list-for-ref" => check_runs(st, ctx),
        other => Reply::error(501, &format!("the fake GitHub does not implement {other}")),
    }
}

// ---- helpers ----

/// Runs a handler that may move a branch; a success updates `pushed_at`.
fn pushed(st: &mut State, ctx: &Ctx, f: fn(&mut State, &Ctx) -> Reply) -> Reply {
    let reply = f(st, ctx);
    if reply.status < 300
        && let Some(r) = st.repos.get_mut(&ctx.full_name())
    {
        r.pushed_at = now();
    }
    reply
}

fn repo<'a>(st: &'a State, ctx: &Ctx) -> &'a Repo {
    st.repos
        .get(&ctx.full_name())
        .expect("checked by the pipeline")
}

fn repo_mut<'a>(st: &'a mut State, full: &str) -> &'a mut Repo {
    st.repos.get_mut(full).expect("checked by the pipeline")
}

fn r_verified(st: &State, full: &str, sha: &str) -> bool {
    st.verified_commits.contains(&format!("{full}@{sha}"))
}

fn number(ctx: &Ctx, name: &str) -> Option<u64> {
    ctx.param(name).parse().ok()
}

fn with_issue(st: &mut State, ctx: &Ctx, f: impl FnOnce(&State, &Repo, &Issue) -> Reply) -> Reply {
    let r = repo(st, ctx);
    match number(ctx, "issue_number").and_then(|n| r.issues.get(&n)) {
        Some(i) => f(st, r, i),
        None => Reply::not_found(),
    }
}

fn with_pull(st: &mut State, ctx: &Ctx, f: impl FnOnce(&State, &Repo, &Issue) -> Reply) -> Reply {
    let r = repo(st, ctx);
    match number(ctx, "pull_number")
        .and_then(|n| r.issues.get(&n))
        .filter(|i| i.pull.is_some())
    {
        Some(i) => f(st, r, i),
        None => Reply::not_found(),
    }
}

fn bot_signature(st: &State, who: &str) -> Signature {
    let id = st.users.get(who).map(|u| u.id).unwrap_or(0);
    Signature {
        name: who.to_string(),
        email: format!("{id}+{who}@users.noreply.github.com"),
        time: now(),
    }
}

fn github_signature() -> Signature {
    Signature {
        name: "GitHub".to_string(),
        email: "noreply@github.com".to_string(),
        time: now(),
    }
}

/// Pages `items` by `per_page`/`page` and adds GitHub's `Link` header.
fn page_of(st: &State, ctx: &Ctx, items: Vec<Value>) -> (Vec<Value>, Option<String>) {
    let per_page = ctx
        .query("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = ctx
        .query("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let others: Vec<(String, String)> = ctx
        .query
        .iter()
        .filter(|(k, _)| k != "page" && k != "per_page")
        .cloned()
        .collect();
    let link_to = |p: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &others {
            q.append_pair(k, v);
        }
        q.append_pair("per_page", &per_page.to_string());
        q.append_pair("page", &p.to_string());
        format!("<{}{}?{}>", st.base, ctx.path, q.finish())
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", link_to(1)));
    }
    (slice, (!links.is_empty()).then(|| links.join(", ")))
}

fn paginate(st: &State, ctx: &Ctx, items: Vec<Value>) -> Reply {
    let (slice, link) = page_of(st, ctx, items);
    let reply = Reply::json(200, Value::Array(slice));
    match link {
        Some(l) => reply.header("link", l),
        None => reply,
    }
}

/// Open pull requests follow their head branch: a deleted head branch closes the pull
/// request (as GitHub does), a moved one moves its head sha.
fn sync_pulls(st: &mut State, full: &str) {
    let Some(r) = st.repos.get_mut(full) else {
        return;
    };
    let heads: std::collections::HashMap<String, String> = r
        .bare
        .refs("refs/heads/")
        .into_iter()
        .map(|(name, sha, _)| (name.trim_start_matches("refs/heads/").to_string(), sha))
        .collect();
    let t = now();
    for issue in r.issues.values_mut().filter(|i| i.open) {
        let Some(pull) = issue.pull.as_mut() else {
            continue;
        };
        match heads.get(&pull.head_ref) {
            Some(sha) if heads.contains_key(&pull.base_ref) => {
                if *sha != pull.head_sha {
                    pull.head_sha = sha.clone();
                    issue.updated_at = t;
                }
            }
            _ => {
                issue.open = false;
                issue.closed_at = Some(t);
                issue.updated_at = t;
                pull.auto_merge = None;
            }
        }
    }
}

fn labels_from(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| match l {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
        .collect()
}

fn ensure_labels(st: &mut State, full: &str, names: &[String]) {
    for name in names {
        if !repo_mut(st, full).labels.contains_key(name) {
            let id = st.id();
            repo_mut(st, full).labels.insert(
                name.clone(),
                Label {
                    id,
                    color: "ededed".to_string(),
                    description: None,
                },
            );
        }
    }
}

fn logins_from(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| match l {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("login").and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
        .collect()
}

// ---- apps ----

fn create_token(st: &mut State, ctx: &Ctx) -> Reply {
    let Some(id) = number(ctx, "installation_id").filter(|id| st.installations.contains_key(id))
    else {
        return Reply::not_found();
    };
    let (token, expires_at) = super::mint_token(st, Principal::Installation(id));
    let selection = if st.installations[&id].selected.is_some() {
        "selected"
    } else {
        "all"
    };
    Reply::json(
        201,
        json!({
            "token": token,
            "expires_at": timestamp(expires_at),
            "permissions": {"contents": "write", "issues": "write", "pull_requests": "write",
                "metadata": "read", "checks": "read", "statuses": "read", "workflows": "write"},
            "repository_selection": selection,
        }),
    )
}

fn installation_repos(st: &mut State, ctx: &Ctx) -> Reply {
    let Principal::Installation(id) = ctx.who else {
        return Reply::error(403, "This endpoint requires an installation access token");
    };
    let items: Vec<Value> = st
        .repos_of(id)
        .into_iter()
        .map(|r| st.render_repo(r))
        .collect();
    let total = items.len();
    let (slice, link) = page_of(st, ctx, items);
    let selection = if st.installations[&id].selected.is_some() {
        "selected"
    } else {
        "all"
    };
    let reply = Reply::json(
        200,
        json!({ "total_count": total, "repositories": slice, "repository_selection": selection }),
    );
    match link {
        Some(l) => reply.header("link", l),
        None => reply,
    }
}

/// `GET /user`: the token's user (`public-user`); not for installation tokens.
fn authenticated_user(st: &mut State, ctx: &Ctx) -> Reply {
    let Principal::User(login) = &ctx.who else {
        return Reply::error(403, "Resource not accessible by integration");
    };
    let mut v = st.render_user(login);
    let at = timestamp(st.started);
    for (key, value) in [
        ("name", json!(login)),
        ("company", Value::Null),
        ("blog", json!("")),
        ("location", Value::Null),
        ("email", Value::Null),
        ("hireable", Value::Null),
        ("bio", Value::Null),
        ("public_repos", json!(0)),
        ("public_gists", json!(0)),
        ("followers", json!(0)),
        ("following", json!(0)),
        ("created_at", json!(at)),
        ("updated_at", json!(at)),
        ("user_view_type", json!("public")),
    ] {
        v[key] = value;
    }
    Reply::json(200, v)
}

/// `GET /user/repos`: a human sees every repository of the fake.
fn user_repos(st: &mut State, ctx: &Ctx) -> Reply {
    if !matches!(ctx.who, Principal::User(_)) {
        return Reply::error(403, "Resource not accessible by integration");
    }
    let items: Vec<Value> = st.repos.values().map(|r| st.render_repo(r)).collect();
    paginate(st, ctx, items)
}

fn rate_limit(st: &mut State, ctx: &Ctx) -> Reply {
    let key = match &ctx.who {
        Principal::Installation(id) => format!("installation:{id}"),
        Principal::User(login) => format!("user:{login}"),
        Principal::App => "app".to_string(),
    };
    let (limit, used, reset) = st
        .budgets
        .get(&key)
        .map(|b| (b.limit, b.used, b.reset))
        .unwrap_or((st.default_limit, 0, now() + 3600));
    let core = json!({"limit": limit, "used": used, "remaining": limit.saturating_sub(used), "reset": reset, "resource": "core"});
    let other = |name: &str, limit: u64| json!({"limit": limit, "used": 0, "remaining": limit, "reset": now() + 3600, "resource": name});
    Reply::json(
        200,
        json!({
            "resources": {"core": core, "graphql": other("graphql", 5000), "search": other("search", 30)},
            "rate": core,
        }),
    )
}

// ---- git refs ----

fn render_ref(st: &State, r: &Repo, full: &str, sha: &str, kind: &str) -> Value {
    let api = format!("{}/repos/{}/git", st.base, r.full_name());
    let plural = match kind {
        "tag" => "tags",
        "tree" => "trees",
        "blob" => "blobs",
        _ => "commits",
    };
    json!({
        "ref": full,
        "node_id": format!("REF_{}", &sha[..12.min(sha.len())]),
        "url": format!("{api}/{full}"),
        "object": {"type": kind, "sha": sha, "url": format!("{api}/{plural}/{sha}")},
    })
}

fn get_ref(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let full = format!("refs/{}", ctx.param("ref"));
    match r
        .bare
        .refs(&full)
        .into_iter()
        .find(|(name, _, _)| *name == full)
    {
        Some((name, sha, kind)) => Reply::json(200, render_ref(st, r, &name, &sha, &kind)),
        None => Reply::not_found(),
    }
}

fn matching_refs(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let prefix = format!("refs/{}", ctx.param("ref"));
    let items: Vec<Value> = r
        .bare
        .refs("refs/")
        .into_iter()
        .filter(|(name, _, _)| name.starts_with(&prefix))
        .map(|(name, sha, kind)| render_ref(st, r, &name, &sha, &kind))
        .collect();
    Reply::json(200, Value::Array(items))
}

fn create_ref(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let name = ctx.body["ref"].as_str().unwrap_or("");
    let sha = ctx.body["sha"].as_str().unwrap_or("");
    if !name.starts_with("refs/") || name.matches('/').count() < 2 {
        return Reply::error(
            422,
            "Reference name must start with 'refs/' and have at least two slashes.",
        );
    }
    let Some(kind) = r.bare.object_type(sha).filter(|_| sha.len() == 40) else {
        return Reply::error(422, "Object does not exist");
    };
    if r.bare.ref_sha(name).is_some() {
        return Reply::error(422, "Reference already exists");
    }
    if !r.bare.update_ref(name, sha, Some(&"0".repeat(40))) {
        return Reply::error(422, "Reference update failed");
    }
    let v = render_ref(st, r, name, sha, &kind);
    let location = v["url"].as_str().unwrap_or("").to_string();
    Reply::json(201, v).header("location", location)
}

fn update_ref(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let name = format!("refs/{}", ctx.param("ref"));
    let sha = ctx.body["sha"].as_str().unwrap_or("");
    let force = ctx.body["force"].as_bool().unwrap_or(false);
    let Some(old) = r.bare.ref_sha(&name) else {
        return Reply::error(422, "Reference does not exist");
    };
    if r.bare.object_type(sha).as_deref() != Some("commit") {
        return Reply::error(422, "Object does not exist");
    }
    if !force && !r.bare.is_ancestor(&old, sha) {
        return Reply::error(422, "Update is not a fast forward");
    }
    if !r.bare.update_ref(&name, sha, Some(&old)) {
        return Reply::error(409, "Reference cannot be updated");
    }
    Reply::json(200, render_ref(st, r, &name, sha, "commit"))
}

fn delete_ref(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let name = format!("refs/{}", ctx.param("ref"));
    let r = repo(st, ctx);
    if r.bare.ref_sha(&name).is_none() || !r.bare.delete_ref(&name) {
        return Reply::error(422, "Reference does not exist");
    }
    sync_pulls(st, &full);
    Reply::empty(204)
}

// ---- git data ----

fn create_blob(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let content = ctx.body["content"].as_str().unwrap_or("");
    let bytes = match ctx.body["encoding"].as_str().unwrap_or("utf-8") {
        "base64" => match STANDARD.decode(content.replace(['\n', '\r'], "")) {
            Ok(b) => b,
            Err(_) => return Reply::error(422, "content is not valid Base64"),
        },
        "utf-8" | "utf8" => content.as_bytes().to_vec(),
        other => return Reply::error(422, &format!("encoding {other} is not supported")),
    };
    let sha = r.bare.write_blob(&bytes);
    let url = format!("{}/repos/{}/git/blobs/{sha}", st.base, r.full_name());
    Reply::json(201, json!({ "url": url, "sha": sha })).header("location", url)
}

fn create_tree(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let mut changes = Vec::new();
    for entry in ctx.body["tree"].as_array().into_iter().flatten() {
        let path = entry["path"].as_str().unwrap_or("").to_string();
        let mode = entry["mode"].as_str().unwrap_or("100644").to_string();
        if path.is_empty() {
            return Reply::error(422, "tree.path is required");
        }
        if entry["type"] == "tree" || mode == "040000" {
            return Reply::error(
                422,
                "the fake GitHub supports only blob entries in a new tree",
            );
        }
        if let Some(content) = entry["content"].as_str() {
            let sha = r.bare.write_blob(content.as_bytes());
            changes.push(TreeChange::Blob { path, mode, sha });
        } else if entry.get("sha").is_some_and(Value::is_null) {
            changes.push(TreeChange::Delete { path });
        } else if let Some(sha) = entry["sha"].as_str() {
            if r.bare.object_type(sha).as_deref() != Some("blob") {
                return Reply::error(422, &format!("tree.sha {sha} is not a valid blob"));
            }
            changes.push(TreeChange::Blob {
                path,
                mode,
                sha: sha.to_string(),
            });
        } else {
            return Reply::error(422, "tree entries need sha or content");
        }
    }
    let base = ctx.body["base_tree"].as_str();
    let sha = match r.bare.write_tree(base, &changes) {
        Ok(sha) => sha,
        Err(e) => return Reply::error(422, &e),
    };
    let api = format!("{}/repos/{}/git", st.base, r.full_name());
    let entries: Vec<Value> = r
        .bare
        .ls_tree(&sha, false, "")
        .into_iter()
        .map(|e| {
            let mut v = json!({"path": e.path, "mode": e.mode, "type": e.kind, "sha": e.sha,
                "url": format!("{api}/{}s/{}", e.kind, e.sha)});
            if let Some(size) = e.size {
                v["size"] = json!(size);
            }
            v
        })
        .collect();
    let url = format!("{api}/trees/{sha}");
    Reply::json(
        201,
        json!({"sha": sha, "url": url, "tree": entries, "truncated": false}),
    )
    .header("location", url)
}

fn create_commit(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let actor = st.actor(&ctx.who);
    let r = repo(st, ctx);
    let tree = ctx.body["tree"].as_str().unwrap_or("");
    if r.bare.object_type(tree).as_deref() != Some("tree") {
        return Reply::error(422, "Tree SHA does not exist");
    }
    let parents: Vec<String> = ctx.body["parents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    if parents
        .iter()
        .any(|p| r.bare.object_type(p).as_deref() != Some("commit"))
    {
        return Reply::error(422, "Parent SHA does not exist or is not a commit object");
    }
    let default = bot_signature(st, &actor);
    let sig = |v: &Value| -> Signature {
        if !v.is_object() {
            return default.clone();
        }
        Signature {
            name: v["name"].as_str().unwrap_or(&default.name).to_string(),
            email: v["email"].as_str().unwrap_or(&default.email).to_string(),
            time: default.time,
        }
    };
    let author = sig(&ctx.body["author"]);
    let committer = if ctx.body["committer"].is_object() {
        sig(&ctx.body["committer"])
    } else {
        author.clone()
    };
    let message = ctx.body["message"].as_str().unwrap_or("");
    let sha = r
        .bare
        .commit_tree(tree, &parents, message, &author, &committer);
    // GitHub signs commits an app makes through the API without a custom committer.
    let verified =
        matches!(ctx.who, Principal::Installation(_)) && !ctx.body["committer"].is_object();
    if verified {
        st.verified_commits.insert(format!("{full}@{sha}"));
    }
    let r = repo(st, ctx);
    let v = st
        .render_git_commit(r, &sha, verified)
        .expect("the new commit");
    let url = v["url"].as_str().unwrap_or("").to_string();
    Reply::json(201, v).header("location", url)
}

// ---- contents ----

fn get_content(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let reference = ctx
        .query("ref")
        .map(str::to_string)
        .unwrap_or_else(|| r.default_branch.clone());
    let Some(commit) = r.bare.resolve_commit(&reference) else {
        return Reply::error(404, &format!("No commit found for the ref {reference}"));
    };
    let path = ctx.param("path").trim_matches('/').to_string();
    let api = format!("{}/repos/{}", st.base, r.full_name());
    let html = format!("{}/{}", st.base, r.full_name());
    let item = |kind: &str, path: &str, sha: &str, size: u64| {
        let name = path.rsplit('/').next().unwrap_or(path);
        let self_url = format!("{api}/contents/{path}?ref={reference}");
        let git_url = format!(
            "{api}/git/{}/{sha}",
            if kind == "dir" { "trees" } else { "blobs" }
        );
        let html_url = format!(
            "{html}/{}/{reference}/{path}",
            if kind == "dir" { "tree" } else { "blob" }
        );
        json!({
            "type": kind, "size": size, "name": name, "path": path, "sha": sha,
            "url": self_url, "git_url": git_url, "html_url": html_url,
            "download_url": if kind == "file" { json!(format!("{}/raw/{}/{reference}/{path}", st.base, r.full_name())) } else { Value::Null },
            "_links": {"self": self_url, "git": git_url, "html": html_url},
        })
    };
    if let Some((sha, bytes)) = r.bare.read_file(&commit, &path) {
        let accept = ctx
            .headers
            .get("accept")
            .and_then(|a| a.to_str().ok())
            .unwrap_or("");
        if accept.contains("application/vnd.github.raw")
            || accept.contains("application/vnd.github.v3.raw")
        {
            return Reply {
                status: 200,
                body: None,
                headers: Vec::new(),
                raw: Some((bytes, "application/vnd.github.raw".to_string())),
            };
        }
        let mut v = item("file", &path, &sha, bytes.len() as u64);
        let encoded = STANDARD.encode(&bytes);
        let wrapped: Vec<&str> = encoded
            .as_bytes()
            .chunks(60)
            .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
            .collect();
        v["content"] = json!(format!("{}\n", wrapped.join("\n")));
        v["encoding"] = json!("base64");
        return Reply::json(200, v).header("etag", format!("\"{sha}\""));
    }
    match r.bare.list_dir(&commit, &path) {
        Some(entries) => {
            let items: Vec<Value> = entries
                .iter()
                .map(|e| {
                    let kind = match e.kind.as_str() {
                        "tree" => "dir",
                        "commit" => "submodule",
                        _ if e.mode == "120000" => "symlink",
                        _ => "file",
                    };
                    item(kind, &e.path, &e.sha, e.size.unwrap_or(0))
                })
                .collect();
            Reply::json(200, Value::Array(items))
        }
        None => Reply::not_found(),
    }
}

// ---- pulls ----

fn sort_items(issues: &mut [&Issue], ctx: &Ctx, long_running: bool) {
    let sort = ctx.query("sort").unwrap_or("created");
    let desc = match ctx.query("direction") {
        Some(d) => d == "desc",
        None => sort != "long-running" || long_running,
    };
    issues.sort_by_key(|i| {
        let key = match sort {
            "updated" => i.updated_at,
            _ => i.created_at,
        };
        (key, i.number)
    });
    if desc {
        issues.reverse();
    }
}

fn list_pulls(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let state = ctx.query("state").unwrap_or("open");
    let head = ctx.query("head").map(|h| match h.split_once(':') {
        Some((owner, branch)) => (Some(owner.to_string()), branch.to_string()),
        None => (None, h.to_string()),
    });
    let base = ctx.query("base");
    let mut pulls: Vec<&Issue> = r
        .issues
        .values()
        .filter(|i| {
            let Some(p) = &i.pull else { return false };
            let state_ok = match state {
                "open" => i.open,
                "closed" => !i.open,
                _ => true,
            };
            let head_ok = head.as_ref().is_none_or(|(owner, branch)| {
                owner
                    .as_ref()
                    .is_none_or(|o| o.eq_ignore_ascii_case(&r.owner))
                    && p.head_ref == *branch
            });
            state_ok && head_ok && base.is_none_or(|b| p.base_ref == b)
        })
        .collect();
    sort_items(&mut pulls, ctx, false);
    let items = pulls.iter().map(|i| st.render_pull(r, i, false)).collect();
    paginate(st, ctx, items)
}

fn create_pull(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let actor = st.actor(&ctx.who);
    let r = repo(st, ctx);
    let head_spec = ctx.body["head"].as_str().unwrap_or("");
    let head = match head_spec.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&r.owner) => branch.to_string(),
        Some(_) => return Reply::unprocessable("PullRequest", "head", "invalid", ""),
        None => head_spec.to_string(),
    };
    let base = ctx.body["base"].as_str().unwrap_or("").to_string();
    let Some(title) = ctx.body["title"].as_str().map(str::to_string) else {
        return Reply::unprocessable("PullRequest", "title", "missing_field", "");
    };
    let Some(head_sha) = r.bare.ref_sha(&format!("refs/heads/{head}")) else {
        return Reply::unprocessable("PullRequest", "head", "invalid", "");
    };
    let Some(base_sha) = r.bare.ref_sha(&format!("refs/heads/{base}")) else {
        return Reply::unprocessable("PullRequest", "base", "invalid", "");
    };
    if r.issues.values().any(|i| {
        i.open
            && i.pull
                .as_ref()
                .is_some_and(|p| p.head_ref == head && p.base_ref == base)
    }) {
        return Reply::unprocessable(
            "PullRequest",
            "",
            "custom",
            &format!("A pull request already exists for {}:{head}.", r.owner),
        );
    }
    if r.bare.commits_between(&base_sha, &head_sha).is_empty() {
        return Reply::unprocessable(
            "PullRequest",
            "",
            "custom",
            &format!("No commits between {base} and {head}"),
        );
    }
    let number = r.next_number();
    let id = st.id();
    let t = now();
    let issue = Issue {
        id,
        number,
        title,
        body: ctx.body["body"].as_str().map(str::to_string),
        open: true,
        state_reason: None,
        user: actor,
        labels: Vec::new(),
        assignees: Vec::new(),
        created_at: t,
        updated_at: t,
        closed_at: None,
        closed_by: None,
        pull: Some(Pull {
            head_ref: head,
            head_sha,
            base_ref: base,
            draft: ctx.body["draft"].as_bool().unwrap_or(false),
            merged_at: None,
            merged_by: None,
            merge_commit_sha: None,
            requested_reviewers: Vec::new(),
            auto_merge: None,
            maintainer_can_modify: ctx.body["maintainer_can_modify"].as_bool().unwrap_or(true),
        }),
    };
    repo_mut(st, &full).issues.insert(number, issue);
    let r = repo(st, ctx);
    let v = st.render_pull(r, &r.issues[&number], true);
    let url = v["url"].as_str().unwrap_or("").to_string();
    Reply::json(201, v).header("location", url)
}

fn update_pull(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let actor = st.actor(&ctx.who);
    let Some(n) = number(ctx, "pull_number") else {
        return Reply::not_found();
    };
    let r = repo(st, ctx);
    let Some(issue) = r.issues.get(&n).filter(|i| i.pull.is_some()) else {
        return Reply::not_found();
    };
    let pull = issue.pull.as_ref().expect("pull");
    if let Some(base) = ctx.body["base"].as_str()
        && r.bare.ref_sha(&format!("refs/heads/{base}")).is_none()
    {
        return Reply::unprocessable("PullRequest", "base", "invalid", "");
    }
    let reopen = ctx.body["state"] == "open" && !issue.open;
    if reopen {
        if pull.merged_at.is_some() {
            return Reply::unprocessable(
                "PullRequest",
                "state",
                "invalid",
                "state cannot be changed. The pull request has been merged.",
            );
        }
        if r.bare
            .ref_sha(&format!("refs/heads/{}", pull.head_ref))
            .is_none()
        {
            return Reply::unprocessable(
                "PullRequest",
                "state",
                "invalid",
                "state cannot be changed. The head branch has been deleted.",
            );
        }
    }
    let t = now();
    let issue = repo_mut(st, &full).issues.get_mut(&n).expect("issue");
    if let Some(title) = ctx.body["title"].as_str() {
        issue.title = title.to_string();
    }
    if let Some(body) = ctx.body.get("body") {
        issue.body = body.as_str().map(str::to_string);
    }
    let pull = issue.pull.as_mut().expect("pull");
    if let Some(base) = ctx.body["base"].as_str() {
        pull.base_ref = base.to_string();
    }
    if let Some(m) = ctx.body["maintainer_can_modify"].as_bool() {
        pull.maintainer_can_modify = m;
    }
    match ctx.body["state"].as_str() {
        Some("closed") if issue.open => {
            issue.open = false;
            issue.closed_at = Some(t);
            issue.closed_by = Some(actor);
            pull.auto_merge = None;
        }
        Some("open") if reopen => {
            issue.open = true;
            issue.closed_at = None;
            issue.closed_by = None;
        }
        _ => {}
    }
    issue.updated_at = t;
    with_pull(st, ctx, |st, r, i| {
        Reply::json(200, st.render_pull(r, i, true))
    })
}

/// How to merge a pull request.
pub(crate) struct MergeSpec<'a> {
    pub(crate) method: &'a str,
    pub(crate) expected_sha: Option<&'a str>,
    pub(crate) title: Option<&'a str>,
    pub(crate) message: Option<&'a str>,
    pub(crate) actor: &'a str,
}

/// Merges pull request `n` of `full` the way GitHub does (merge commit, squash or
/// rebase), moving the base branch; `Err` is the error reply.
pub(crate) fn merge_pull(
    st: &mut State,
    full: &str,
    n: u64,
    spec: &MergeSpec,
) -> Result<String, Box<Reply>> {
    let MergeSpec {
        method,
        expected_sha,
        title,
        message,
        actor,
    } = *spec;
    let not_found = || Box::new(Reply::not_found());
    let fail = |status: u16, message: &str| Box::new(Reply::error(status, message));
    let r = st.repos.get(full).ok_or_else(not_found)?;
    let issue = r
        .issues
        .get(&n)
        .filter(|i| i.pull.is_some())
        .ok_or_else(not_found)?;
    let pull = issue.pull.as_ref().expect("pull");
    if !issue.open || pull.merged_at.is_some() {
        return Err(fail(405, "Pull Request is not mergeable"));
    }
    let allowed = match method {
        "merge" => r.allow_merge_commit,
        "squash" => r.allow_squash_merge,
        "rebase" => r.allow_rebase_merge,
        _ => false,
    };
    if !allowed {
        return Err(fail(
            405,
            &format!("{method} merges are not allowed on this repository."),
        ));
    }
    let head_sha = st.current_head_sha(r, issue);
    if let Some(expected) = expected_sha
        && expected != head_sha
    {
        return Err(fail(
            409,
            "Head branch was modified. Review and try the merge again.",
        ));
    }
    let base_ref = format!("refs/heads/{}", pull.base_ref);
    let base_sha = r
        .bare
        .ref_sha(&base_ref)
        .ok_or_else(|| fail(405, "Base branch was deleted"))?;
    let bare = r.bare.clone();
    let tree = bare
        .merge_tree(&base_sha, &head_sha)
        .map_err(|_| fail(405, "Pull Request is not mergeable"))?;
    let committer = github_signature();
    let author = bot_signature(st, actor);
    let new_sha = match method {
        "merge" => {
            let title = title.map(str::to_string).unwrap_or_else(|| {
                format!("Merge pull request #{n} from {}/{}", r.owner, pull.head_ref)
            });
            let body = message.unwrap_or(&issue.title);
            bare.commit_tree(
                &tree,
                &[base_sha.clone(), head_sha.clone()],
                &format!("{title}\n\n{body}\n"),
                &author,
                &committer,
            )
        }
        "squash" => {
            let title = title
                .map(str::to_string)
                .unwrap_or_else(|| format!("{} (#{n})", issue.title));
            let body = message.unwrap_or("");
            bare.commit_tree(
                &tree,
                std::slice::from_ref(&base_sha),
                &format!("{title}\n\n{body}\n"),
                &author,
                &committer,
            )
        }
        _ => {
            let mut onto = base_sha.clone();
            for commit in bare.commits_between(&base_sha, &head_sha) {
                let info = bare.commit_info(&commit).expect("commit");
                let parent = info.parents.first().cloned().unwrap_or_default();
                let t = bare
                    .pick_tree(&onto, &commit, &parent)
                    .map_err(|_| fail(405, "Pull Request is not mergeable"))?;
                onto = bare.commit_tree(
                    &t,
                    std::slice::from_ref(&onto),
                    &info.message,
                    &info.author,
                    &committer,
                );
            }
            onto
        }
    };
    if !bare.update_ref(&base_ref, &new_sha, Some(&base_sha)) {
        return Err(fail(
            409,
            "Base branch was modified. Review and try the merge again.",
        ));
    }
    let t = now();
    let issue = st
        .repos
        .get_mut(full)
        .and_then(|r| r.issues.get_mut(&n))
        .expect("issue");
    issue.open = false;
    issue.closed_at = Some(t);
    issue.updated_at = t;
    let pull = issue.pull.as_mut().expect("pull");
    pull.head_sha = head_sha;
    pull.merged_at = Some(t);
    pull.merged_by = Some(actor.to_string());
    pull.merge_commit_sha = Some(new_sha.clone());
    pull.auto_merge = None;
    Ok(new_sha)
}

fn merge_endpoint(st: &mut State, ctx: &Ctx) -> Reply {
    let actor = st.actor(&ctx.who);
    let Some(n) = number(ctx, "pull_number") else {
        return Reply::not_found();
    };
    let method = ctx.body["merge_method"]
        .as_str()
        .unwrap_or("merge")
        .to_string();
    let spec = MergeSpec {
        method: &method,
        expected_sha: ctx.body["sha"].as_str(),
        title: ctx.body["commit_title"].as_str(),
        message: ctx.body["commit_message"].as_str(),
        actor: &actor,
    };
    match merge_pull(st, &ctx.full_name(), n, &spec) {
        Ok(sha) => Reply::json(
            200,
            json!({"sha": sha, "merged": true, "message": "Pull Request successfully merged"}),
        ),
        Err(reply) => *reply,
    }
}

fn request_reviewers(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let Some(n) = number(ctx, "pull_number") else {
        return Reply::not_found();
    };
    let reviewers = logins_from(&ctx.body["reviewers"]);
    let Some(author) = repo(st, ctx)
        .issues
        .get(&n)
        .filter(|i| i.pull.is_some())
        .map(|i| i.user.clone())
    else {
        return Reply::not_found();
    };
    if reviewers.contains(&author) {
        return Reply::unprocessable(
            "PullRequest",
            "reviewers",
            "custom",
            "Review cannot be requested from pull request author.",
        );
    }
    for login in &reviewers {
        st.user(login, "User");
    }
    let issue = repo_mut(st, &full).issues.get_mut(&n).expect("issue");
    let pull = issue.pull.as_mut().expect("pull");
    for login in reviewers {
        if !pull.requested_reviewers.contains(&login) {
            pull.requested_reviewers.push(login);
        }
    }
    issue.updated_at = now();
    with_pull(st, ctx, |st, r, i| {
        Reply::json(201, st.render_pull(r, i, false))
    })
}

// ---- issues ----

fn list_issues(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let state = ctx.query("state").unwrap_or("open");
    let labels: Vec<&str> = ctx
        .query("labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let creator = ctx.query("creator");
    let assignee = ctx.query("assignee");
    let since = ctx.query("since").unwrap_or("");
    let mut issues: Vec<&Issue> = r
        .issues
        .values()
        .filter(|i| match state {
            "open" => i.open,
            "closed" => !i.open,
            _ => true,
        })
        .filter(|i| creator.is_none_or(|c| c.eq_ignore_ascii_case(&i.user)))
        .filter(|i| labels.iter().all(|l| i.labels.iter().any(|x| x == l)))
        .filter(|i| match assignee {
            Some("*") => !i.assignees.is_empty(),
            Some("none") => i.assignees.is_empty(),
            Some(a) => i.assignees.iter().any(|x| x == a),
            None => true,
        })
        .filter(|i| since.is_empty() || timestamp(i.updated_at).as_str() >= since)
        .collect();
    sort_items(&mut issues, ctx, false);
    let items = issues.iter().map(|i| st.render_issue(r, i)).collect();
    paginate(st, ctx, items)
}

fn title_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn create_issue(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let actor = st.actor(&ctx.who);
    let Some(title) = title_of(&ctx.body["title"]) else {
        return Reply::unprocessable("Issue", "title", "missing_field", "");
    };
    let labels = labels_from(&ctx.body["labels"]);
    ensure_labels(st, &full, &labels);
    let mut assignees = logins_from(&ctx.body["assignees"]);
    if let Some(a) = ctx.body["assignee"].as_str() {
        assignees.insert(0, a.to_string());
    }
    for a in &assignees {
        st.user(a, "User");
    }
    let id = st.id();
    let t = now();
    let r = repo_mut(st, &full);
    let number = r.next_number();
    r.issues.insert(
        number,
        Issue {
            id,
            number,
            title,
            body: ctx.body["body"].as_str().map(str::to_string),
            open: true,
            state_reason: None,
            user: actor,
            labels,
            assignees,
            created_at: t,
            updated_at: t,
            closed_at: None,
            closed_by: None,
            pull: None,
        },
    );
    let r = repo(st, ctx);
    let v = st.render_issue(r, &r.issues[&number]);
    let url = v["url"].as_str().unwrap_or("").to_string();
    Reply::json(201, v).header("location", url)
}

fn update_issue(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let actor = st.actor(&ctx.who);
    let Some(n) = number(ctx, "issue_number").filter(|n| repo(st, ctx).issues.contains_key(n))
    else {
        return Reply::not_found();
    };
    let labels = ctx.body.get("labels").map(labels_from);
    if let Some(labels) = &labels {
        ensure_labels(st, &full, labels);
    }
    let assignees = ctx.body.get("assignees").map(logins_from);
    for a in assignees.iter().flatten() {
        st.user(a, "User");
    }
    let t = now();
    let issue = repo_mut(st, &full).issues.get_mut(&n).expect("issue");
    if issue.pull.as_ref().is_some_and(|p| p.merged_at.is_some()) && ctx.body["state"] == "open" {
        return Reply::unprocessable(
            "Issue",
            "state",
            "invalid",
            "A merged pull request cannot be reopened.",
        );
    }
    if let Some(title) = ctx.body.get("title").and_then(title_of) {
        issue.title = title;
    }
    if let Some(body) = ctx.body.get("body") {
        issue.body = body.as_str().map(str::to_string);
    }
    if let Some(labels) = labels {
        issue.labels = labels;
    }
    if let Some(assignees) = assignees {
        issue.assignees = assignees;
    }
    match ctx.body["state"].as_str() {
        Some("closed") if issue.open => {
            issue.open = false;
            issue.closed_at = Some(t);
            issue.closed_by = Some(actor);
            issue.state_reason = Some(
                ctx.body["state_reason"]
                    .as_str()
                    .unwrap_or("completed")
                    .to_string(),
            );
            if let Some(p) = issue.pull.as_mut() {
                p.auto_merge = None;
            }
        }
        Some("open") if !issue.open => {
            issue.open = true;
            issue.closed_at = None;
            issue.closed_by = None;
            issue.state_reason = Some("reopened".to_string());
        }
        _ => {}
    }
    issue.updated_at = t;
    with_issue(st, ctx, |st, r, i| Reply::json(200, st.render_issue(r, i)))
}

fn list_comments(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let Some(n) = number(ctx, "issue_number").filter(|n| r.issues.contains_key(n)) else {
        return Reply::not_found();
    };
    let since = ctx.query("since").unwrap_or("");
    let items = r
        .comments
        .values()
        .filter(|c| c.issue == n && (since.is_empty() || timestamp(c.updated_at).as_str() >= since))
        .map(|c| st.render_comment(r, c))
        .collect();
    paginate(st, ctx, items)
}

fn create_comment(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let actor = st.actor(&ctx.who);
    let Some(n) = number(ctx, "issue_number").filter(|n| repo(st, ctx).issues.contains_key(n))
    else {
        return Reply::not_found();
    };
    let id = st.id();
    let t = now();
    let comment = Comment {
        id,
        issue: n,
        user: actor,
        body: ctx.body["body"].as_str().unwrap_or("").to_string(),
        created_at: t,
        updated_at: t,
    };
    let r = repo_mut(st, &full);
    r.comments.insert(id, comment);
    if let Some(i) = r.issues.get_mut(&n) {
        i.updated_at = t;
    }
    let r = repo(st, ctx);
    let v = st.render_comment(r, &r.comments[&id]);
    let url = v["url"].as_str().unwrap_or("").to_string();
    Reply::json(201, v).header("location", url)
}

fn update_comment(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let Some(id) = number(ctx, "comment_id") else {
        return Reply::not_found();
    };
    let r = repo_mut(st, &full);
    let Some(c) = r.comments.get_mut(&id) else {
        return Reply::not_found();
    };
    c.body = ctx.body["body"].as_str().unwrap_or("").to_string();
    c.updated_at = now();
    let r = repo(st, ctx);
    Reply::json(200, st.render_comment(r, &r.comments[&id]))
}

fn add_labels(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let Some(n) = number(ctx, "issue_number").filter(|n| repo(st, ctx).issues.contains_key(n))
    else {
        return Reply::not_found();
    };
    let labels = labels_from(&ctx.body["labels"]);
    ensure_labels(st, &full, &labels);
    let issue = repo_mut(st, &full).issues.get_mut(&n).expect("issue");
    for l in labels {
        if !issue.labels.contains(&l) {
            issue.labels.push(l);
        }
    }
    issue.updated_at = now();
    let r = repo(st, ctx);
    let items = r.issues[&n]
        .labels
        .iter()
        .map(|l| st.render_label(r, l))
        .collect();
    Reply::json(200, Value::Array(items))
}

fn add_assignees(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let Some(n) = number(ctx, "issue_number").filter(|n| repo(st, ctx).issues.contains_key(n))
    else {
        return Reply::not_found();
    };
    let logins = logins_from(&ctx.body["assignees"]);
    for l in &logins {
        st.user(l, "User");
    }
    let issue = repo_mut(st, &full).issues.get_mut(&n).expect("issue");
    for l in logins {
        if !issue.assignees.contains(&l) {
            issue.assignees.push(l);
        }
    }
    issue.updated_at = now();
    with_issue(st, ctx, |st, r, i| Reply::json(201, st.render_issue(r, i)))
}

// ---- statuses and checks ----

fn create_status(st: &mut State, ctx: &Ctx) -> Reply {
    let full = ctx.full_name();
    let actor = st.actor(&ctx.who);
    let sha = ctx.param("sha").to_string();
    if repo(st, ctx).bare.object_type(&sha).as_deref() != Some("commit") {
        return Reply::unprocessable(
            "Status",
            "sha",
            "invalid",
            &format!("No commit found for SHA: {sha}"),
        );
    }
    let id = st.id();
    let status = CommitStatus {
        id,
        sha: sha.clone(),
        state: ctx.body["state"].as_str().unwrap_or("pending").to_string(),
        context: ctx.body["context"]
            .as_str()
            .unwrap_or("default")
            .to_string(),
        description: ctx.body["description"].as_str().map(str::to_string),
        target_url: ctx.body["target_url"].as_str().map(str::to_string),
        creator: actor,
        created_at: now(),
    };
    repo_mut(st, &full).statuses.push(status.clone());
    let v = st.render_status(repo(st, ctx), &status);
    run_auto_merge(st, &full, &sha);
    Reply::json(201, v)
}

/// Merges pull requests with auto-merge enabled whose head is `sha` once its combined
/// status is success.
pub(crate) fn run_auto_merge(st: &mut State, full: &str, sha: &str) {
    let Some(r) = st.repos.get(full) else { return };
    if st.combined_state(r, sha) != "success" {
        return;
    }
    let ready: Vec<(u64, AutoMerge)> = r
        .issues
        .values()
        .filter(|i| i.open)
        .filter_map(|i| {
            let p = i.pull.as_ref()?;
            let auto = p.auto_merge.clone()?;
            (st.current_head_sha(r, i) == sha).then_some((i.number, auto))
        })
        .collect();
    for (n, auto) in ready {
        let spec = MergeSpec {
            method: &auto.method,
            expected_sha: None,
            title: None,
            message: None,
            actor: &auto.enabled_by,
        };
        if merge_pull(st, full, n, &spec).is_ok()
            && let Some(r) = st.repos.get_mut(full)
        {
            r.pushed_at = now();
        }
    }
}

fn combined_status(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let reference = ctx.param("ref");
    let Some(sha) = r.bare.resolve_commit(reference) else {
        return Reply::error(404, &format!("No commit found for SHA: {reference}"));
    };
    let statuses: Vec<Value> = st
        .latest_statuses(r, &sha)
        .into_iter()
        .map(|s| {
            let mut v = st.render_status(r, s);
            if let Some(o) = v.as_object_mut() {
                o.remove("creator");
            }
            v
        })
        .collect();
    let api = format!("{}/repos/{}", st.base, r.full_name());
    Reply::json(
        200,
        json!({
            "state": st.combined_state(r, &sha),
            "statuses": statuses.clone(),
            "sha": sha,
            "total_count": statuses.len(),
            "repository": st.render_repo(r),
            "commit_url": format!("{api}/commits/{sha}"),
            "url": format!("{api}/commits/{sha}/status"),
        }),
    )
}

fn check_runs(st: &mut State, ctx: &Ctx) -> Reply {
    let r = repo(st, ctx);
    let reference = ctx.param("ref");
    let Some(sha) = r.bare.resolve_commit(reference) else {
        return Reply::not_found();
    };
    let runs: Vec<&CheckRun> = r
        .check_runs
        .iter()
        .filter(|c| c.sha == sha)
        .filter(|c| ctx.query("check_name").is_none_or(|n| n == c.name))
        .filter(|c| ctx.query("status").is_none_or(|s| s == c.status))
        .collect();
    // `filter=latest` (GitHub's default) keeps only the newest run of each name: a
    // re-run check replaces its earlier result
    let runs = if ctx.query("filter").is_none_or(|f| f == "latest") {
        let mut seen = std::collections::HashSet::new();
        let mut newest_first: Vec<&CheckRun> = runs
            .into_iter()
            .rev()
            .filter(|c| seen.insert(c.name.clone()))
            .collect();
        newest_first.reverse();
        newest_first
    } else {
        runs
    };
    let items: Vec<Value> = runs.iter().map(|c| st.render_check_run(r, c)).collect();
    let total = items.len();
    let (slice, link) = page_of(st, ctx, items);
    let reply = Reply::json(200, json!({"total_count": total, "check_runs": slice}));
    match link {
        Some(l) => reply.header("link", l),
        None => reply,
    }
}

// ---- GraphQL ----

/// `POST /graphql`: the auto-merge mutations only.
pub(crate) fn graphql(st: &mut State, who: &Principal, body: Value) -> Reply {
    let query = body["query"].as_str().unwrap_or("").to_string();
    let variables = body["variables"].clone();
    let field = ["enablePullRequestAutoMerge", "disablePullRequestAutoMerge"]
        .into_iter()
        .find(|f| query.contains(f));
    let Some(field) = field else {
        st.violations.push(super::Violation {
            operation: "graphql".to_string(),
            direction: super::Direction::Request,
            problems: vec![super::openapi::Problem {
                location: "body.query".to_string(),
                message: "the fake GitHub's GraphQL knows only enablePullRequestAutoMerge and disablePullRequestAutoMerge".to_string(),
            }],
        });
        return Reply::json(
            200,
            json!({"errors": [{"message": "unsupported query in the fake GitHub"}]}),
        );
    };
    // The pull request's node id: in the variables or inline in the query.
    let mut candidates: Vec<String> = Vec::new();
    if let Some(vars) = variables.as_object() {
        for v in vars.values() {
            collect_strings(v, &mut candidates);
        }
    }
    candidates.extend(query.split('"').map(str::to_string));
    let method = ["MERGE", "SQUASH", "REBASE"]
        .into_iter()
        .find(|m| {
            query.contains(&format!("mergeMethod: {m}"))
                || query.contains(&format!("mergeMethod:{m}"))
                || candidates.iter().any(|c| c == m)
        })
        .unwrap_or("MERGE");
    let actor = st.actor(who);
    let found = candidates.iter().find_map(|c| {
        let id: u64 = c.strip_prefix("PR_")?.parse().ok()?;
        st.repos.iter().find_map(|(name, r)| {
            r.issues
                .values()
                .find(|i| i.id == id && i.pull.is_some())
                .map(|i| (name.clone(), i.number))
        })
    });
    let error = |message: &str| {
        Reply::json(
            200,
            json!({"data": {field: null}, "errors": [{"type": "UNPROCESSABLE", "path": [field], "message": message}]}),
        )
    };
    let Some((full, n)) = found else {
        return error("Could not resolve to a node with the global id");
    };
    let r = &st.repos[&full];
    if !st.can_access(who, r) {
        return error("Could not resolve to a node with the global id");
    }
    if field == "enablePullRequestAutoMerge" && !r.allow_auto_merge {
        return error("Pull request Auto merge is not allowed for this repository");
    }
    let issue = &r.issues[&n];
    if !issue.open {
        return error("Pull request is closed");
    }
    let head = st.current_head_sha(r, issue);
    let id = issue.id;
    let pull = st
        .repos
        .get_mut(&full)
        .and_then(|r| r.issues.get_mut(&n))
        .and_then(|i| i.pull.as_mut())
        .expect("pull");
    pull.auto_merge = (field == "enablePullRequestAutoMerge").then(|| AutoMerge {
        enabled_by: actor,
        method: method.to_lowercase(),
    });
    let auto = pull
        .auto_merge
        .as_ref()
        .map(|a| json!({"mergeMethod": a.method.to_uppercase(), "enabledAt": timestamp(now())}));
    run_auto_merge(st, &full, &head);
    Reply::json(
        200,
        json!({"data": {field: {"clientMutationId": null, "pullRequest": {"id": format!("PR_{id}"), "number": n, "autoMergeRequest": auto}}}}),
    )
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}
