//! [`RangeStrategy`]: how a requirement is rewritten when a new version is adopted.
//!
//! The values and their meaning are Renovate's `rangeStrategy` option
//! (<https://docs.renovatebot.com/configuration-options/#rangestrategy>), so an existing
//! `renovate.json` means the same thing here. `auto` is not a strategy of its own: it is
//! resolved per manager by [`RangeStrategy::resolve`] before any value is computed.

use serde::{Deserialize, Serialize};

/// Renovate's `rangeStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RangeStrategy {
    /// Let the manager decide (see [`RangeStrategy::resolve`]). The default.
    #[default]
    Auto,
    /// Replace a range with the exact new version: `^1.2.3` → `1.4.0`.
    Pin,
    /// Move the range to the new version even when it already satisfies it:
    /// `^1.2` → `^1.4`.
    Bump,
    /// Keep the range while the new version satisfies it; otherwise write a range of the
    /// same shape around the new version: `^1.2.3` → `^2.0.0`.
    Replace,
    /// Keep the range while the new version satisfies it; otherwise extend it:
    /// `>= 1.2, < 2.0` → `>= 1.2, < 3.0`, `^1.0.0 || ^2.0.0` → `… || ^3.0.0`.
    Widen,
    /// Keep the range and refresh only the lock file while the new version satisfies
    /// it; otherwise behave like `replace`.
    UpdateLockfile,
    /// Keep the range and refresh only the lock file; never propose a version outside
    /// the range.
    InRangeOnly,
}

impl RangeStrategy {
    /// The configuration value (`update-lockfile`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RangeStrategy::Auto => "auto",
            RangeStrategy::Pin => "pin",
            RangeStrategy::Bump => "bump",
            RangeStrategy::Replace => "replace",
            RangeStrategy::Widen => "widen",
            RangeStrategy::UpdateLockfile => "update-lockfile",
            RangeStrategy::InRangeOnly => "in-range-only",
        }
    }

    /// Resolves `auto` for one dependency of `manager`; any other strategy is returned
    /// as it is.
    ///
    /// Renovate's documented behaviour, which this reproduces:
    /// - The `rangeStrategy` docs: "Renovate's `auto` strategy works like this for npm:
    ///   widen `peerDependencies`; if an existing range already ends with an "or"
    ///   operator like `^1.0.0 || ^2.0.0`, widen it into `^1.0.0 || ^2.0.0 || ^3.0.0`;
    ///   otherwise, if the update is outside the existing range, replace the range;
    ///   finally, if the update is in-range, update the lockfile" — that last pair is
    ///   exactly `update-lockfile`.
    /// - The cargo manager's readme: with `auto`, "if a "less than" instruction is found
    ///   (e.g. `<2`) then `rangeStrategy=widen` will be selected, otherwise
    ///   `rangeStrategy=update-lockfile`".
    /// - Every other manager: `auto` means `update-lockfile` when the manager can update
    ///   a single locked dependency, else `replace` (Renovate v35, "default to
    ///   rangeStrategy=auto, prefer update-lockfile"). Dockerfiles, Compose, Kubernetes
    ///   manifests and Terraform (whose `.terraform.lock.hcl` is refreshed as an
    ///   artifact, not per dependency) get `replace`.
    pub fn resolve(
        self,
        manager: &str,
        dep_type: Option<&str>,
        current_value: &str,
    ) -> RangeStrategy {
        if self != RangeStrategy::Auto {
            return self;
        }
        match manager {
            "npm" => {
                if dep_type == Some("peerDependencies") || current_value.contains("||") {
                    RangeStrategy::Widen
                } else {
                    RangeStrategy::UpdateLockfile
                }
            }
            "cargo" => {
                if current_value.contains('<') {
                    RangeStrategy::Widen
                } else {
                    RangeStrategy::UpdateLockfile
                }
            }
            _ => RangeStrategy::Replace,
        }
    }
}

impl std::fmt::Display for RangeStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::RangeStrategy::{self, *};

    #[test]
    fn serde_uses_renovate_kebab_case_names() {
        for strategy in [Auto, Pin, Bump, Replace, Widen, UpdateLockfile, InRangeOnly] {
            let json = serde_json::to_string(&strategy).unwrap();
            assert_eq!(json, format!("\"{}\"", strategy.as_str()));
            let back: RangeStrategy = serde_json::from_str(&json).unwrap();
            assert_eq!(back, strategy);
        }
        assert!(serde_json::from_str::<RangeStrategy>("\"updateLockfile\"").is_err());
    }

    #[test]
    fn auto_resolves_per_manager_as_renovate_documents() {
        let table: &[(&str, Option<&str>, &str, RangeStrategy)] = &[
            ("npm", Some("dependencies"), "^1.2.3", UpdateLockfile),
            ("npm", Some("devDependencies"), "~1.2.3", UpdateLockfile),
            ("npm", Some("peerDependencies"), "^1.2.3", Widen),
            ("npm", Some("dependencies"), "^1.0.0 || ^2.0.0", Widen),
            ("npm", None, "1.2.3", UpdateLockfile),
            ("cargo", Some("dependencies"), "1.2", UpdateLockfile),
            ("cargo", Some("dependencies"), ">=1.2, <2", Widen),
            ("cargo", Some("dev-dependencies"), "=1.2.3", UpdateLockfile),
            ("dockerfile", None, "18-alpine", Replace),
            ("docker-compose", None, "1.25", Replace),
            ("kubernetes", None, "1.25", Replace),
            ("terraform", Some("required_provider"), "~> 4.0", Replace),
        ];
        for (manager, dep_type, value, expected) in table {
            assert_eq!(
                Auto.resolve(manager, *dep_type, value),
                *expected,
                "{manager} {dep_type:?} {value}"
            );
        }
    }

    #[test]
    fn explicit_strategies_are_never_overridden() {
        for strategy in [Pin, Bump, Replace, Widen, UpdateLockfile, InRangeOnly] {
            assert_eq!(
                strategy.resolve("npm", Some("peerDependencies"), "^1 || ^2"),
                strategy
            );
        }
    }
}
