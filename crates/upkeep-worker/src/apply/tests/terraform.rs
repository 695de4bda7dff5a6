//! `.terraform.lock.hcl` refreshed from a loopback Terraform registry serving zips built
//! here; the expected hashes are computed with `zip`, `sha256sum` and `base64`.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use upkeep_testkit::{TerraformProviderVersion, TerraformRegistry};

use super::*;
use crate::apply::{FetchError, ProviderRegistry, Tools, apply_branch, hash1_zip};

/// A provider registry client over reqwest. The manager records provider hosts as
/// `https://…`; the loopback registry speaks plain http.
struct LoopbackRegistry {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl LoopbackRegistry {
    fn new() -> LoopbackRegistry {
        LoopbackRegistry {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    fn get(&self, url: &str) -> Result<reqwest::Response, FetchError> {
        let url = url.replacen("https://127.0.0.1", "http://127.0.0.1", 1);
        let fail = |message: String| FetchError {
            url: url.clone(),
            message,
        };
        let response = self
            .runtime
            .block_on(self.client.get(&url).send())
            .map_err(|error| fail(error.to_string()))?;
        if !response.status().is_success() {
            return Err(fail(format!("status {}", response.status())));
        }
        Ok(response)
    }
}

impl ProviderRegistry for LoopbackRegistry {
    fn get_json(&self, url: &str) -> Result<serde_json::Value, FetchError> {
        let response = self.get(url)?;
        let bytes = self.runtime.block_on(response.bytes()).unwrap();
        serde_json::from_slice(&bytes).map_err(|error| FetchError {
            url: url.to_owned(),
            message: error.to_string(),
        })
    }

    fn download_to_file(&self, url: &str, path: &Path) -> Result<(), FetchError> {
        let mut response = self.get(url)?;
        let mut file = std::fs::File::create(path).unwrap();
        while let Some(chunk) = self.runtime.block_on(response.chunk()).unwrap() {
            file.write_all(&chunk).unwrap();
        }
        Ok(())
    }
}

fn sh(script: &str, dir: &Path) -> String {
    let output = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A provider zip for `platform`, built with the `zip` tool, and its expected hashes
/// computed with coreutils: (zip bytes, zh hash, h1 hash).
fn provider_zip(dir: &Path, version: &str, platform: &str) -> (Vec<u8>, String, String) {
    let work = dir.join(format!("{version}_{platform}"));
    write_files(
        &work,
        &[
            (
                &format!("terraform-provider-widget_v{version}"),
                &format!("binary for {platform}\n"),
            ),
            ("LICENSE", "MIT\n"),
            ("docs/README.md", "# widget\n"),
        ],
    );
    sh(
        "zip -q -r -X provider.zip terraform-provider-widget_* LICENSE docs",
        &work,
    );
    // dirhash Hash1: the zip's entries (the `docs/` directory too), sorted, hashed
    let h1 = sh(
        "{ for f in LICENSE docs/ docs/README.md terraform-provider-widget_*; do \
           if [ -d \"$f\" ]; then h=$(printf '' | sha256sum | cut -d' ' -f1); \
           else h=$(sha256sum \"$f\" | cut -d' ' -f1); fi; printf '%s  %s\\n' \"$h\" \"$f\"; \
         done; } | LC_ALL=C sort -k2 | sha256sum | cut -d' ' -f1 | xxd -r -p | base64",
        &work,
    );
    let zh = sh("sha256sum provider.zip | cut -d' ' -f1", &work);
    let bytes = std::fs::read(work.join("provider.zip")).unwrap();
    assert_eq!(
        hash1_zip(&work.join("provider.zip")).unwrap(),
        format!("h1:{h1}")
    );
    (bytes, format!("zh:{zh}"), format!("h1:{h1}"))
}

/// Serves `version` of acme/widget for `platforms`: download documents, SHA256SUMS and
/// zips. Returns (zh, h1) per platform, in the order given.
fn serve_version(
    registry: &TerraformRegistry,
    dir: &Path,
    version: &str,
    platforms: &[&str],
) -> Vec<(String, String)> {
    let base = registry.url();
    let mut sums = String::new();
    let mut hashes = Vec::new();
    for platform in platforms {
        let (bytes, zh, h1) = provider_zip(dir, version, platform);
        let file = format!("terraform-provider-widget_{version}_{platform}.zip");
        let (os, arch) = platform.split_once('_').unwrap();
        sums.push_str(&format!("{}  {file}\n", zh.trim_start_matches("zh:")));
        registry
            .registry()
            .insert(&format!("/files/{file}"), bytes, "application/zip");
        registry.registry().insert_json(
            &format!("/v1/providers/acme/widget/{version}/download/{os}/{arch}"),
            &serde_json::json!({
                "protocols": ["5.0"], "os": os, "arch": arch, "filename": file,
                "download_url": format!("{base}/files/{file}"),
                "shasums_url": format!("{base}/files/widget_{version}_SHA256SUMS"),
                "shasums_signature_url": format!("{base}/files/widget_{version}_SHA256SUMS.sig"),
                "shasum": zh.trim_start_matches("zh:"),
            }),
        );
        hashes.push((zh, h1));
    }
    registry.registry().insert(
        &format!("/files/widget_{version}_SHA256SUMS"),
        sums,
        "text/plain",
    );
    hashes
}

#[test]
fn provider_hashes_are_rewritten_for_the_platforms_the_lock_file_covers() {
    let tmp = tempfile::tempdir().unwrap();
    let registry = TerraformRegistry::start();
    let host = registry.host();
    let old = serve_version(
        &registry,
        tmp.path(),
        "1.0.0",
        &["darwin_arm64", "linux_amd64"],
    );
    // the new version adds a platform the lock file never covered
    let new = serve_version(
        &registry,
        tmp.path(),
        "1.1.0",
        &["darwin_arm64", "linux_amd64", "windows_amd64"],
    );
    let platforms = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(os, arch)| (os.to_string(), arch.to_string()))
            .collect()
    };
    let mut v1 = TerraformProviderVersion::new("1.0.0");
    v1.platforms = platforms(&[("darwin", "arm64"), ("linux", "amd64")]);
    let mut v2 = TerraformProviderVersion::new("1.1.0");
    v2.platforms = platforms(&[
        ("darwin", "arm64"),
        ("linux", "amd64"),
        ("windows", "amd64"),
    ]);
    registry.add_provider_versions("acme", "widget", &[v1, v2]);

    let root = tmp.path().join("repo");
    let other_block = "provider \"registry.terraform.io/hashicorp/null\" {\n  version = \"3.2.2\"\n  \
                       hashes = [\n    \"h1:untouched=\",\n  ]\n}\n";
    let lock = format!(
        "# This file is maintained automatically by \"terraform init\".\n\
         # Manual edits may be lost in future updates.\n\n\
         provider \"{host}/acme/widget\" {{\n  version     = \"1.0.0\"\n  constraints = \"~> 1.0.0\"\n  \
         hashes = [\n    \"{}\",\n    \"{}\",\n    \"{}\",\n  ]\n}}\n\n{other_block}",
        old[0].1, old[0].0, old[1].0,
    );
    write_files(
        &root,
        &[
            (
                "main.tf",
                &format!(
                    "terraform {{\n  required_providers {{\n    widget = {{\n      \
                     source  = \"{host}/acme/widget\"\n      version = \"~> 1.0.0\"\n    }}\n  }}\n}}\n"
                ),
            ),
            (".terraform.lock.hcl", &lock),
        ],
    );
    let update = manifest_update(&root, "terraform", "main.tf", "widget", "~> 1.1.0", "1.1.0");
    let tools = Tools::from_path().with_provider_registry(Arc::new(LoopbackRegistry::new()));
    let result = apply_branch(&root, &[update], &tools);
    assert!(result.is_clean(), "{result:#?}");
    assert_eq!(result.changed_files, [".terraform.lock.hcl", "main.tf"]);

    let mut expected_hashes = [
        new[0].1.clone(),
        new[1].1.clone(),
        new[0].0.clone(),
        new[1].0.clone(),
        new[2].0.clone(),
    ];
    expected_hashes.sort();
    let listed: String = expected_hashes
        .iter()
        .map(|hash| format!("    \"{hash}\",\n"))
        .collect();
    assert_eq!(
        read(&root, ".terraform.lock.hcl"),
        format!(
            "# This file is maintained automatically by \"terraform init\".\n\
             # Manual edits may be lost in future updates.\n\n\
             provider \"{host}/acme/widget\" {{\n  version     = \"1.1.0\"\n  constraints = \"~> 1.1.0\"\n  \
             hashes = [\n{listed}  ]\n}}\n\n{other_block}"
        )
    );
    assert!(read(&root, "main.tf").contains("version = \"~> 1.1.0\""));
}

#[test]
fn a_provider_lock_without_a_registry_client_is_an_artifact_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let lock = "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"5.0.0\"\n}\n";
    write_files(
        root,
        &[
            (
                "main.tf",
                "terraform {\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      \
                 version = \"5.0.0\"\n    }\n  }\n}\n",
            ),
            (".terraform.lock.hcl", lock),
        ],
    );
    let update = manifest_update(root, "terraform", "main.tf", "aws", "5.1.0", "5.1.0");
    let result = apply_branch(root, &[update], &Tools::from_path());
    assert_eq!(result.artifact_errors.len(), 1, "{result:#?}");
    assert_eq!(result.artifact_errors[0].tool, "terraform-registry");
    assert_eq!(result.changed_files, ["main.tf"]);
    assert_eq!(read(root, ".terraform.lock.hcl"), lock);
}
