//! Reads the registry settings a repository carries (`.npmrc`, `.cargo/config.toml`)
//! into a [`RegistryConfig`].
//!
//! The parsers are pure functions over text (and, for `${VAR}` expansion and Cargo's
//! `CARGO_REGISTRIES_<NAME>_INDEX`, over an environment passed in), so every rule is a
//! table test; [`read_registry_config`] is the thin part that reads the files from a
//! checkout root and the process environment.
//!
//! What is read, and why no more:
//! - `.npmrc`: `registry=`, `@scope:registry=`, `//host/path/:_authToken=` and a bare
//!   `_authToken=` (which belongs to the default registry). `${VAR}` is expanded as npm
//!   does, but only when the bot allows it (Renovate's `exposeAllEnv`): otherwise a
//!   repository could write `//its.host/:_authToken=${BOT_SECRET}` and receive the
//!   bot's secret. A setting whose variable is unset (or not exposed) is dropped rather
//!   than sent literally.
//!   `_auth`, `username`/`_password` and client certificates are not read: hostRules
//!   cover those cases.
//! - `.cargo/config.toml` (or the legacy `.cargo/config`): `[registries.NAME] index`.
//!   Tokens live in Cargo's `credentials.toml`, outside the repository; hostRules (or
//!   `CARGO_REGISTRIES_<NAME>_TOKEN` read by the bot's config) provide them.
//!
//! A file that cannot be read or parsed is reported as a problem and skipped: registry
//! settings are never a reason to stop a repository.

use std::path::Path;

use upkeep_http::SecretString;

use crate::RegistryConfig;

/// Applies one `.npmrc` text to `config`. `env` answers `${VAR}` lookups.
pub fn apply_npmrc(
    config: &mut RegistryConfig,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bare_token = None;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = match expand_env(unquote(value.trim()), env) {
            Ok(value) => value,
            Err(variable) => {
                problems.push(format!(
                    ".npmrc line {}: `${{{variable}}}` is not set (or the environment is not exposed); `{key}` ignored",
                    number + 1
                ));
                continue;
            }
        };
        if key == "registry" {
            config.npm_registry = Some(value);
        } else if key == "_authToken" {
            bare_token = Some(value);
        } else if let Some(scope) = key.strip_suffix(":registry")
            && scope.starts_with('@')
        {
            config.npm_scopes.insert(scope.to_owned(), value);
        } else if let Some(prefix) = key.strip_suffix(":_authToken")
            && prefix.starts_with("//")
        {
            config
                .npm_tokens
                .insert(with_trailing_slash(prefix), SecretString::from(value));
        }
    }
    if let Some(token) = bare_token {
        let registry = config
            .npm_registry
            .as_deref()
            .unwrap_or(crate::npm::DEFAULT_REGISTRY);
        if let Some(prefix) = nerf_dart(registry) {
            config
                .npm_tokens
                .entry(prefix)
                .or_insert_with(|| SecretString::from(token));
        }
    }
    problems
}

/// The `//host[:port]/path/` form npm keys credentials by.
pub(crate) fn nerf_dart(registry: &str) -> Option<String> {
    let url = url::Url::parse(registry).ok()?;
    let host = url.host_str()?;
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    Some(with_trailing_slash(&format!(
        "//{host}{port}{}",
        url.path()
    )))
}

