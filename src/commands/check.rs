//! `check path -v N`: whether a znode is at a data version (in a transaction: a condition).

pub mod consistency;

use clap::Args;

use crate::commands::Run;
use crate::output::Reply;
use crate::shell::Shell;
use crate::zk::write::WriteOp;

/// Check that a znode is at a given data version (in a transaction: a condition of it).
///
/// Example: check /config -v 3
#[derive(Debug, Args)]
#[command(about = "Check a znode's data version (a transaction condition inside txn)")]
pub struct Check {
    /// The data version the node must have
    #[arg(short = 'v', long, value_name = "VERSION", allow_negative_numbers = true)]
    pub version: i32,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

impl Run for Check {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        let op = WriteOp::Check {
            path,
            version: self.version,
        };
        Ok(shell.submit(op).await?.reply(|_| Reply::done()))
    }
}
