//! zkCli's `getEphemerals [path]`: the ephemeral nodes this session owns under a path, as the
//! server lists them (one request).

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// List the ephemeral nodes this session created under a path (the path itself included
/// when it is one), as zkCli's getEphemerals does: one request, answered by the server.
///
/// Only this session's nodes: another session's ephemerals are not listed (find them with
/// `find -t ephemeral`). A one-shot `zksh getEphemerals` has a session of its own, which owns
/// none; use it in the REPL or a script that created them.
///
/// Example: getEphemerals /workers
#[derive(Debug, Args)]
#[command(
    about = "List this session's ephemeral nodes under a path",
    visible_alias = "get-ephemerals"
)]
pub struct GetEphemerals {
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// The ephemeral nodes found, sorted.
#[derive(Debug, Serialize)]
pub struct Ephemerals {
    pub path: String,
    pub ephemerals: Vec<String>,
}

impl Render for Ephemerals {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for path in &self.ephemerals {
            writeln!(out, "{path}")?;
        }
        Ok(())
    }
}

impl Run for GetEphemerals {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let (path, client) = shell.target(self.path.as_deref().unwrap_or(".")).await?;
        let mut ephemerals = shell
            .zk()
            .call("getEphemerals", &path, client.list_ephemerals(&path))
            .await?;
        ephemerals.sort();
        Ok(Reply::value(Ephemerals { path, ephemerals }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn one_path_per_line() {
        let found = Ephemerals {
            path: "/workers".into(),
            ephemerals: vec!["/workers/a".into(), "/workers/b".into()],
        };
        insta::assert_snapshot!(both(&found), @r#"
        --- text
        /workers/a
        /workers/b
        --- json
        {"ephemerals":["/workers/a","/workers/b"],"path":"/workers"}
        "#);
    }
}
