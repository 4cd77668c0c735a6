//! `txn begin|show|commit|abort` and the one-line `txn 'op' 'op'...`: operations run as one
//! ZooKeeper multi request, all or nothing.

use std::io::Write;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::cli::ShellLine;
use crate::commands::{Command, Run};
use crate::errors::ShellError;
use crate::line::split_commands;
use crate::output::{Render, Reply};
use crate::shell::{Shell, Submitted};
use crate::zk::write::{Applied, WriteOp};

/// Run operations as one transaction: all of them or none (ZooKeeper's multi).
///
/// `txn begin` opens a block: check, create, set and delete are then queued (the prompt shows
/// how many) while other commands run at once; `txn show` lists the queue, `txn commit` sends
/// it, `txn abort` drops it. Paths resolve against the current node when each op is queued.
/// Or give the operations on one line, each quoted.
///
/// Example: txn 'check /a -v 3' 'create /b "a value"' 'set /c x' 'delete /d'
#[derive(Debug, Args)]
#[command(
    about = "Run check/create/set/delete as one all-or-nothing transaction",
    args_conflicts_with_subcommands = true
)]
pub struct Txn {
    #[command(subcommand)]
    pub action: Option<TxnAction>,
    /// Operations for a one-line transaction, each one quoted (check, create, set, delete)
    #[arg(value_name = "OP")]
    pub ops: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum TxnAction {
    /// Start queueing check/create/set/delete
    Begin,
    /// List the queued operations
    Show,
    /// Send the queued operations as one transaction
    Commit,
    /// Drop the queued operations
    Abort,
}

/// An operation queued in the open transaction block.
#[derive(Debug, Serialize)]
pub struct Queued {
    pub queued: usize,
    pub op: String,
}

impl Render for Queued {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "queued #{}: {}", self.queued, self.op)
    }
}

impl Submitted {
    /// The reply for a write: [`Queued`] when it went into the transaction block, else what
    /// `applied` makes of the result.
    pub fn reply(self, applied: impl FnOnce(Applied) -> Reply) -> Reply {
        match self {
            Submitted::Queued { position, op } => Reply::value(Queued { queued: position, op }),
            Submitted::Applied(result) => applied(result),
        }
    }
}

/// `txn show`: the queue.
#[derive(Debug, Serialize)]
pub struct TxnQueue {
    pub queued: Vec<String>,
}

impl Render for TxnQueue {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.queued.is_empty() {
            writeln!(out, "(nothing queued)")?;
        }
        for (i, op) in self.queued.iter().enumerate() {
            writeln!(out, "{:>3}. {op}", i + 1)?;
        }
        Ok(())
    }
}

/// `txn commit`: one result per operation (JSON: an array).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Committed(pub Vec<Applied>);

impl Render for Committed {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for r in &self.0 {
            match (&r.created, r.version) {
                (Some(created), _) => writeln!(out, "created {created}")?,
                (None, Some(version)) => writeln!(out, "set {} (version {version})", r.path)?,
                (None, None) if r.op == "delete" => writeln!(out, "deleted {}", r.path)?,
                (None, None) => writeln!(out, "checked {}", r.path)?,
            }
        }
        Ok(())
    }
}

/// `txn begin`, `txn abort`.
#[derive(Debug, Serialize)]
pub struct TxnState {
    /// `open` or `aborted`.
    pub txn: &'static str,
    pub dropped: usize,
}

impl Render for TxnState {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.txn == "open" {
            writeln!(
                out,
                "transaction open: check/create/set/delete are queued until txn commit"
            )
        } else {
            writeln!(out, "transaction aborted ({} operations dropped)", self.dropped)
        }
    }
}

impl Run for Txn {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        match self.action {
            Some(TxnAction::Begin) => {
                shell.begin_txn()?;
                Ok(Reply::value(TxnState {
                    txn: "open",
                    dropped: 0,
                }))
            }
            Some(TxnAction::Show) => {
                let ops = shell
                    .txn()
                    .ok_or_else(|| ShellError::usage("txn show: no transaction open (txn begin)"))?;
                Ok(Reply::value(TxnQueue {
                    queued: ops.iter().map(WriteOp::describe).collect(),
                }))
            }
            Some(TxnAction::Abort) => {
                let ops = shell
                    .end_txn()
                    .ok_or_else(|| ShellError::usage("txn abort: no transaction open"))?;
                Ok(Reply::value(TxnState {
                    txn: "aborted",
                    dropped: ops.len(),
                }))
            }
            Some(TxnAction::Commit) => {
                match shell.txn() {
                    None => return Err(ShellError::usage("txn commit: no transaction open (txn begin)")),
                    Some([]) => {
                        return Err(ShellError::usage(
                            "txn commit: nothing queued (txn abort to leave the block)",
                        ));
                    }
                    Some(_) => {}
                }
                // The block ends with the commit, whatever its result: a failed commit applied
                // nothing, and retrying the same queue would fail the same way.
                let ops = shell.end_txn().unwrap_or_default();
                let results = shell.zk().commit("txn commit", &ops).await?;
                Ok(Reply::value(Committed(results)))
            }
            None if self.ops.is_empty() => Err(ShellError::usage(
                "txn: give an action (begin, show, commit, abort) or the operations, each quoted",
            )),
            None => one_line(self.ops, shell).await,
        }
    }
}

