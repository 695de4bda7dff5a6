//! Managers: each knows one file format — which files it owns, how to extract every
//! dependency from them, and how to change one dependency's version in place.
//!
//! A manager is pure: text in, data out; text and a change in, text out. Reading files,
//! walking repositories and talking to registries happen elsewhere. Every manager lives
//! in its own folder with the same anatomy (`mod.rs` with metadata, `extract.rs`,
//! `update.rs`, lock file parsing where it has one) and is registered once in
//! [`registry::MANAGERS`]; a conformance test loops over that list.
//!
//! Updates are format-preserving: only the version (or digest) token changes. Each update
//! is confirmed by re-extracting the new text ([`update::update_dependency`]); a result
//! where anything else moved is an error, never a silently wrong file.

pub mod docker_image;
pub mod error;
pub mod extract;
pub mod manager;
pub mod registry;
pub mod text;
pub mod update;
pub mod yaml;

pub mod cargo;
pub mod docker_compose;
pub mod dockerfile;
pub mod kubernetes;
pub mod npm;
pub mod terraform;

pub use error::{ExtractError, UpdateError};
pub use extract::{
    ExtractErrorEntry, ExtractReport, FileSource, MemoryFiles, StreamingReport, extract_files,
};
pub use manager::{Manager, ManagerMetadata};
pub use registry::{MANAGERS, get_manager, managers_for_path};
pub use update::update_dependency;
