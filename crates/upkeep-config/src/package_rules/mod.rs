//! packageRules: which rules match a dependency, and what they set.
//!
//! Renovate's semantics: every matcher present in a rule must match (AND); the values of
//! one matcher are alternatives (OR, with `!` exclusions, see [`matchers`]); a rule with
//! a matcher on something the dependency lacks (no `depType`, no update type yet) does
//! not match. Rules apply in order, so later rules override earlier ones, except for
//! mergeable options (`addLabels`), which accumulate.
//!
//! Version ranges (`matchCurrentVersion`, `allowedVersions`) belong to a versioning
//! scheme, which this crate does not know: the caller passes a [`VersionMatcher`].

pub mod matchers;

use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use upkeep_types::UpdateType;

use crate::duration::AgeRange;
use crate::settings::SettingsLayer;
use matchers::{PatternList, parse_regex};

/// Answers "does this version satisfy this range?" in the dependency's versioning scheme.
pub trait VersionMatcher {
    /// `Some(true/false)` when the scheme can tell; `None` when `version` or `range` is
    /// not something it understands (the rule then does not match).
    fn matches_range(&self, version: &str, range: &str) -> Option<bool>;
}

/// A [`VersionMatcher`] that understands nothing: range matchers never match.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVersioning;

impl VersionMatcher for NoVersioning {
    fn matches_range(&self, _version: &str, _range: &str) -> Option<bool> {
        None
    }
}

/// A version range (checked by the caller's versioning) or a `/regex/`, optionally `!`-negated.
#[derive(Debug, Clone)]
pub enum VersionConstraint {
    /// `/^1\./` or `!/^0/`.
    Regex {
        /// The text as written.
        source: String,
        /// The compiled regex.
        regex: Regex,
        /// Whether it was negated with `!`.
        negated: bool,
    },
    /// A range in the dependency's versioning (`>= 2.0.0 < 3`, `~> 4.0`).
    Range(String),
}

impl VersionConstraint {
    /// Parses; only the regex form can fail here.
    pub fn parse(text: &str) -> Result<VersionConstraint, String> {
        let (negated, body) = match text.strip_prefix('!') {
            Some(body) if body.starts_with('/') => (true, body),
            _ => (false, text),
        };
        match parse_regex(body) {
            Some(Ok(regex)) => Ok(VersionConstraint::Regex {
                source: text.to_string(),
                regex,
                negated,
            }),
            Some(Err(message)) => Err(message),
            None if text.trim().is_empty() => Err("empty version constraint".into()),
            None => Ok(VersionConstraint::Range(text.to_string())),
        }
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        match self {
            VersionConstraint::Regex { source, .. } => source,
            VersionConstraint::Range(range) => range,
        }
    }

    /// Whether `version` satisfies the constraint (`None`: the versioning cannot tell).
    pub fn matches(&self, version: &str, versions: &dyn VersionMatcher) -> Option<bool> {
        match self {
            VersionConstraint::Regex { regex, negated, .. } => {
                Some(regex.is_match(version) != *negated)
            }
            VersionConstraint::Range(range) => versions.matches_range(version, range),
        }
    }
}

impl PartialEq for VersionConstraint {
    fn eq(&self, other: &VersionConstraint) -> bool {
        self.source() == other.source()
    }
}

impl Serialize for VersionConstraint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.source())
    }
}

impl<'de> Deserialize<'de> for VersionConstraint {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<VersionConstraint, D::Error> {
        let text = String::deserialize(deserializer)?;
        VersionConstraint::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What is known about a dependency (or one of its updates) when settings are resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyContext {
    /// Manager id (`npm`, `cargo`, `dockerfile`…).
    pub manager: String,
    /// Datasource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasource: Option<String>,
    /// The name in the file.
    pub dep_name: String,
    /// The registry name, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
    /// `dependencies`, `devDependencies`, `final`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dep_type: Option<String>,
    /// Path of the package file, relative to the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_file: Option<String>,
    /// The update type, once an update is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_type: Option<UpdateType>,
    /// The value as written (`^1.2.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_value: Option<String>,
    /// The resolved current version (`1.2.3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    /// How old the current version's release is.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "seconds")]
    pub current_age: Option<Duration>,
    /// The base branch being updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_branch: Option<String>,
    /// The dependency's source repository URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// Categories of the manager (`js`, `docker`, `rust`, `terraform`…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The repository (`owner/name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Whether the update fixes a known vulnerability.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_vulnerability_fix: bool,
}

mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => serializer.serialize_u64(duration.as_secs()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(deserializer)?.map(Duration::from_secs))
    }
}

