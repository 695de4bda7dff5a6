//! The bot's own (global) configuration: a file, then `UPKEEP_*` environment variables,
//! then command-line flags, each overriding the one before.
//!
//! The same options table applies; global-only options (platform, token, repositories…)
//! are typed into [`GlobalConfig`], and every other valid option becomes a repository
//! default applied beneath each repository's own file. The binary wires clap onto
//! [`GlobalSources::flags`] using [`flag_name`].

/// `UPKEEP_GITHUB_APP_ID` for `githubAppId`.
pub fn env_name(option: &str) -> String {
    let mut out = String::from("UPKEEP_");
    for (i, c) in option.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        if c == '-' {
            out.push('_');
        } else {
            out.push(c.to_ascii_uppercase());
        }
    }
    out
}

/// `github-app-id` for `githubAppId`.
pub fn flag_name(option: &str) -> String {
    let mut out = String::new();
    for c in option.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::options::{self, OptionType, Places};
use crate::parse::Document;
use crate::validate::{Scope, validate};

/// A secret (token, private key): never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret's value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where pull requests live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// GitHub (github.com or GitHub Enterprise).
    Github,
    /// A checkout on disk: branches only.
    #[default]
    Local,
}

/// Whether a repository needs its own config file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequireConfig {
    /// Skip repositories without config (onboarding proposes one).
    #[default]
    Required,
    /// Use the bot's defaults when a repository has none.
    Optional,
    /// Ignore repository config files altogether.
    Ignored,
}

/// Where a dry run stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DryRun {
    /// After extraction.
    Extract,
    /// After lookup.
    Lookup,
    /// Everything except writes to the platform.
    Full,
}

/// The bot's configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GlobalConfig {
    /// Where pull requests live.
    pub platform: Platform,
    /// API endpoint (GitHub Enterprise).
    pub endpoint: Option<String>,
    /// Platform token.
    #[serde(skip_serializing)]
    pub token: Option<Secret>,
    /// GitHub App id.
    pub github_app_id: Option<Value>,
    /// GitHub App private key (PEM or path).
    #[serde(skip_serializing)]
    pub github_app_key: Option<Secret>,
    /// The secret GitHub App webhooks are signed with (`upkeep serve`).
    #[serde(skip_serializing)]
    pub webhook_secret: Option<Secret>,
    /// Repositories to process.
    pub repositories: Vec<String>,
    /// Process every reachable repository.
    pub autodiscover: bool,
    /// Autodiscovered repositories to keep.
    pub autodiscover_filter: Vec<String>,
    /// Onboarding PRs.
    pub onboarding: Option<bool>,
    /// Whether repositories need a config file.
    pub require_config: RequireConfig,
    /// The onboarding PR's branch (`onboardingBranch`; unset: `upkeep/configure`).
    pub onboarding_branch: Option<String>,
    /// The config the onboarding PR proposes (`onboardingConfig`; unset:
    /// `{"extends": ["config:recommended"]}`).
    pub onboarding_config: Option<Map<String, Value>>,
    /// The file the onboarding PR adds (`onboardingConfigFileName`; unset: `renovate.json`).
    pub onboarding_config_file_name: Option<String>,
    /// The onboarding PR's title (`onboardingPrTitle`; unset: `Configure upkeep`).
    pub onboarding_pr_title: Option<String>,
    /// Cache directory.
    pub cache_dir: Option<PathBuf>,
    /// Working directory.
    pub base_dir: Option<PathBuf>,
    /// Shared cache URL.
    pub redis_url: Option<String>,
    /// Dry run.
    pub dry_run: Option<DryRun>,
    /// Commit author.
    pub git_author: Option<String>,
    /// Repository-level options set by the bot: defaults beneath every repository's file
    /// (pass to [`crate::LoadOptions::defaults`]).
    #[serde(skip)]
    pub repository_defaults: Map<String, Value>,
}

/// The three sources of the bot's configuration, lowest precedence first.
#[derive(Debug, Clone, Default)]
pub struct GlobalSources {
    /// A config file: its name and text (JSON or JSON5).
    pub file: Option<(String, String)>,
    /// Environment variables (all of them; only `UPKEEP_<OPTION>` names are read, so other
    /// `UPKEEP_*` variables such as test switches are left alone).
    pub env: Vec<(String, String)>,
    /// Command-line flags as `(flag name without dashes, value)`, e.g. `("github-app-id", "12")`.
    pub flags: Vec<(String, String)>,
}

/// Converts a text value from the environment or a flag to the option's JSON type.
fn convert(kind: OptionType, text: &str) -> Result<Value, String> {
    let json = || serde_json::from_str::<Value>(text).map_err(|e| format!("expected JSON ({e})"));
    match kind {
        OptionType::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Value::Bool(true)),
            "false" | "0" | "no" => Ok(Value::Bool(false)),
            _ => Err(format!("expected true or false, found `{text}`")),
        },
        OptionType::Integer => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("expected an integer, found `{text}`")),
        OptionType::StringOrInteger | OptionType::String => Ok(Value::String(text.to_string())),
        OptionType::StringList if text.trim_start().starts_with('[') => json(),
        OptionType::StringList => Ok(Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.into()))
                .collect(),
        )),
        OptionType::Object | OptionType::ObjectList => json(),
    }
}

fn settable(option: &options::OptionDef) -> bool {
    option.places.contains(Places::GLOBAL)
}

