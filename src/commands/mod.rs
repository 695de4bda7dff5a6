//! One module per subcommand.

pub mod explain;
pub mod extract;
pub mod validate_config;
