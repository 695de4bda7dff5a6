//! Explanations: for one dependency, which layers and packageRules applied, which did
//! not and why, and which setting each supplied. Serialisable to JSON for
//! `upkeep explain` and the run report — the question Renovate users ask most.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::package_rules::DependencyContext;
use crate::settings::{Settings, SettingsLayer};

/// The effective settings of a dependency and how they came about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    /// The settings.
    pub settings: Settings,
    /// How they came about.
    pub explanation: Explanation,
}

/// How a dependency's settings came about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The dependency as given.
    pub dependency: DependencyContext,
    /// Every layer considered, in order (packageRules that did not match included).
    pub layers: Vec<ExplainedLayer>,
    /// For each setting that is not a default, the source of its final value.
    pub sources: BTreeMap<String, String>,
}

/// One layer: the repository config, a manager or update-type object, a packageRule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainedLayer {
    /// Where it came from (`renovate.json packageRules[2]`).
    pub source: String,
    /// Whether it applied.
    pub matched: bool,
    /// Why a packageRule did not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The settings it supplied, as JSON.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub supplied: Map<String, Value>,
}

impl ExplainedLayer {
    pub(crate) fn matched(source: String, layer: &SettingsLayer) -> ExplainedLayer {
        let supplied = match serde_json::to_value(layer) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        ExplainedLayer {
            source,
            matched: true,
            reason: None,
            supplied,
        }
    }

    pub(crate) fn unmatched(source: String, reason: String) -> ExplainedLayer {
        ExplainedLayer {
            source,
            matched: false,
            reason: Some(reason),
            supplied: Map::new(),
        }
    }
}

impl Explanation {
    /// A human-readable rendering, one layer per line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for layer in &self.layers {
            if layer.matched {
                out.push_str(&format!(
                    "✓ {}: {}\n",
                    layer.source,
                    Value::Object(layer.supplied.clone())
                ));
            } else {
                out.push_str(&format!(
                    "✗ {}: {}\n",
                    layer.source,
                    layer.reason.as_deref().unwrap_or("")
                ));
            }
        }
        out
    }
}
