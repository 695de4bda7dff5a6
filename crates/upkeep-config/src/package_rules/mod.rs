//! packageRules: matching dependencies and merging the settings of matching rules.

pub mod matchers;
