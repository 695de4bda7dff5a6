//! `.terraform.lock.hcl`: for each updated provider, the block's `version`,
//! `constraints` and `hashes` are rewritten; everything else in the file stays as it was.
//!
//! There is no tool to run without initialising the module (`terraform init` would
//! download every provider and module, and run with the repository's configuration), so
//! upkeep computes what `terraform providers lock` would record, from the registry
//! ([`super::provider_hashes`]):
//!
//! - `zh:` — every platform's zip SHA-256 from the version's `SHA256SUMS`;
//! - `h1:` — for the platforms the lock file already covers. A lock file records `zh:`
//!   hashes for all platforms of its version, so the covered platforms are those whose
//!   zip of the *old* version has its `zh:` hash in the block; when the old sums cannot
//!   be read, every platform of the new version is hashed.
//!
//! Edits are span-based: the old value's bytes (found by hcl-edit) are replaced, the
//! `hashes` list written one hash per line as Terraform writes it, and the result is
//! parsed again to confirm the block reads the new values.
//!
//! HTTP goes through [`ProviderRegistry`], injected by the caller (the lookup layer owns
//! the HTTP client, its host rules and its cache).

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use serde_json::Value;

use super::Tools;
use super::jobs::{LockEntry, LockJob};
use super::provider_hashes::{Platform, ProviderSource};

/// The HTTP a provider lock refresh needs. Implementations follow redirects, apply host
/// rules, and stream downloads to disk.
pub trait ProviderRegistry: Send + Sync {
    /// GETs `url` and parses the body as JSON.
    fn get_json(&self, url: &str) -> Result<Value, FetchError>;
    /// GETs `url` and writes the body to `path`, without holding it in memory.
    fn download_to_file(&self, url: &str, path: &Path) -> Result<(), FetchError>;
}

/// A registry request that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// The URL (without credentials).
    pub url: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot fetch `{}`: {}", self.url, self.message)
    }
}

impl std::error::Error for FetchError {}

const TERRAFORM_REGISTRY: &str = "registry.terraform.io";
const OPENTOFU_REGISTRY: &str = "registry.opentofu.org";

/// The new content of one provider block.
#[derive(Debug)]
struct NewBlock {
    address: String,
    version: String,
    constraints: Option<String>,
    hashes: Vec<String>,
}

/// Refreshes the providers of the job's `.terraform.lock.hcl`.
pub(super) fn refresh(dir: &Path, job: &LockJob<'_>, tools: &Tools) -> Result<(), String> {
    let registry = tools.provider_registry.as_deref().ok_or_else(|| {
        format!(
            "no provider registry client was given, so `{}` cannot be refreshed",
            job.lock_file
        )
    })?;
    let path = dir.join(&job.lock_file);
    let mut text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read `{}`: {error}", job.lock_file))?;
    for entry in &job.entries {
        let block = new_block(registry, &text, entry)?;
        text = rewrite(&text, &block)?;
    }
    std::fs::write(&path, text)
        .map_err(|error| format!("cannot write `{}`: {error}", job.lock_file))
}

fn parse(text: &str) -> Result<Body, String> {
    hcl_edit::parser::parse_body(text)
        .map_err(|error| format!("the lock file is not valid HCL: {}", error.message()))
}

/// The block of `address` (case-insensitive, as Terraform compares addresses).
fn find_block<'b>(body: &'b Body, address: &str) -> Option<&'b Block> {
    body.get_blocks("provider").find(|block| {
        block
            .labels
            .first()
            .is_some_and(|label| label.as_str().eq_ignore_ascii_case(address))
    })
}

/// Computes the new version, constraints and hashes for `entry`'s provider.
fn new_block(
    registry: &dyn ProviderRegistry,
    text: &str,
    entry: &LockEntry<'_>,
) -> Result<NewBlock, String> {
    let dependency = &entry.update.dependency;
    let package = dependency.lookup_name().to_ascii_lowercase();
    let version = entry
        .new_version
        .clone()
        .ok_or_else(|| format!("the update of `{package}` has no new version"))?;
    let body = parse(text)?;
    let (base, address) = locate(&body, dependency.registry_urls.first(), &package)
        .ok_or_else(|| format!("the lock file has no block for provider `{package}`"))?;
    let block = find_block(&body, &address).expect("located above");
    let old_version = string_attribute(block, "version");
    let old_hashes = hashes_of(block);
    // A provider's `newValue` is its new version constraint.
    let constraints = entry
        .update
        .update
        .new_value
        .clone()
        .or_else(|| string_attribute(block, "constraints"));

    let source = ProviderSource::discover(registry, &base, &package)?;
    let scratch =
        tempfile::tempdir().map_err(|error| format!("no temporary directory: {error}"))?;
    let platforms = source.platforms(&version)?;
    let first = platforms
        .first()
        .ok_or_else(|| format!("the registry lists no platform for `{package}` {version}"))?;
    let sums = source.sums(&source.download(&version, first)?, scratch.path())?;
    let covered = old_version
        .as_deref()
        .and_then(|old| covered_platforms(&source, old, &old_hashes, scratch.path()));
    let mut hashes = BTreeSet::new();
    for (hash, _) in &sums {
        hashes.insert(format!("zh:{hash}"));
    }
    for platform in &platforms {
        if covered
            .as_ref()
            .is_some_and(|covered| !covered.contains(platform))
        {
            continue;
        }
        let download = source.download(&version, platform)?;
        hashes.insert(source.h1_hash(&download, scratch.path())?);
    }
    Ok(NewBlock {
        address,
        version,
        constraints,
        hashes: hashes.into_iter().collect(),
    })
}

