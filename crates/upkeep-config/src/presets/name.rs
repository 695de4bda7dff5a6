//! Preset names: `:label(security)`, `config:recommended`, `github>owner/repo:file#tag`.

use std::fmt;

/// Where a repository preset lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PresetSource {
    /// `github>owner/repo`.
    Github,
    /// `gitlab>group/project`.
    Gitlab,
    /// `gitea>owner/repo`.
    Gitea,
    /// `local>owner/repo`: a repository on the platform upkeep is running against.
    Local,
    /// `@scope/name` or `renovate-config-name`: an npm package (legacy).
    Npm,
}

/// A preset that lives outside upkeep, fetched through a [`super::PresetResolver`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalPreset {
    /// Where it lives.
    pub source: PresetSource,
    /// `owner/repo` (or the npm package name).
    pub repository: String,
    /// The file inside the repository (`default.json` unless named).
    pub file: String,
    /// A git ref (`#v1.2.0`), if given.
    pub tag: Option<String>,
}

impl ExternalPreset {
    /// The name without arguments, as written (used as the cache/map key).
    pub fn key(&self) -> String {
        let prefix = match self.source {
            PresetSource::Github => "github>",
            PresetSource::Gitlab => "gitlab>",
            PresetSource::Gitea => "gitea>",
            PresetSource::Local => "local>",
            PresetSource::Npm => "",
        };
        let mut key = format!("{prefix}{}//{}", self.repository, self.file);
        if let Some(tag) = &self.tag {
            key.push('#');
            key.push_str(tag);
        }
        key
    }
}

/// A parsed preset reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetRef {
    /// The reference as written.
    pub raw: String,
    /// What it points at.
    pub target: PresetTarget,
    /// Arguments (`:label(security)` → `["security"]`), substituted for `{{arg0}}`….
    pub args: Vec<String>,
}

/// A built-in or an external preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresetTarget {
    /// `namespace:name`; the `:name` form has namespace `default`.
    Builtin {
        /// `config`, `default`, `group`…
        namespace: String,
        /// `recommended`, `label`…
        name: String,
    },
    /// A repository or package preset.
    External(ExternalPreset),
}

impl PresetRef {
    /// Parses a preset name; the error says what is wrong with it.
    pub fn parse(raw: &str) -> Result<PresetRef, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("empty preset name".into());
        }
        let (body, args) = match text.find('(') {
            Some(open) => {
                let Some(inner) = text[open + 1..].strip_suffix(')') else {
                    return Err(format!("preset `{raw}` has an unclosed argument list"));
                };
                let args = inner
                    .split(',')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect();
                (&text[..open], args)
            }
            None => (text, Vec::new()),
        };
        let target = if let Some((platform, rest)) = body.split_once('>') {
            let source = match platform {
                "github" => PresetSource::Github,
                "gitlab" => PresetSource::Gitlab,
                "gitea" => PresetSource::Gitea,
                "local" => PresetSource::Local,
                other => return Err(format!("preset `{raw}` has an unknown source `{other}>`")),
            };
            PresetTarget::External(repository_preset(source, rest, raw)?)
        } else if body.starts_with('@') || body.starts_with("renovate-config-") {
            let (package, file) = match body.rsplit_once(':') {
                Some((package, preset)) => (package, preset),
                None => (body, "default"),
            };
            PresetTarget::External(ExternalPreset {
                source: PresetSource::Npm,
                repository: package.to_string(),
                file: file.to_string(),
                tag: None,
            })
        } else if let Some((namespace, name)) = body.split_once(':') {
            if name.is_empty() {
                return Err(format!("preset `{raw}` has no name after `:`"));
            }
            let namespace = if namespace.is_empty() {
                "default"
            } else {
                namespace
            };
            PresetTarget::Builtin {
                namespace: namespace.to_string(),
                name: name.to_string(),
            }
        } else if body.contains('/') {
            // `owner/repo` without a platform: Renovate reads it as a repository on the
            // current platform.
            PresetTarget::External(repository_preset(PresetSource::Local, body, raw)?)
        } else {
            return Err(format!(
                "preset `{raw}` is not a preset name (expected e.g. `config:recommended`, `:label(x)` or `github>owner/repo`)"
            ));
        };
        Ok(PresetRef {
            raw: text.to_string(),
            target,
            args,
        })
    }

    /// The name without arguments (for `ignorePresets` and cycle detection).
    pub fn base_name(&self) -> String {
        match &self.target {
            PresetTarget::Builtin { namespace, name } if namespace == "default" => {
                format!(":{name}")
            }
            PresetTarget::Builtin { namespace, name } => format!("{namespace}:{name}"),
            PresetTarget::External(external) => external.key(),
        }
    }
}

fn repository_preset(
    source: PresetSource,
    rest: &str,
    raw: &str,
) -> Result<ExternalPreset, String> {
    let (rest, tag) = match rest.split_once('#') {
        Some((rest, tag)) => (rest, Some(tag.to_string())),
        None => (rest, None),
    };
    let (repository, file) = if let Some((repository, path)) = rest.split_once("//") {
        (repository, path.to_string())
    } else if let Some((repository, name)) = rest.split_once(':') {
        (repository, name.to_string())
    } else {
        (rest, "default".to_string())
    };
    if repository
        .split('/')
        .filter(|part| !part.is_empty())
        .count()
        < 2
    {
        return Err(format!(
            "preset `{raw}` must name a repository as `owner/repo`"
        ));
    }
    let file = if file.ends_with(".json") || file.ends_with(".json5") {
        file
    } else {
        format!("{file}.json")
    };
    Ok(ExternalPreset {
        source,
        repository: repository.to_string(),
        file,
        tag,
    })
}

impl fmt::Display for PresetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        let label = PresetRef::parse(":label(security)").unwrap();
        assert_eq!(label.base_name(), ":label");
        assert_eq!(label.args, ["security"]);
        let labels = PresetRef::parse(":labels(dependencies, rust)").unwrap();
        assert_eq!(labels.args, ["dependencies", "rust"]);
        assert_eq!(
            PresetRef::parse("config:recommended").unwrap().base_name(),
            "config:recommended"
        );
        let github = PresetRef::parse("github>acme/renovate-config:rust#v2").unwrap();
        assert_eq!(
            github.base_name(),
            "github>acme/renovate-config//rust.json#v2"
        );
        let nested = PresetRef::parse("local>acme/presets//team/backend.json5").unwrap();
        assert_eq!(nested.base_name(), "local>acme/presets//team/backend.json5");
        assert_eq!(
            PresetRef::parse("github>acme/cfg").unwrap().base_name(),
            "github>acme/cfg//default.json"
        );
        assert!(PresetRef::parse("recommended").is_err());
        assert!(PresetRef::parse("bitbucket>a/b").is_err());
        assert!(PresetRef::parse(":label(x").is_err());
        assert!(PresetRef::parse("github>acme").is_err());
    }
}