/// One packageRule, typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageRule {
    /// Where the rule came from (`renovate.json packageRules[2]`, `preset :automergeMinor packageRules[0]`).
    pub origin: String,
    /// The rule's description, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub description: Vec<String>,
    /// The matchers.
    pub matchers: Vec<Matcher>,
    /// What the rule sets.
    pub settings: SettingsLayer,
}

/// One matcher of a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "matcher", content = "value")]
pub enum Matcher {
    /// `matchPackageNames`.
    MatchPackageNames(PatternList),
    /// `matchDepNames`.
    MatchDepNames(PatternList),
    /// `matchManagers`.
    MatchManagers(PatternList),
    /// `matchDatasources`.
    MatchDatasources(PatternList),
    /// `matchDepTypes`.
    MatchDepTypes(PatternList),
    /// `matchFileNames`.
    MatchFileNames(PatternList),
    /// `matchUpdateTypes`.
    MatchUpdateTypes(Vec<String>),
    /// `matchCurrentVersion`.
    MatchCurrentVersion(VersionConstraint),
    /// `matchCurrentValue`.
    MatchCurrentValue(PatternList),
    /// `matchCurrentAge`.
    MatchCurrentAge(AgeRange),
    /// `matchBaseBranches`.
    MatchBaseBranches(PatternList),
    /// `matchSourceUrls`.
    MatchSourceUrls(PatternList),
    /// `matchCategories`.
    MatchCategories(PatternList),
    /// `matchRepositories`.
    MatchRepositories(PatternList),
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl PackageRule {
    /// Builds a rule from its (validated) JSON object.
    pub(crate) fn from_map(
        origin: String,
        map: &Map<String, Value>,
    ) -> Result<PackageRule, String> {
        let mut matchers = Vec::new();
        for (key, value) in map {
            let list = strings(value);
            let names = || PatternList::names(&list).map_err(|(_, e)| e);
            let text = || value.as_str().unwrap_or_default().to_string();
            let matcher = match key.as_str() {
                "matchPackageNames" => Matcher::MatchPackageNames(names()?),
                "matchDepNames" => Matcher::MatchDepNames(names()?),
                "matchManagers" => Matcher::MatchManagers(names()?),
                "matchDatasources" => Matcher::MatchDatasources(names()?),
                "matchDepTypes" => Matcher::MatchDepTypes(names()?),
                "matchFileNames" => {
                    Matcher::MatchFileNames(PatternList::paths(&list).map_err(|(_, e)| e)?)
                }
                "matchUpdateTypes" => Matcher::MatchUpdateTypes(list),
                "matchCurrentVersion" => {
                    Matcher::MatchCurrentVersion(VersionConstraint::parse(&text())?)
                }
                "matchCurrentValue" => Matcher::MatchCurrentValue(names()?),
                "matchCurrentAge" => Matcher::MatchCurrentAge(AgeRange::parse(&text())?),
                "matchBaseBranches" => Matcher::MatchBaseBranches(names()?),
                "matchSourceUrls" => Matcher::MatchSourceUrls(names()?),
                "matchCategories" => Matcher::MatchCategories(names()?),
                "matchRepositories" => Matcher::MatchRepositories(names()?),
                _ => continue,
            };
            matchers.push(matcher);
        }
        let settings: SettingsLayer = serde_json::from_value(Value::Object(map.clone()))
            .map_err(|e| format!("invalid settings: {e}"))?;
        Ok(PackageRule {
            origin,
            description: map.get("description").map(strings).unwrap_or_default(),
            matchers,
            settings,
        })
    }

    /// `Ok(())` when every matcher matches; otherwise the first reason it does not.
    pub fn matches(
        &self,
        dependency: &DependencyContext,
        versions: &dyn VersionMatcher,
    ) -> Result<(), String> {
        for matcher in &self.matchers {
            matcher.check(dependency, versions)?;
        }
        Ok(())
    }
}

fn list_check(
    name: &str,
    list: &PatternList,
    what: &str,
    value: Option<&str>,
) -> Result<(), String> {
    match value {
        None => Err(format!(
            "{name} {:?} needs a {what}, and the dependency has none",
            list.sources()
        )),
        Some(value) if list.matches(value) => Ok(()),
        Some(value) => Err(format!(
            "{name} {:?} does not match {what} `{value}`",
            list.sources()
        )),
    }
}

impl Matcher {
    fn check(
        &self,
        dependency: &DependencyContext,
        versions: &dyn VersionMatcher,
    ) -> Result<(), String> {
        let d = dependency;
        match self {
            Matcher::MatchPackageNames(list) => list_check(
                "matchPackageNames",
                list,
                "packageName",
                Some(d.package_name.as_deref().unwrap_or(&d.dep_name)),
            ),
            Matcher::MatchDepNames(list) => {
                list_check("matchDepNames", list, "depName", Some(&d.dep_name))
            }
            Matcher::MatchManagers(list) => {
                list_check("matchManagers", list, "manager", Some(&d.manager))
            }
            Matcher::MatchDatasources(list) => list_check(
                "matchDatasources",
                list,
                "datasource",
                d.datasource.as_deref(),
            ),
            Matcher::MatchDepTypes(list) => {
                list_check("matchDepTypes", list, "depType", d.dep_type.as_deref())
            }
            Matcher::MatchFileNames(list) => list_check(
                "matchFileNames",
                list,
                "packageFile",
                d.package_file.as_deref(),
            ),
            Matcher::MatchUpdateTypes(types) => match d.update_type {
                None => Err(format!(
                    "matchUpdateTypes {types:?} needs an update type, and none is known yet"
                )),
                Some(update_type) if types.iter().any(|t| t == update_type.as_str()) => Ok(()),
                Some(update_type) => Err(format!(
                    "matchUpdateTypes {types:?} does not match updateType `{update_type}`"
                )),
            },
            Matcher::MatchCurrentVersion(constraint) => {
                let Some(version) = d.current_version.as_deref().or(d.current_value.as_deref())
                else {
                    return Err(
                        "matchCurrentVersion needs a current version, and the dependency has none"
                            .into(),
                    );
                };
                match constraint.matches(version, versions) {
                    Some(true) => Ok(()),
                    Some(false) => Err(format!(
                        "matchCurrentVersion `{}` does not match `{version}`",
                        constraint.source()
                    )),
                    None => Err(format!(
                        "matchCurrentVersion `{}` cannot be compared with `{version}` by the dependency's versioning",
                        constraint.source()
                    )),
                }
            }
            Matcher::MatchCurrentValue(list) => list_check(
                "matchCurrentValue",
                list,
                "currentValue",
                d.current_value.as_deref(),
            ),
            Matcher::MatchCurrentAge(range) => match d.current_age {
                None => {
                    Err("matchCurrentAge needs the current release's age, which is unknown".into())
                }
                Some(age) if range.matches(age) => Ok(()),
                Some(age) => Err(format!(
                    "matchCurrentAge `{}` does not match an age of {} days",
                    String::from(range.clone()),
                    age.as_secs() / 86_400
                )),
            },
            Matcher::MatchBaseBranches(list) => list_check(
                "matchBaseBranches",
                list,
                "base branch",
                d.base_branch.as_deref(),
            ),
            Matcher::MatchSourceUrls(list) => list_check(
                "matchSourceUrls",
                list,
                "sourceUrl",
                d.source_url.as_deref(),
            ),
            Matcher::MatchCategories(list) => {
                if d.categories.iter().any(|c| list.matches(c)) {
                    Ok(())
                } else {
                    Err(format!(
                        "matchCategories {:?} does not match categories {:?}",
                        list.sources(),
                        d.categories
                    ))
                }
            }
            Matcher::MatchRepositories(list) => list_check(
                "matchRepositories",
                list,
                "repository",
                d.repository.as_deref(),
            ),
        }
    }
}