/// `txn 'op' 'op' ...`: queue each in a fresh block, then commit.
async fn one_line(ops: Vec<String>, shell: &mut Shell) -> anyhow::Result<Reply> {
    if shell.txn().is_some() {
        return Err(ShellError::usage(
            "txn: a block is open; queue the operations in it instead",
        ));
    }
    shell.begin_txn()?;
    let queued = queue_all(&ops, shell).await;
    let ops = shell.end_txn().unwrap_or_default();
    queued?;
    let results = shell.zk().commit("txn commit", &ops).await?;
    Ok(Reply::value(Committed(results)))
}

async fn queue_all(ops: &[String], shell: &mut Shell) -> anyhow::Result<()> {
    for text in ops {
        let mut commands = split_commands(text).map_err(|e| ShellError::usage(format!("txn: '{text}': {e}")))?;
        if commands.len() != 1 {
            return Err(ShellError::usage(format!(
                "txn: '{text}' must be exactly one operation"
            )));
        }
        let words = commands.remove(0);
        let command = ShellLine::try_parse_from(&words)
            .map_err(|e| ShellError::usage(format!("txn: '{text}': {}", first_line(&e.to_string()))))?
            .command;
        match command {
            Command::Check(_) | Command::Create(_) | Command::Set(_) | Command::Delete(_) => {
                // Boxed: a command runs a command here.
                Box::pin(command.run(shell)).await?;
            }
            _ => {
                return Err(ShellError::usage(format!(
                    "txn: '{text}' is not a transaction operation (check, create, set, delete)"
                )));
            }
        }
    }
    Ok(())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim_start_matches("error: ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    fn applied(op: &'static str, path: &str, created: Option<&str>, version: Option<i32>) -> Applied {
        Applied {
            op,
            path: path.into(),
            created: created.map(str::to_string),
            version,
            stat: None,
        }
    }

    #[test]
    fn queued_says_its_place() {
        insta::assert_snapshot!(both(&Queued { queued: 2, op: "set /a (3 bytes)".into() }), @r#"
        --- text
        queued #2: set /a (3 bytes)
        --- json
        {"op":"set /a (3 bytes)","queued":2}
        "#);
    }

    #[test]
    fn the_queue_is_numbered() {
        insta::assert_snapshot!(both(&TxnQueue { queued: vec!["check /a is at version 3".into(), "delete /b".into()] }), @r#"
        --- text
          1. check /a is at version 3
          2. delete /b
        --- json
        {"queued":["check /a is at version 3","delete /b"]}
        "#);
        insta::assert_snapshot!(both(&TxnQueue { queued: vec![] }), @r#"
        --- text
        (nothing queued)
        --- json
        {"queued":[]}
        "#);
    }

    #[test]
    fn a_commit_says_what_each_operation_did() {
        let results = Committed(vec![
            applied("check", "/a", None, None),
            applied("create", "/b-", Some("/b-0000000001"), None),
            applied("set", "/c", None, Some(4)),
            applied("delete", "/d", None, None),
        ]);
        insta::assert_snapshot!(both(&results), @r#"
        --- text
        checked /a
        created /b-0000000001
        set /c (version 4)
        deleted /d
        --- json
        [{"op":"check","path":"/a"},{"created":"/b-0000000001","op":"create","path":"/b-"},{"op":"set","path":"/c","version":4},{"op":"delete","path":"/d"}]
        "#);
    }

    #[test]
    fn begin_and_abort() {
        insta::assert_snapshot!(both(&TxnState { txn: "open", dropped: 0 }), @r#"
        --- text
        transaction open: check/create/set/delete are queued until txn commit
        --- json
        {"dropped":0,"txn":"open"}
        "#);
        insta::assert_snapshot!(both(&TxnState { txn: "aborted", dropped: 2 }), @r#"
        --- text
        transaction aborted (2 operations dropped)
        --- json
        {"dropped":2,"txn":"aborted"}
        "#);
    }
}
