//! zksh: an interactive shell and scriptable CLI for Apache ZooKeeper.
//!
//! The binary is a thin wrapper around [`app::run`]; the library exists so that the
//! integration tests can reuse the ZooKeeper launcher that `--sandbox` uses.

pub mod app;
pub mod cli;
pub mod commands;
pub mod completion;
pub mod config;
pub mod connection;
pub mod errors;
pub mod events;
pub mod exit;
pub mod line;
pub mod outcome;
pub mod path;
pub mod progress;
pub mod render;
pub mod repl;
pub mod runner;
pub mod sandbox;
pub mod script;
pub mod session;
pub mod tree;
pub mod txn;
pub mod watch;

#[cfg(test)]
mod grammar_tests;
