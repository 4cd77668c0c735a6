//! zksh: an interactive shell and scriptable CLI for Apache ZooKeeper.
//!
//! The binary is a thin wrapper around [`app::run`]; the library exists so that the
//! integration tests can reuse the ZooKeeper launcher that `--sandbox` uses.

pub mod app;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod completion;
pub mod config;
pub mod errors;
pub mod events;
pub mod exit;
pub mod line;
pub mod local_command;
pub mod output;
pub mod path;
pub mod profiles;
pub mod progress;
pub mod recipes;
pub mod repl;
pub mod sandbox;
pub mod shell;
pub mod snapshot;
pub mod tree;
pub mod watch;
pub mod zk;

#[cfg(test)]
mod grammar_tests;
