//! One module per subcommand.

pub mod explain;
pub mod extract;
pub mod lookup;
pub mod validate_config;
