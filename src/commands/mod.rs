//! One module per subcommand.

pub mod common;
pub mod explain;
pub mod extract;
pub mod lookup;
pub mod run;
pub mod validate_config;
