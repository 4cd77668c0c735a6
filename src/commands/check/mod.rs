//! `check`: a condition and two checks of the ensemble. `check path -v N` is whether a znode is
//! at a data version (in a transaction: a condition of it); `check perf` puts a fixed load on
//! the ensemble and grades it; `check consistency` compares what its members serve.

pub mod consistency;
mod grade;
pub mod perf;

use clap::{Args, Subcommand};

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::Reply;
use crate::shell::Shell;
use crate::zk::write::WriteOp;

/// Check that a znode is at a given data version (in a transaction: a condition of it), or
/// check the ensemble: `check perf` measures it under a fixed load, `check consistency`
/// compares what its members serve.
///
/// Example: check /config -v 3
#[derive(Debug, Args)]
#[command(
    about = "Check a znode's data version (a transaction condition inside txn), or the ensemble (check perf, check consistency)",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Check {
    #[command(subcommand)]
    pub what: Option<CheckWhat>,
    /// The data version the node must have
    #[arg(
        short = 'v',
        long,
        value_name = "VERSION",
        allow_negative_numbers = true,
        required = true
    )]
    pub version: Option<i32>,
    /// Znode path
    #[arg(add = crate::completion::path_completer(), required = true)]
    pub path: Option<String>,
}

/// The checks of the ensemble.
#[derive(Debug, Subcommand)]
pub enum CheckWhat {
    Perf(perf::Perf),
    Consistency(consistency::CheckConsistency),
}

impl Run for Check {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        match self.what {
            Some(CheckWhat::Perf(perf)) => perf.run(shell).await,
            Some(CheckWhat::Consistency(check)) => check.run(shell).await,
            None => {
                let (Some(path), Some(version)) = (self.path, self.version) else {
                    return Err(ShellError::usage("check: give a path and -v VERSION, or perf"));
                };
                let path = shell.resolve(&path)?;
                let op = WriteOp::Check { path, version };
                Ok(shell.submit(op).await?.reply(|_| Reply::done()))
            }
        }
    }
}
