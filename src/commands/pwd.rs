//! `pwd`: print the current node.

use clap::Args;

use crate::commands::Run;
use crate::commands::cd::Cwd;
use crate::output::Reply;
use crate::shell::Shell;

/// Print the current node.
///
/// Relative paths in every command resolve against it; the prompt shows it too.
///
/// Example: pwd
#[derive(Debug, Args)]
#[command(about = "Print the current node")]
pub struct Pwd {}

impl Run for Pwd {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        Ok(Reply::value(Cwd {
            cwd: shell.cwd().to_string(),
            shown: true,
        }))
    }
}
