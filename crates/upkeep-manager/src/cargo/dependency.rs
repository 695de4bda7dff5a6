//! One entry of a dependency table, as Cargo reads it, turned into a [`Dependency`].
//!
//! The rules follow Cargo's: `workspace = true` inherits everything, a `git` source wins
//! over the registry (the published version must match the checked-out one, so the
//! version alone cannot be bumped), a `path` with a `version` is published with that
//! version and so is a registry dependency, and a table with no version at all has
//! nothing to update.

use toml_edit::{Item, TableLike, Value};
use upkeep_types::{Datasource, Dependency, SkipReason, Span};

/// A string field: its decoded text and the span of that text inside its quotes, when
/// the raw bytes there read exactly the decoded text (no escapes), so it can be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StringField {
    pub(super) text: String,
    pub(super) span: Option<Span>,
}

/// A field of a dependency table that is there but is not a string.
struct NotAString;

/// The dependency that the entry `name = item` of a table of kind `dep_type` declares.
pub(super) fn from_entry(content: &str, name: &str, item: &Item, dep_type: &str) -> Dependency {
    let mut dep = Dependency::new(name, Some(Datasource::Crate));
    dep.dep_type = Some(dep_type.to_owned());
    if let Some(version) = item
        .as_value()
        .and_then(|value| string_field(content, value))
    {
        set_version(&mut dep, version);
    } else if let Some(table) = item.as_table_like() {
        if from_table(content, table, &mut dep).is_err() {
            dep.skip_reason = Some(SkipReason::InvalidValue);
            let version = table.get("version").filter(|version| !version.is_str());
            dep.current_value = version.and_then(|version| raw_text(content, version));
            dep.location.value = None;
        }
    } else {
        dep.current_value = raw_text(content, item);
        dep.skip_reason = Some(SkipReason::InvalidValue);
    }
    dep
}

/// The text of a value that is not a string (`1`, `true`), shown as the current value of
/// an invalid dependency so the report says what is wrong.
fn raw_text(content: &str, item: &Item) -> Option<String> {
    item.span()
        .and_then(|span| content.get(span))
        .map(str::to_owned)
}

/// Records a version requirement; an empty one is not a requirement Cargo accepts.
fn set_version(dep: &mut Dependency, field: StringField) {
    if field.text.trim().is_empty() {
        dep.skip_reason = Some(SkipReason::InvalidValue);
    }
    dep.current_value = Some(field.text);
    dep.location.value = field.span;
}

/// Fills `dep` from a detailed dependency (`{ version = "1", … }`, `[dependencies.x]`,
/// dotted keys); `Err` when a field that must be a string is not one.
fn from_table(
    content: &str,
    table: &dyn TableLike,
    dep: &mut Dependency,
) -> Result<(), NotAString> {
    if let Some(workspace) = table.get("workspace") {
        dep.skip_reason = Some(match workspace.as_bool() {
            Some(true) => SkipReason::InheritedDependency,
            _ => SkipReason::InvalidValue,
        });
        return Ok(());
    }
    if let Some(package) = field(content, table, "package")?
        && package.text != dep.dep_name
    {
        dep.package_name = Some(package.text);
    }
    dep.registry_name = field(content, table, "registry")?.map(|registry| registry.text);
    if let Some(index) = field(content, table, "registry-index")? {
        dep.registry_urls.push(index.text);
    }
    let version = field(content, table, "version")?;
    if let Some(git) = field(content, table, "git")? {
        return git_dependency(content, table, dep, git);
    }
    let has_path = field(content, table, "path")?.is_some();
    match version {
        Some(version) => set_version(dep, version),
        None if has_path => dep.skip_reason = Some(SkipReason::PathDependency),
        None => dep.skip_reason = Some(SkipReason::UnspecifiedVersion),
    }
    Ok(())
}

/// A git dependency: the repository is where its versions come from, and the ref it
/// pins is its value. Cargo accepts only one of `tag`, `rev` and `branch`; should a
/// manifest give several, the tag is reported, being the only ref worth updating.
fn git_dependency(
    content: &str,
    table: &dyn TableLike,
    dep: &mut Dependency,
    git: StringField,
) -> Result<(), NotAString> {
    dep.skip_reason = Some(SkipReason::GitDependency);
    dep.registry_urls = vec![git.text];
    dep.registry_name = None;
    if let Some(tag) = field(content, table, "tag")? {
        dep.current_value = Some(tag.text);
        dep.location.value = tag.span;
    } else if let Some(reference) = field(content, table, "rev")? {
        dep.current_value = Some(reference.text);
    } else if let Some(branch) = field(content, table, "branch")? {
        dep.current_value = Some(branch.text);
    }
    Ok(())
}

/// The string field `key` of `table`: `Ok(None)` when absent, `Err` when not a string.
fn field(
    content: &str,
    table: &dyn TableLike,
    key: &str,
) -> Result<Option<StringField>, NotAString> {
    match table.get(key) {
        None => Ok(None),
        Some(item) => item
            .as_value()
            .and_then(|value| string_field(content, value))
            .map(Some)
            .ok_or(NotAString),
    }
}