fn with_trailing_slash(text: &str) -> String {
    if text.ends_with('/') {
        text.to_owned()
    } else {
        format!("{text}/")
    }
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// npm's `${VAR}` expansion; `${VAR?}` expands an unset variable to nothing. Returns the
/// name of the first unset variable otherwise.
fn expand_env(value: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let name = &rest[start + 2..start + length];
        let (name, optional) = match name.strip_suffix('?') {
            Some(name) => (name, true),
            None => (name, false),
        };
        match env(name) {
            Some(found) => out.push_str(&found),
            None if optional => {}
            None => return Err(name.to_owned()),
        }
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Applies one `.cargo/config.toml` text to `config`: `[registries.NAME] index`.
pub fn apply_cargo_config(config: &mut RegistryConfig, text: &str) -> Result<(), String> {
    let document: toml_edit::DocumentMut = text.parse().map_err(|error| format!("{error}"))?;
    let Some(registries) = document
        .get("registries")
        .and_then(|item| item.as_table_like())
    else {
        return Ok(());
    };
    for (name, registry) in registries.iter() {
        let index = registry
            .as_table_like()
            .and_then(|table| table.get("index"))
            .and_then(|index| index.as_str());
        if let Some(index) = index {
            config
                .cargo_registries
                .insert(name.to_owned(), index.to_owned());
        }
    }
    Ok(())
}

/// Applies `CARGO_REGISTRIES_<NAME>_INDEX` variables, which override the config file as
/// they do for Cargo. The name is kept as written in the variable; lookups compare
/// names the way Cargo maps them (upper case, `-` as `_`), see [`cargo_registry_index`].
pub fn apply_cargo_env(
    config: &mut RegistryConfig,
    vars: impl IntoIterator<Item = (String, String)>,
) {
    for (key, value) in vars {
        let Some(name) = key
            .strip_prefix("CARGO_REGISTRIES_")
            .and_then(|rest| rest.strip_suffix("_INDEX"))
        else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let existing: Vec<String> = config
            .cargo_registries
            .keys()
            .filter(|existing| env_form(existing) == name)
            .cloned()
            .collect();
        for existing in existing {
            config.cargo_registries.remove(&existing);
        }
        config.cargo_registries.insert(name.to_owned(), value);
    }
}

/// The index of the Cargo registry called `name`, comparing names as Cargo's
/// environment variables do.
pub fn cargo_registry_index<'a>(config: &'a RegistryConfig, name: &str) -> Option<&'a str> {
    config
        .cargo_registries
        .get(name)
        .map(String::as_str)
        .or_else(|| {
            let wanted = env_form(name);
            config
                .cargo_registries
                .iter()
                .find(|(candidate, _)| env_form(candidate) == wanted)
                .map(|(_, index)| index.as_str())
        })
}

fn env_form(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// Reads `.npmrc` and `.cargo/config.toml` (or `.cargo/config`) from a checkout root,
/// plus `CARGO_REGISTRIES_<NAME>_INDEX` from the process environment. `${VAR}` in
/// `.npmrc` is expanded from the environment only when `expose_all_env` is set.
/// Returns the settings and the problems met (unreadable or invalid files, unset or
/// unexposed variables), which the caller reports.
pub fn read_registry_config(root: &Path, expose_all_env: bool) -> (RegistryConfig, Vec<String>) {
    let mut config = RegistryConfig::default();
    let mut problems = Vec::new();
    let env = |name: &str| {
        if expose_all_env {
            std::env::var(name).ok()
        } else {
            None
        }
    };
    if let Some(text) = read_optional(&root.join(".npmrc"), &mut problems) {
        problems.extend(apply_npmrc(&mut config, &text, &env));
    }
    for name in [".cargo/config.toml", ".cargo/config"] {
        let path = root.join(name);
        if let Some(text) = read_optional(&path, &mut problems) {
            if let Err(error) = apply_cargo_config(&mut config, &text) {
                problems.push(format!("`{name}` is not valid TOML: {error}"));
            }
            break;
        }
    }
    let vars = std::env::vars_os()
        .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)));
    apply_cargo_env(&mut config, vars);
    (config, problems)
}

