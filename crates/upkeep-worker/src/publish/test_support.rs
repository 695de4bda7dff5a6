//! Plain data for the publish tests.

use upkeep_types::{Branch, Datasource, Dependency, PlannedUpdate, Update, UpdateType};

/// An update of `name` from `from` to `to`.
pub fn planned(name: &str, from: &str, to: &str, kind: UpdateType) -> PlannedUpdate {
    PlannedUpdate {
        manager: "npm".to_owned(),
        package_file: "package.json".to_owned(),
        dependency: Dependency {
            current_value: Some(from.to_owned()),
            ..Dependency::new(name, Some(Datasource::Npm))
        },
        current_version: Some(from.to_owned()),
        update: Update {
            update_type: Some(kind),
            new_value: Some(to.to_owned()),
            new_version: Some(to.to_owned()),
            release_timestamp: Some("2024-05-01T10:00:00Z".to_owned()),
            ..Update::default()
        },
        source_url: Some(format!("https://github.com/acme/{name}")),
    }
}

/// A ready branch holding `updates`.
pub fn branch(name: &str, title: &str, updates: Vec<PlannedUpdate>) -> Branch {
    Branch {
        branch_name: name.to_owned(),
        pr_title: title.to_owned(),
        commit_message: title.to_owned(),
        upgrades: updates,
        ..Branch::default()
    }
}
