//! `module` blocks. The `source` decides everything: a registry address reads `version`;
//! a git repository reads the `?ref=` inside the source string (GitHub → `github-tags`
//! with `owner/repo`, any other host → `git-tags` with the URL); local paths and sources
//! without a datasource (S3, GCS, HTTP archives) are reported with a skip reason.
//!
//! Names follow Renovate: a registry module's `depName` is its address without the
//! subdirectory (`terraform-aws-modules/vpc/aws`), a GitHub module's is
//! `github.com/owner/repo`, any other git module's is `host/path`; a module upkeep cannot
//! look up keeps its block label.

use hcl_edit::Span as _;
use hcl_edit::structure::Block;
use upkeep_types::{Datasource, Dependency, SkipReason};

use super::super::context::FileContext;
use super::super::hcl::{self, Value};
use super::super::source::{self, GitSource, ModuleSource, RegistryAddress};
use super::{first_label, set_value};

/// The `depType` of a module.
pub(in super::super) const MODULE: &str = "module";

/// Extracts one `module "name" { source = … }` block.
pub(in super::super) fn extract(block: &Block, context: &FileContext, deps: &mut Vec<Dependency>) {
    let Some(label) = first_label(block) else {
        return;
    };
    let mut dep = Dependency::new(label, None);
    dep.dep_type = Some(MODULE.to_owned());
    dep.location.line = context.line_of(block.span());
    let source_expression = hcl::attribute(&block.body, "source");
    let version_expression = hcl::attribute(&block.body, "version");
    match source_expression.map(|source| Value::of(source, context)) {
        None => dep.skip_reason = Some(SkipReason::NoSource),
        Some(Value::Text { value, span }) => {
            dep.location.line = context.line(span.start);
            match source::classify(&value) {
                ModuleSource::Local => dep.skip_reason = Some(SkipReason::Local),
                ModuleSource::Unsupported => dep.skip_reason = Some(SkipReason::UnsupportedUrl),
                ModuleSource::Registry(address) => {
                    let version = version_expression.map(|version| Value::of(version, context));
                    if let Some(line) = version_expression.and_then(|version| version.span()) {
                        dep.location.line = context.line_of(Some(line));
                    }
                    registry_module(&mut dep, &address, version, context);
                }
                ModuleSource::Git(git) => git_module(&mut dep, git, span.start),
            }
        }
        Some(other) => dep.skip_reason = other.skip_reason(),
    }
    deps.push(dep);
}

fn registry_module(
    dep: &mut Dependency,
    address: &RegistryAddress,
    version: Option<Value>,
    context: &FileContext,
) {
    address.address.clone_into(&mut dep.dep_name);
    dep.datasource = Some(Datasource::TerraformModule);
    match address.host {
        Some(host) => {
            dep.registry_urls = vec![format!("https://{}", host.to_ascii_lowercase())];
            dep.package_name = Some(address.package.to_owned());
        }
        None => {
            dep.registry_urls = context
                .flavor
                .default_registry_url()
                .map(str::to_owned)
                .into_iter()
                .collect();
        }
    }
    set_value(dep, version);
}

/// `source_start` is the offset of the source string's first byte in the file.
fn git_module(dep: &mut Dependency, git: GitSource, source_start: usize) {
    match git.github {
        Some(repository) => {
            dep.datasource = Some(Datasource::GithubTags);
            dep.package_name = Some(repository);
        }
        None => {
            dep.datasource = Some(Datasource::GitTags);
            dep.package_name = Some(git.url);
        }
    }
    dep.dep_name = git.name;
    match git.reference {
        Some((reference, range)) if !reference.is_empty() => {
            dep.current_value = Some(reference.to_owned());
            dep.location.value =
                Some((range.start + source_start..range.end + source_start).into());
            if source::is_commit_hash(reference) {
                dep.skip_reason = Some(SkipReason::GitDependency);
            }
        }
        _ => dep.skip_reason = Some(SkipReason::GitDependency),
    }
}