/// The registry base URL and the block address of a provider: the host its dependency
/// names, or the Terraform registry, or the OpenTofu registry.
fn locate(body: &Body, registry_url: Option<&String>, package: &str) -> Option<(String, String)> {
    let candidates: Vec<String> = match registry_url {
        Some(url) => vec![url.trim_end_matches('/').to_owned()],
        None => vec![
            format!("https://{TERRAFORM_REGISTRY}"),
            format!("https://{OPENTOFU_REGISTRY}"),
        ],
    };
    candidates.into_iter().find_map(|base| {
        let host = base
            .split_once("://")
            .map_or(base.as_str(), |(_, host)| host);
        let address = format!("{host}/{package}");
        find_block(body, &address).map(|_| (base.clone(), address))
    })
}

/// The platforms whose old-version zip has its `zh:` hash in the lock; `None` when the
/// old sums cannot be read (then every platform is hashed).
fn covered_platforms(
    source: &ProviderSource<'_>,
    old_version: &str,
    old_hashes: &[String],
    scratch: &Path,
) -> Option<BTreeSet<Platform>> {
    let platforms = source.platforms(old_version).ok()?;
    let sums = source
        .sums(
            &source.download(old_version, platforms.first()?).ok()?,
            scratch,
        )
        .ok()?;
    let covered: BTreeSet<Platform> = sums
        .iter()
        .filter(|(hash, _)| old_hashes.iter().any(|old| old == &format!("zh:{hash}")))
        .filter_map(|(_, name)| platform_of(name))
        .collect();
    (!covered.is_empty()).then_some(covered)
}

/// `terraform-provider-aws_5.31.0_linux_amd64.zip` → linux/amd64.
fn platform_of(file_name: &str) -> Option<Platform> {
    let stem = file_name.strip_suffix(".zip")?;
    let mut parts = stem.rsplitn(3, '_');
    let arch = parts.next()?.to_owned();
    let os = parts.next()?.to_owned();
    Some(Platform { os, arch })
}

fn string_attribute(block: &Block, key: &str) -> Option<String> {
    match &block.body.get_attribute(key)?.value {
        Expression::String(value) => Some(value.value().clone()),
        _ => None,
    }
}

fn hashes_of(block: &Block) -> Vec<String> {
    match block
        .body
        .get_attribute("hashes")
        .map(|attribute| &attribute.value)
    {
        Some(Expression::Array(array)) => array
            .iter()
            .filter_map(|item| match item {
                Expression::String(value) => Some(value.value().clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `text` with the block of `new.address` rewritten, confirmed by parsing it again.
fn rewrite(text: &str, new: &NewBlock) -> Result<String, String> {
    let body = parse(text)?;
    let block = find_block(&body, &new.address).ok_or("the provider block disappeared")?;
    let indent = attribute_indent(text, block);
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let span_of = |key: &str| {
        block
            .body
            .get_attribute(key)
            .and_then(|attribute| attribute.value.span())
    };
    let version = span_of("version").ok_or("the provider block has no `version`")?;
    edits.push((version.clone(), quoted(&new.version)));
    if let (Some(span), Some(constraints)) = (span_of("constraints"), &new.constraints) {
        edits.push((span, quoted(constraints)));
    }
    let mut list = String::from("[\n");
    for hash in &new.hashes {
        list.push_str(&format!("{indent}  {},\n", quoted(hash)));
    }
    list.push_str(&format!("{indent}]"));
    match span_of("hashes") {
        Some(span) => edits.push((span, list)),
        None => {
            let end = version.end;
            let line_end = text[end..]
                .find('\n')
                .map_or(text.len(), |offset| end + offset);
            edits.push((line_end..line_end, format!("\n{indent}hashes = {list}")));
        }
    }
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut result = text.to_owned();
    for (range, replacement) in edits {
        result.replace_range(range, &replacement);
    }
    confirm(&result, new)?;
    Ok(result)
}

/// The whitespace before the block's `version` attribute.
fn attribute_indent(text: &str, block: &Block) -> String {
    let Some(start) = block
        .body
        .get_attribute("version")
        .and_then(|attribute| attribute.span())
    else {
        return "  ".to_owned();
    };
    let line_start = text[..start.start].rfind('\n').map_or(0, |index| index + 1);
    text[line_start..start.start]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn confirm(text: &str, new: &NewBlock) -> Result<(), String> {
    let body = parse(text)?;
    let block = find_block(&body, &new.address).ok_or("the provider block disappeared")?;
    let reads_back = string_attribute(block, "version").as_deref() == Some(new.version.as_str())
        && hashes_of(block) == new.hashes
        && (new.constraints.is_none()
            || block.body.get_attribute("constraints").is_none()
            || string_attribute(block, "constraints") == new.constraints);
    if reads_back {
        Ok(())
    } else {
        Err(format!(
            "rewriting the block of `{}` was not confirmed by re-parsing",
            new.address
        ))
    }
}
