//! `close`: drop the session and stay in the shell, as zkCli's close.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::commands::connect::stopped_lines;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// Close the session and stay in the shell (zkCli's close).
///
/// The session closes in order: its ephemeral nodes go at once, and the shell's watches and
/// locks stop. Until `connect` (which reopens the last server when given no target), commands
/// that need ZooKeeper fail at once with "not connected" (exit 3).
///
/// Example: close
#[derive(Debug, Args)]
#[command(about = "Close the session and stay in the shell (connect opens a new one)")]
pub struct Close {}

/// What `close` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Closed {
    /// The session closed, as hex; null when there was none.
    pub closed_session: Option<String>,
    pub watches_stopped: usize,
    pub locks_released: usize,
}

impl Render for Closed {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match &self.closed_session {
            Some(id) => writeln!(out, "session {id} closed; not connected (connect opens a new session)")?,
            None => writeln!(out, "not connected (connect opens a new session)")?,
        }
        stopped_lines(out, self.watches_stopped, self.locks_released)
    }
}

impl Run for Close {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let detached = shell.disconnect().await?;
        Ok(Reply::value(Closed {
            closed_session: detached.closed_session.map(|id| format!("0x{id:x}")),
            watches_stopped: detached.watches_stopped,
            locks_released: detached.locks_released,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn closed_says_what_stopped() {
        let closed = Closed {
            closed_session: Some("0x100".into()),
            watches_stopped: 1,
            locks_released: 0,
        };
        insta::assert_snapshot!(both(&closed), @r#"
        --- text
        session 0x100 closed; not connected (connect opens a new session)
        1 watch of the old session stopped
        --- json
        {"closedSession":"0x100","locksReleased":0,"watchesStopped":1}
        "#);
    }
}
