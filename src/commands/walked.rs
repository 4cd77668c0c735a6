//! What the commands that measure a subtree (tree, du, count, survey) share: the tally of
//! nodes the server would not let them read, and how a result is handed back when there
//! were some (the result, then an error: never a silently short answer).

use crate::errors::ShellError;
use crate::output::{Document, Reply, RowStream};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::{Visit, Walk, WalkOptions};

/// A walk with `parallel` requests in flight, reading data too when `data`.
pub fn reading(parallel: usize, data: bool) -> WalkOptions {
    WalkOptions {
        parallel,
        data,
        ..WalkOptions::default()
    }
}

/// Resolves `path` (default: the current node) and starts walking it: the absolute path,
/// the walk, and its progress line (shown on a terminal once the walk lasts a second).
pub async fn start_walk(
    shell: &mut Shell,
    op: &'static str,
    path: Option<&str>,
    options: WalkOptions,
) -> anyhow::Result<(String, Walk, ProgressLine)> {
    let (path, client) = shell.target(path.unwrap_or(".")).await?;
    let walk = Walk::start(shell.zk(), client, op, &path, options);
    let line = ProgressLine::walking(walk.seen(), format!("{op} {path}"));
    Ok((path, walk, line))
}

/// Nodes the walk found but could not read (not authorized): what is below them is unknown.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unreadable {
    nodes: usize,
}

impl Unreadable {
    pub fn see(&mut self, visit: &Visit) {
        self.nodes += usize::from(visit.refused.is_some());
    }

    /// Ok when every node could be read; else the error that ends the command (exit 1),
    /// saying what the result lacks: `... what is below them is not counted`.
    pub fn outcome(self, op: &'static str, root: &str, lacking: &str) -> anyhow::Result<()> {
        if self.nodes == 0 {
            return Ok(());
        }
        let (nodes, them) = if self.nodes == 1 {
            ("node", "it")
        } else {
            ("nodes", "them")
        };
        Err(ShellError::refused(
            op,
            root,
            format!(
                "{} {nodes} could not be read (not authorized): what is below {them} is {lacking}",
                self.nodes
            ),
        ))
    }
}

/// A one-document result: on its own when the walk read everything; otherwise printed all
/// the same (it is what could be read), and followed by the error that says what it lacks.
pub fn value_reply(
    op: &'static str,
    path: String,
    value: impl Document + 'static,
    outcome: anyhow::Result<()>,
) -> Reply {
    match outcome {
        Ok(()) => Reply::value(value),
        // A stream of one row: the runner renders the row, then reports the error after it.
        Err(err) => Reply::Stream(RowStream::spawn(op, path, "result", move |rows| async move {
            rows.send(value).await;
            Err(err)
        })),
    }
}
