//! The JSON Schema of repository configuration, generated from the options table so
//! editors validate `renovate.json` exactly as upkeep does. The generated file is checked
//! in (`config/renovate-schema.json`); a test fails when it drifts from the table, and
//! `UPKEEP_BLESS=1 cargo test -p upkeep-config` rewrites it.

use serde_json::{Map, Value, json};

use crate::options::{
    self, CUSTOM_MANAGER_OPTIONS, Children, HOST_RULE_OPTIONS, MANAGER_OBJECTS, OPTIONS, OptionDef,
    OptionType, Places,
};

fn property(option: &OptionDef) -> Value {
    let mut schema = Map::new();
    let base = match option.kind {
        OptionType::Boolean => json!("boolean"),
        OptionType::Integer => json!("integer"),
        OptionType::String => json!("string"),
        OptionType::StringOrInteger => json!(["string", "integer"]),
        // Renovate accepts a single string where a list is expected.
        OptionType::StringList => json!(["array", "string"]),
        OptionType::Object => json!("object"),
        OptionType::ObjectList => json!("array"),
    };
    let kind = match (option.nullable, base) {
        (true, Value::String(t)) => json!([t, "null"]),
        (true, Value::Array(mut types)) => {
            types.push(json!("null"));
            Value::Array(types)
        }
        (_, base) => base,
    };
    schema.insert("type".into(), kind);
    schema.insert("description".into(), json!(option.doc));
    if let Some(default) = option.default_value() {
        schema.insert("default".into(), default);
    }
    let enumeration = (!option.allowed.is_empty()).then(|| json!(option.allowed));
    match option.kind {
        OptionType::StringList => {
            let mut items = json!({"type": "string"});
            if let Some(values) = enumeration {
                items["enum"] = values;
            }
            schema.insert("items".into(), items);
        }
        OptionType::String => {
            if let Some(values) = enumeration {
                schema.insert("enum".into(), values);
            }
        }
        OptionType::Object => {
            let reference = if MANAGER_OBJECTS.contains(&option.name) {
                "managerSettings"
            } else {
                "settings"
            };
            schema.remove("type");
            schema.insert("$ref".into(), json!(format!("#/definitions/{reference}")));
        }
        OptionType::ObjectList => {
            let reference = match option.children {
                Children::PackageRule => "packageRule",
                Children::HostRule => "hostRule",
                _ => "customManager",
            };
            schema.insert(
                "items".into(),
                json!({"$ref": format!("#/definitions/{reference}")}),
            );
        }
        _ => {}
    }
    Value::Object(schema)
}

fn object(options: impl Iterator<Item = &'static OptionDef>) -> Value {
    let properties: Map<String, Value> =
        options.map(|o| (o.name.to_string(), property(o))).collect();
    json!({"type": "object", "properties": properties, "additionalProperties": false})
}

/// The JSON Schema of a repository's configuration.
pub fn repository_schema() -> Value {
    let rule = |o: &&OptionDef| o.places.contains(Places::RULE);
    let mut root = object(
        OPTIONS
            .iter()
            .filter(|o| o.places.contains(Places::REPOSITORY)),
    );
    root["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    root["title"] = json!("upkeep repository configuration (Renovate-compatible)");
    root["definitions"] = json!({
        "settings": object(OPTIONS.iter().filter(rule)),
        "managerSettings": object(OPTIONS.iter().filter(|o| rule(o) || o.places.contains(Places::MANAGER))),
        "packageRule": object(OPTIONS.iter().filter(|o| options::allowed_in(o, Children::PackageRule))),
        "hostRule": object(HOST_RULE_OPTIONS.iter()),
        "customManager": object(CUSTOM_MANAGER_OPTIONS.iter()),
    });
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_schema_matches_the_options_table() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../config/renovate-schema.json"
        );
        let generated = format!(
            "{}\n",
            serde_json::to_string_pretty(&repository_schema()).unwrap()
        );
        if std::env::var_os("UPKEEP_BLESS").is_some() {
            std::fs::write(path, &generated).unwrap();
            return;
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "config/renovate-schema.json is out of date; run `UPKEEP_BLESS=1 cargo test -p upkeep-config schema`"
        );
    }

    #[test]
    fn schema_shape() {
        let schema = repository_schema();
        assert!(
            schema["properties"]["token"].is_null(),
            "global-only options are not repository options"
        );
        assert!(schema["properties"]["matchPackageNames"].is_null());
        assert_eq!(schema["properties"]["rangeStrategy"]["enum"][0], "auto");
        assert_eq!(
            schema["properties"]["packageRules"]["items"]["$ref"],
            "#/definitions/packageRule"
        );
        assert!(
            schema["definitions"]["packageRule"]["properties"]["matchPackageNames"].is_object()
        );
        assert!(
            schema["definitions"]["managerSettings"]["properties"]["managerFilePatterns"]
                .is_object()
        );
        assert_eq!(
            schema["properties"]["groupName"]["type"],
            json!(["string", "null"])
        );
    }
}