/// A string value with the span of its text inside the quotes (`"…"`, `'…'` or the
/// triple-quoted forms); no span when the raw text differs from the decoded one.
pub(super) fn string_field(content: &str, value: &Value) -> Option<StringField> {
    let text = value.as_str()?;
    let span = value.span().and_then(|whole| {
        let raw = content.get(whole.clone())?;
        let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            3
        } else {
            1
        };
        let inner = Span::new(
            whole.start + quote,
            whole.end.checked_sub(quote)?.max(whole.start + quote),
        );
        (content.get(inner.range()) == Some(text)).then_some(inner)
    });
    Some(StringField {
        text: text.to_owned(),
        span,
    })
}

#[cfg(test)]
mod tests {
    use toml_edit::Document;

    use super::*;

    fn first_dep(content: &str) -> Dependency {
        let document = Document::parse(content).unwrap();
        let table = document.as_table()["dependencies"].as_table_like().unwrap();
        let (name, item) = table.iter().next().unwrap();
        from_entry(content, name, item, "dependencies")
    }

    fn value_at_span(content: &str, dep: &Dependency) -> Option<String> {
        dep.location
            .value
            .map(|span| content[span.range()].to_owned())
    }

    #[test]
    fn value_span_is_inside_the_quotes_in_every_string_form() {
        for content in [
            "[dependencies]\nserde = \"1.0\"\n",
            "[dependencies]\nserde = '1.0'\n",
            "[dependencies]\nserde = \"\"\"1.0\"\"\"\n",
            "[dependencies]\nserde = '''1.0'''\n",
            "[dependencies]\nserde = { version = \"1.0\", features = [\"derive\"] }\n",
            "[dependencies]\nserde.version = \"1.0\"\n",
            "[dependencies.serde]\nversion   =   '1.0' # pinned\n",
            "dependencies.serde.version = \"1.0\"\n",
        ] {
            let dep = first_dep(content);
            assert_eq!(dep.current_value.as_deref(), Some("1.0"), "{content}");
            assert_eq!(
                value_at_span(content, &dep).as_deref(),
                Some("1.0"),
                "{content}"
            );
        }
    }

    #[test]
    fn escaped_version_has_no_span_to_replace() {
        let content = "[dependencies]\nserde = \"\\u0031.0\"\n";
        let dep = first_dep(content);
        assert_eq!(dep.current_value.as_deref(), Some("1.0"));
        assert_eq!(dep.location.value, None);
    }

    #[test]
    fn empty_version_string_is_invalid_and_keeps_its_span() {
        let dep = first_dep("[dependencies]\nserde = \"\"\n");
        assert_eq!(dep.skip_reason, Some(SkipReason::InvalidValue));
        assert_eq!(dep.location.value, Some(Span::new(24, 24)));
    }

    #[test]
    fn non_string_values_are_invalid() {
        for content in [
            "[dependencies]\nserde = 1\n",
            "[dependencies]\nserde = true\n",
            "[dependencies]\nserde = [\"1\"]\n",
            "[dependencies]\nserde = { version = 1 }\n",
            "[dependencies]\nserde = { version = \"1\", package = 3 }\n",
            "[dependencies]\nserde = { workspace = false }\n",
        ] {
            assert_eq!(
                first_dep(content).skip_reason,
                Some(SkipReason::InvalidValue),
                "{content}"
            );
        }
    }

    #[test]
    fn path_with_version_is_a_registry_dependency() {
        let dep = first_dep("[dependencies]\ncore = { path = \"../core\", version = \"0.3\" }\n");
        assert_eq!(dep.skip_reason, None);
        assert_eq!(dep.current_value.as_deref(), Some("0.3"));
        let dep = first_dep("[dependencies]\ncore = { path = \"../core\" }\n");
        assert_eq!(dep.skip_reason, Some(SkipReason::PathDependency));
        assert_eq!(dep.current_value, None);
    }

    #[test]
    fn git_dependency_prefers_tag_and_only_a_tag_is_replaceable() {
        let content =
            "[dependencies]\nx = { git = \"https://g/x\", rev = \"abc\", tag = \"v1\" }\n";
        let dep = first_dep(content);
        assert_eq!(dep.skip_reason, Some(SkipReason::GitDependency));
        assert_eq!(dep.registry_urls, ["https://g/x"]);
        assert_eq!(dep.current_value.as_deref(), Some("v1"));
        assert_eq!(value_at_span(content, &dep).as_deref(), Some("v1"));
        let dep = first_dep("[dependencies]\nx = { git = \"https://g/x\", rev = \"abc\" }\n");
        assert_eq!(dep.current_value.as_deref(), Some("abc"));
        assert_eq!(dep.location.value, None);
    }
}
