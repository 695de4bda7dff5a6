//! `terraform` blocks: `required_version` (the Terraform or OpenTofu release itself) and the
//! entries of `required_providers`, in the object form `aws = { source = …, version = … }`
//! and the pre-0.13 string form `aws = "~> 3.0"`. A module may have several `terraform`
//! blocks, in one file or spread over several; each is read on its own.

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Structure};
use upkeep_types::{Datasource, Dependency};

use super::super::context::{FileContext, Flavor};
use super::super::hcl::{self, Value};
use super::providers::{self, ProviderDeclaration, REQUIRED_PROVIDER};
use super::set_value;

/// The `depType` of `required_version`.
pub(in super::super) const REQUIRED_VERSION: &str = "required_version";

/// Extracts every dependency of one `terraform` block, in file order.
pub(in super::super) fn extract(block: &Block, context: &FileContext, deps: &mut Vec<Dependency>) {
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attribute) if attribute.key.as_str() == "required_version" => {
                deps.push(required_version(attribute, context));
            }
            Structure::Block(inner) if inner.ident.as_str() == "required_providers" => {
                for attribute in inner.body.attributes() {
                    deps.push(required_provider(attribute, context));
                }
            }
            _ => {}
        }
    }
}

fn required_version(attribute: &Attribute, context: &FileContext) -> Dependency {
    let name = match context.flavor {
        Flavor::Terraform => "hashicorp/terraform",
        Flavor::OpenTofu => "opentofu/opentofu",
    };
    let mut dep = Dependency::new(name, Some(Datasource::GithubReleases));
    dep.dep_type = Some(REQUIRED_VERSION.to_owned());
    dep.location.line = context.line_of(attribute.value.span());
    set_value(&mut dep, Some(Value::of(&attribute.value, context)));
    dep
}

fn required_provider(attribute: &Attribute, context: &FileContext) -> Dependency {
    let local_name = attribute.key.as_str();
    let (source, version, line_span) = match &attribute.value {
        Expression::Object(object) => {
            let version = hcl::object_value(object, "version");
            (
                hcl::object_value(object, "source").map(|source| Value::of(source, context)),
                version.map(|version| Value::of(version, context)),
                version.and_then(|version| version.span()),
            )
        }
        Expression::String(_) => (
            None,
            Some(Value::of(&attribute.value, context)),
            attribute.value.span(),
        ),
        other => (None, Some(Value::of(other, context)), other.span()),
    };
    providers::provider_dependency(
        ProviderDeclaration {
            local_name,
            source,
            version,
            dep_type: REQUIRED_PROVIDER,
            line: context.line_of(line_span.or(attribute.span())),
        },
        context,
    )
}
