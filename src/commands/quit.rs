//! `quit`/`exit`: leave the shell, or end a script.

use clap::Args;

use crate::commands::Run;
use crate::output::Reply;
use crate::shell::Shell;

/// Leave the shell (Ctrl-D does too).
///
/// The session is closed on the way out, so this session's ephemeral nodes go at once
/// rather than when the session timeout runs out. In a script, quit ends the script.
///
/// Example: quit
#[derive(Debug, Args)]
#[command(about = "Leave the shell", visible_alias = "exit")]
pub struct Quit {}

impl Run for Quit {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        Ok(Reply::Quit)
    }
}
