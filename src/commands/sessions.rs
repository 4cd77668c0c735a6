//! `sessions`: on a snapshot, the sessions the server knew, their timeouts and how many
//! ephemeral nodes each owns (what no client can ask a live server).

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::table::{Align, Table};
use crate::output::{Render, Reply};
use crate::shell::Shell;
use crate::snapshot::serve::opened;

/// List the sessions of a snapshot: id, timeout, and the number of ephemeral nodes each owns.
///
/// Only a snapshot (`zksh --snapshot DIR`) knows them: a live server tells a client nothing
/// about other sessions. A session listed without a timeout is gone from the server's list
/// but still owns ephemeral nodes in the tree (a snapshot taken while it closed).
///
/// Example: zksh --snapshot /var/lib/zookeeper sessions
#[derive(Debug, Args)]
#[command(about = "List a snapshot's sessions and their ephemeral nodes")]
pub struct Sessions {}

#[derive(Debug, Serialize)]
pub struct SessionRow {
    pub session: i64,
    /// Milliseconds; null when the session is no longer in the server's list.
    pub timeout: Option<i32>,
    pub ephemerals: usize,
}

#[derive(Debug, Serialize)]
pub struct SessionList {
    pub sessions: Vec<SessionRow>,
}

impl Render for SessionList {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut table = Table::new(&[
            ("SESSION", Align::Left),
            ("TIMEOUT", Align::Right),
            ("EPHEMERALS", Align::Right),
        ]);
        for s in &self.sessions {
            let timeout = s.timeout.map_or("-".to_string(), |t| format!("{t}ms"));
            table.row(vec![format!("0x{:x}", s.session), timeout, s.ephemerals.to_string()]);
        }
        table.write(out, "", true)
    }
}

impl Run for Sessions {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        let Some(snapshot) = opened() else {
            return Err(ShellError::refused(
                "sessions",
                "",
                "only a snapshot knows the server's sessions: open one with zksh --snapshot DIR",
            ));
        };
        let sessions = snapshot
            .sessions
            .iter()
            .map(|s| SessionRow {
                session: s.id,
                timeout: s.timeout,
                ephemerals: s.ephemerals,
            })
            .collect();
        Ok(Reply::value(SessionList { sessions }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;
    use insta::assert_snapshot;

    #[test]
    fn text_and_json() {
        let list = SessionList {
            sessions: vec![
                SessionRow {
                    session: 0x1000_0abc_0000_0001,
                    timeout: Some(30000),
                    ephemerals: 2,
                },
                SessionRow {
                    session: 0x1000_0abc_0000_0002,
                    timeout: None,
                    ephemerals: 1,
                },
            ],
        };
        assert_snapshot!(both(&list), @r#"
        --- text
        SESSION             TIMEOUT  EPHEMERALS
        0x10000abc00000001  30000ms           2
        0x10000abc00000002        -           1
        --- json
        {"sessions":[{"ephemerals":2,"session":1152933307176976385,"timeout":30000},{"ephemerals":1,"session":1152933307176976386,"timeout":null}]}
        "#);
    }
}
