//! `.terraform.lock.hcl`: the provider versions `terraform init` (or `tofu init`) selected.
//!
//! Each `provider "registry.terraform.io/hashicorp/aws" { version = "5.31.0" … }` becomes a
//! locked package named by its full address, lower-cased (host included, because the same
//! `namespace/type` can come from two registries). A provider dependency is matched by the
//! host it names, or, when it names none, by the Terraform registry first and the OpenTofu
//! registry second (`tofu init` writes `registry.opentofu.org` for the same source text).

use hcl_edit::expr::Expression;
use hcl_edit::parser::parse_body;
use upkeep_types::{Datasource, LockFile, LockedPackage, PackageFile};

use crate::{ExtractError, text};

const TERRAFORM_REGISTRY: &str = "registry.terraform.io";
const OPENTOFU_REGISTRY: &str = "registry.opentofu.org";

/// Parses a `.terraform.lock.hcl` file.
pub(super) fn parse(lock_file: &str, content: &str) -> Result<LockFile, ExtractError> {
    text::check_nesting(content)?;
    let offset = if content.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    let body = parse_body(&content[offset..]).map_err(|error| {
        ExtractError::at_offset(
            format!("invalid HCL in lock file: {}", error.message()),
            content,
            offset + error.location().offset(),
        )
    })?;
    let packages = body
        .get_blocks("provider")
        .filter_map(|block| {
            let address = block.labels.first()?.as_str();
            let version = match &block.body.get_attribute("version")?.value {
                Expression::String(version) => version.value().clone(),
                _ => return None,
            };
            Some(LockedPackage {
                name: address.to_lowercase(),
                version,
                ..LockedPackage::default()
            })
        })
        .collect();
    Ok(LockFile {
        path: lock_file.to_owned(),
        packages,
    })
}

/// Gives every provider dependency of `package_file` its locked version.
pub(super) fn apply(package_file: &mut PackageFile, lock_file: &LockFile) {
    for dep in &mut package_file.deps {
        if dep.datasource != Some(Datasource::TerraformProvider) {
            continue;
        }
        let Some(package) = dep.package_name.as_deref() else {
            continue;
        };
        let hosts: &[&str] = match dep.registry_urls.first() {
            Some(url) => &[url.strip_prefix("https://").unwrap_or(url)],
            None => &[TERRAFORM_REGISTRY, OPENTOFU_REGISTRY],
        };
        dep.locked_version = hosts.iter().find_map(|host| {
            let address = format!("{host}/{package}");
            lock_file.versions_of(&address).next().map(str::to_owned)
        });
    }
}

#[cfg(test)]
mod tests {
    use upkeep_types::Dependency;

    use super::*;

    const LOCK: &str = r#"# This file is maintained automatically by "terraform init".
provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.31.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:abc=",
  ]
}

provider "registry.opentofu.org/integrations/github" {
  version = "6.0.1"
}
"#;

    fn provider(package: &str, registry: Option<&str>) -> Dependency {
        let mut dep = Dependency::new("x", Some(Datasource::TerraformProvider));
        dep.package_name = Some(package.to_owned());
        dep.registry_urls = registry.map(str::to_owned).into_iter().collect();
        dep
    }

    #[test]
    fn providers_match_by_host_and_fall_back_to_the_opentofu_registry() {
        let lock = parse(".terraform.lock.hcl", LOCK).unwrap();
        assert_eq!(lock.packages.len(), 2);
        let mut file = PackageFile::new("main.tf");
        file.deps = vec![
            provider("hashicorp/aws", None),
            provider("integrations/github", None),
            provider("hashicorp/aws", Some("https://registry.opentofu.org")),
        ];
        apply(&mut file, &lock);
        let locked: Vec<_> = file
            .deps
            .iter()
            .map(|dep| dep.locked_version.as_deref())
            .collect();
        assert_eq!(locked, [Some("5.31.0"), Some("6.0.1"), None]);
    }

    #[test]
    fn a_broken_lock_file_is_an_error_with_a_position() {
        let error = parse("x", "provider \"a\" {\n  version = \n}\n").unwrap_err();
        assert_eq!(error.line, Some(2));
    }
}
