//! The hashes `.terraform.lock.hcl` records for one provider version, from the provider
//! registry protocol:
//!
//! 1. `<base>/.well-known/terraform.json` → `providers.v1` (service discovery);
//! 2. `<providers>/<ns>/<type>/versions` → the version's platforms;
//! 3. `<providers>/<ns>/<type>/<version>/download/<os>/<arch>` → `shasums_url`,
//!    `download_url`, `shasum`;
//! 4. `SHA256SUMS` → one `zh:` hash (the zip's SHA-256) per platform;
//! 5. each platform zip, streamed to a temporary file and checked against its SHA-256 →
//!    one `h1:` hash (Go's `dirhash.Hash1` over the zip's entries, see [`hash1_zip`]).
//!
//! The signature of `SHA256SUMS` is not verified (that needs the provider's GPG key);
//! each zip is checked against the sums before it is hashed.

use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::terraform_lock::ProviderRegistry;

/// One platform build of a provider version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Platform {
    /// `linux`, `darwin`, …
    pub os: String,
    /// `amd64`, `arm64`, …
    pub arch: String,
}

/// A provider in a registry: where its API is and what it is called.
pub(super) struct ProviderSource<'r> {
    /// The HTTP client.
    pub registry: &'r dyn ProviderRegistry,
    /// The providers API root (`https://registry.terraform.io/v1/providers/`).
    pub api: String,
    /// `namespace/type`.
    pub package: String,
}

impl<'r> ProviderSource<'r> {
    /// Finds the providers API of the registry at `base` (`https://host`).
    pub(super) fn discover(
        registry: &'r dyn ProviderRegistry,
        base: &str,
        package: &str,
    ) -> Result<ProviderSource<'r>, String> {
        let base = base.trim_end_matches('/');
        let discovery_url = format!("{base}/.well-known/terraform.json");
        let discovery = registry
            .get_json(&discovery_url)
            .map_err(|e| e.to_string())?;
        let providers = discovery["providers.v1"]
            .as_str()
            .ok_or_else(|| format!("`{discovery_url}` names no `providers.v1` service"))?;
        let api = if providers.starts_with("http://") || providers.starts_with("https://") {
            providers.to_owned()
        } else {
            format!("{base}/{}", providers.trim_start_matches('/'))
        };
        let api = if api.ends_with('/') {
            api
        } else {
            format!("{api}/")
        };
        Ok(ProviderSource {
            registry,
            api,
            package: package.to_owned(),
        })
    }

    /// The platforms `version` is built for.
    pub(super) fn platforms(&self, version: &str) -> Result<Vec<Platform>, String> {
        let url = format!("{}{}/versions", self.api, self.package);
        let versions = self.registry.get_json(&url).map_err(|e| e.to_string())?;
        let entry = versions["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|entry| entry["version"].as_str() == Some(version))
            .ok_or_else(|| format!("`{url}` does not list version {version}"))?;
        let mut platforms: Vec<Platform> = entry["platforms"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|platform| {
                Some(Platform {
                    os: platform["os"].as_str()?.to_owned(),
                    arch: platform["arch"].as_str()?.to_owned(),
                })
            })
            .collect();
        platforms.sort();
        Ok(platforms)
    }

    /// The download document of one platform build.
    pub(super) fn download(&self, version: &str, platform: &Platform) -> Result<Value, String> {
        let url = format!(
            "{}{}/{version}/download/{}/{}",
            self.api, self.package, platform.os, platform.arch
        );
        self.registry.get_json(&url).map_err(|e| e.to_string())
    }

    /// `SHA256SUMS` of `version`, as (hex sha256, file name) pairs.
    pub(super) fn sums(
        &self,
        download: &Value,
        scratch: &Path,
    ) -> Result<Vec<(String, String)>, String> {
        let url = string_field(download, "shasums_url")?;
        let file = scratch.join("SHA256SUMS");
        self.registry
            .download_to_file(url, &file)
            .map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(&file)
            .map_err(|error| format!("cannot read `{url}`: {error}"))?;
        Ok(text
            .lines()
            .filter_map(|line| {
                let (hash, name) = line.split_once(char::is_whitespace)?;
                Some((hash.to_ascii_lowercase(), name.trim().to_owned()))
            })
            .filter(|(hash, _)| hash.len() == 64)
            .collect())
    }

    /// Downloads one platform zip into `scratch`, checks it against `shasum`, and returns
    /// its `h1:` hash. The zip is deleted afterwards.
    pub(super) fn h1_hash(&self, download: &Value, scratch: &Path) -> Result<String, String> {
        let url = string_field(download, "download_url")?;
        let expected = string_field(download, "shasum")?.to_ascii_lowercase();
        let file = scratch.join("provider.zip");
        self.registry
            .download_to_file(url, &file)
            .map_err(|e| e.to_string())?;
        let outcome = (|| {
            let actual = sha256_file(&file)?;
            if actual != expected {
                return Err(format!(
                    "`{url}` has SHA-256 {actual}, but the registry says {expected}"
                ));
            }
            hash1_zip(&file)
        })();
        let _ = std::fs::remove_file(&file);
        outcome
    }
}

fn string_field<'v>(document: &'v Value, key: &str) -> Result<&'v str, String> {
    document[key]
        .as_str()
        .ok_or_else(|| format!("the registry's download document has no `{key}`"))
}

/// The hex SHA-256 of a file, read in chunks.
pub(super) fn sha256_file(path: &Path) -> Result<String, String> {
    let mut file = std::fs::File::open(path)
        .map_err(|error| format!("cannot open `{}`: {error}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = [0_u8; 64 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
        if read == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
    }
}

/// Go's `dirhash.HashZip(zip, dirhash.Hash1)`, which Terraform records as `h1:`: the
/// SHA-256 of the lines `"<hex sha256 of entry>  <entry name>\n"` for every entry of the
/// zip (directories included), sorted by name, in standard base64. Entries are streamed
/// one at a time from the file.
pub fn hash1_zip(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path)
        .map_err(|error| format!("cannot open `{}`: {error}", path.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|error| format!("`{}` is not a zip file: {error}", path.display()))?;
    let mut lines = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
        let name = entry
            .name()
            .map_err(|error| format!("`{}` holds an unreadable name: {error}", path.display()))?
            .into_owned();
        if name.contains('\n') {
            return Err(format!(
                "`{}` holds a file name with a newline",
                path.display()
            ));
        }
        let mut hasher = Sha256::new();
        let mut buffer = [0_u8; 64 * 1024];
        loop {
            let read = entry
                .read(&mut buffer)
                .map_err(|error| format!("cannot unpack `{name}`: {error}"))?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        lines.push((name, hex(&hasher.finalize())));
    }
    lines.sort();
    let mut summary = Sha256::new();
    for (name, hash) in &lines {
        summary.update(format!("{hash}  {name}\n").as_bytes());
    }
    Ok(format!("h1:{}", STANDARD.encode(summary.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
