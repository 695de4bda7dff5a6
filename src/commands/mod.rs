//! One module per subcommand.

pub mod audit;
pub mod explain;
pub mod extract;
pub mod lookup;
pub mod validate_config;