fn read_optional(path: &Path, problems: &mut Vec<String>) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => {
            problems.push(format!("could not read `{}`: {error}", path.display()));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "NPM_TOKEN" => Some("s3cret".to_owned()),
            "HOST" => Some("npm.example.com".to_owned()),
            _ => None,
        }
    }

    fn npmrc(text: &str) -> (RegistryConfig, Vec<String>) {
        let mut config = RegistryConfig::default();
        let problems = apply_npmrc(&mut config, text, &env);
        (config, problems)
    }

    fn token<'a>(config: &'a RegistryConfig, prefix: &str) -> Option<&'a str> {
        config
            .npm_tokens
            .get(prefix)
            .map(|token| token.expose_secret())
    }

    #[test]
    fn npmrc_settings_table() {
        let cases: &[(&str, &str, &str)] = &[
            // (line, what to check, expected)
            (
                "registry=https://npm.example.com/",
                "registry",
                "https://npm.example.com/",
            ),
            (
                "registry = \"https://npm.example.com/\"",
                "registry",
                "https://npm.example.com/",
            ),
            (
                "registry=https://${HOST}/",
                "registry",
                "https://npm.example.com/",
            ),
            (
                "@acme:registry=https://npm.acme.dev/",
                "scope @acme",
                "https://npm.acme.dev/",
            ),
            (
                "//npm.acme.dev/:_authToken=${NPM_TOKEN}",
                "token //npm.acme.dev/",
                "s3cret",
            ),
            (
                "//npm.acme.dev/api/npm:_authToken=abc",
                "token //npm.acme.dev/api/npm/",
                "abc",
            ),
            (
                "//npm.acme.dev/:_authToken=x${MISSING?}y",
                "token //npm.acme.dev/",
                "xy",
            ),
        ];
        for (line, check, expected) in cases {
            let (config, problems) = npmrc(line);
            assert!(problems.is_empty(), "{line}: {problems:?}");
            let actual = match check.split_once(' ') {
                None => config.npm_registry.clone(),
                Some(("scope", scope)) => config.npm_scopes.get(scope).cloned(),
                Some((_, prefix)) => token(&config, prefix).map(str::to_owned),
            };
            assert_eq!(actual.as_deref(), Some(*expected), "{line}");
        }
    }

    #[test]
    fn npmrc_comments_and_unknown_keys_are_ignored() {
        let (config, problems) = npmrc(
            "; a comment\n# another = one\nalways-auth=true\n\n#registry=https://no/\nsave-exact = true\n",
        );
        assert!(problems.is_empty());
        assert_eq!(config.npm_registry, None);
        assert!(config.npm_tokens.is_empty() && config.npm_scopes.is_empty());
    }

    #[test]
    fn npmrc_unset_variable_drops_the_setting_and_says_so() {
        let (config, problems) = npmrc("//npm.acme.dev/:_authToken=${NOPE}\n");
        assert!(config.npm_tokens.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("NOPE") && problems[0].contains("line 1"),
            "{problems:?}"
        );
    }

    #[test]
    fn npmrc_bare_token_belongs_to_the_default_registry() {
        let (config, _) = npmrc("_authToken=abc\n");
        assert_eq!(token(&config, "//registry.npmjs.org/"), Some("abc"));
        let (config, _) = npmrc("_authToken=abc\nregistry=http://127.0.0.1:4873/npm\n");
        assert_eq!(token(&config, "//127.0.0.1:4873/npm/"), Some("abc"));
    }

    #[test]
    fn cargo_config_registries_and_env_override() {
        let mut config = RegistryConfig::default();
        apply_cargo_config(
            &mut config,
            r#"
[registries.my-registry]
index = "sparse+https://cargo.example.com/index/"

[registries]
other = { index = "https://git.example.com/index.git" }

[net]
git-fetch-with-cli = true
"#,
        )
        .unwrap();
        assert_eq!(
            cargo_registry_index(&config, "my-registry"),
            Some("sparse+https://cargo.example.com/index/")
        );
        assert_eq!(
            cargo_registry_index(&config, "other"),
            Some("https://git.example.com/index.git")
        );
        apply_cargo_env(
            &mut config,
            [
                (
                    "CARGO_REGISTRIES_MY_REGISTRY_INDEX".to_owned(),
                    "sparse+https://env.example.com/".to_owned(),
                ),
                (
                    "CARGO_REGISTRIES_ONLY_ENV_INDEX".to_owned(),
                    "sparse+http://x/".to_owned(),
                ),
                (
                    "CARGO_REGISTRIES_OTHER_TOKEN".to_owned(),
                    "secret".to_owned(),
                ),
                ("PATH".to_owned(), "/bin".to_owned()),
            ],
        );
        assert_eq!(
            cargo_registry_index(&config, "my-registry"),
            Some("sparse+https://env.example.com/")
        );
        assert_eq!(
            cargo_registry_index(&config, "only-env"),
            Some("sparse+http://x/")
        );
        assert_eq!(cargo_registry_index(&config, "missing"), None);
        assert_eq!(config.cargo_registries.len(), 3);
    }

    #[test]
    fn cargo_config_that_is_not_toml_is_an_error() {
        let mut config = RegistryConfig::default();
        assert!(apply_cargo_config(&mut config, "[registries\nindex = ").is_err());
        assert!(apply_cargo_config(&mut config, "").is_ok());
    }

    #[test]
    fn reads_both_files_from_a_checkout_root() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join(".npmrc"),
            "@acme:registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken=${PATH}\n",
        )
        .unwrap();
        std::fs::create_dir(root.path().join(".cargo")).unwrap();
        std::fs::write(
            root.path().join(".cargo/config.toml"),
            "[registries.internal]\nindex = \"sparse+https://crates.acme.dev/\"\n",
        )
        .unwrap();
        let (config, problems) = read_registry_config(root.path(), false);
        assert!(
            config.npm_tokens.is_empty(),
            "the environment is not exposed"
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(config.npm_scopes["@acme"], "https://npm.acme.dev/");
        assert_eq!(
            cargo_registry_index(&config, "internal"),
            Some("sparse+https://crates.acme.dev/")
        );
        let (config, problems) = read_registry_config(root.path(), true);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.npm_tokens.len(), 1);
    }
}
