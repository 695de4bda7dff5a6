//! One module per subcommand.

pub mod audit;
pub mod common;
pub mod explain;
pub mod extract;
pub mod fleet;
pub mod github;
pub mod healthcheck;
pub mod lookup;
pub mod run;
pub mod serve;
pub mod validate_config;
