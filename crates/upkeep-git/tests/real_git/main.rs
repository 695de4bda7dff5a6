//! upkeep-git against real git: bare remotes in temporary directories, clones, pushes
//! and a user's checkout. Test setup (the "humans") uses plain git with an isolated
//! config; upkeep's side uses the crate.

mod http;
mod local;
mod remote;
mod support;
mod workdir;