impl GlobalConfig {
    /// Loads the bot's configuration: file < environment < flags. Never fails; problems
    /// are diagnostics naming the file, variable or flag.
    pub fn load(sources: &GlobalSources) -> (GlobalConfig, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut merged = Map::new();
        if let Some((name, text)) = &sources.file {
            match Document::parse(name, text) {
                Ok((document, warnings)) => {
                    diagnostics.extend(warnings);
                    let mut value = document.value.clone();
                    diagnostics.extend(validate(&mut value, &document, Scope::Global));
                    if let Value::Object(map) = value {
                        merged.extend(map);
                    }
                }
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
        for (layer, entries, name_of) in [
            ("environment", &sources.env, env_name as fn(&str) -> String),
            ("flags", &sources.flags, flag_name as fn(&str) -> String),
        ] {
            let mut map = Map::new();
            for (key, text) in entries {
                let option = options::OPTIONS
                    .iter()
                    .find(|o| settable(o) && name_of(o.name) == *key);
                let Some(option) = option else {
                    if layer == "flags" {
                        diagnostics.push(Diagnostic::error(
                            DiagnosticKind::UnknownOption,
                            layer,
                            format!("--{key}"),
                            format!("unknown flag `--{key}`"),
                        ));
                    }
                    continue;
                };
                match convert(option.kind, text) {
                    Ok(value) => {
                        map.insert(option.name.to_string(), value);
                    }
                    Err(message) => diagnostics.push(Diagnostic::error(
                        DiagnosticKind::InvalidType,
                        layer,
                        key.clone(),
                        message,
                    )),
                }
            }
            let document = Document::from_value(layer, Value::Object(map));
            let mut value = document.value.clone();
            diagnostics.extend(validate(&mut value, &document, Scope::Global));
            if let Value::Object(map) = value {
                merged.extend(map);
            }
        }
        let mut config: GlobalConfig = serde_json::from_value(Value::Object(merged.clone()))
            .unwrap_or_else(|error| {
                diagnostics.push(Diagnostic::error(
                    DiagnosticKind::InvalidValue,
                    "bot config",
                    "",
                    error.to_string(),
                ));
                GlobalConfig::default()
            });
        config.repository_defaults = merged
            .into_iter()
            .filter(|(key, _)| {
                options::find(key).is_some_and(|o| o.places.contains(Places::REPOSITORY))
            })
            .collect();
        (config, diagnostics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names() {
        assert_eq!(env_name("githubAppId"), "UPKEEP_GITHUB_APP_ID");
        assert_eq!(flag_name("githubAppId"), "github-app-id");
        assert_eq!(env_name("dryRun"), "UPKEEP_DRY_RUN");
    }

    #[test]
    fn flags_override_env_override_file() {
        let sources = GlobalSources {
            file: Some((
                "config.json5".into(),
                "{ platform: 'github', token: 'from-file', repositories: ['a/b'], prHourlyLimit: 1, labels: ['bot'] }".into(),
            )),
            env: pairs(&[("UPKEEP_TOKEN", "from-env"), ("UPKEEP_REPOSITORIES", "c/d, e/f"), ("UPKEEP_BLESS", "1"), ("PATH", "/bin")]),
            flags: pairs(&[("token", "from-flag"), ("dry-run", "lookup"), ("autodiscover", "true")]),
        };
        let (config, diagnostics) = GlobalConfig::load(&sources);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(config.platform, Platform::Github);
        assert_eq!(config.token.as_ref().map(Secret::expose), Some("from-flag"));
        assert_eq!(config.repositories, ["c/d", "e/f"]);
        assert_eq!(config.dry_run, Some(DryRun::Lookup));
        assert!(config.autodiscover);
        assert_eq!(
            config.repository_defaults.get("prHourlyLimit"),
            Some(&Value::from(1))
        );
        assert!(!format!("{config:?}").contains("from-flag"));
    }

    #[test]
    fn onboarding_config_is_checked_as_a_repository_config() {
        let sources = GlobalSources {
            file: Some((
                "config.json".into(),
                r#"{"onboardingConfig": {"extends": ["config:recommended"], "dependencyDashboard": true, "automergee": true}, "onboardingBranch": "bot/configure"}"#.into(),
            )),
            ..GlobalSources::default()
        };
        let (config, diagnostics) = GlobalConfig::load(&sources);
        let messages: Vec<&str> = diagnostics.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(messages, ["onboardingConfig.automergee"]);
        let proposed = config.onboarding_config.unwrap();
        assert_eq!(proposed["dependencyDashboard"], Value::Bool(true));
        assert!(!proposed.contains_key("automergee"));
        assert_eq!(config.onboarding_branch.as_deref(), Some("bot/configure"));
    }

    #[test]
    fn bad_global_values_are_diagnostics() {
        let sources = GlobalSources {
            file: Some((
                "config.json".into(),
                "{\n  \"platform\": \"gitlab\",\n  \"matchPackageNames\": [\"x\"]\n}".into(),
            )),
            env: pairs(&[("UPKEEP_AUTODISCOVER", "maybe")]),
            flags: pairs(&[("tokn", "x")]),
        };
        let (_, diagnostics) = GlobalConfig::load(&sources);
        let messages: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "config.json:2:3: error: platform: `platform` must be one of github, local; found \"gitlab\"",
                "config.json:3:3: error: matchPackageNames: `matchPackageNames` is a matcher and is only valid inside packageRules",
                "environment: error: UPKEEP_AUTODISCOVER: expected true or false, found `maybe`",
                "flags: error: --tokn: unknown flag `--tokn`",
            ]
        );
    }
}
