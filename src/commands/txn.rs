//! `txn begin|show|commit|abort`, the one-line `txn 'op' 'op'...`, and `check path -v N`.

use clap::{Args, Parser, Subcommand};

use crate::cli::{OutputArg, ShellLine};
use crate::commands::{Command, create, delete, set};
use crate::errors::{ShellError, ZkError};
use crate::line::split_commands;
use crate::outcome::Outcome;
use crate::session::Session;
use crate::txn::{TxnOp, commit};

/// Run operations as one transaction: all of them or none (ZooKeeper's multi).
///
/// `txn begin` opens a block: check, create, set and delete are then queued (the prompt shows
/// how many) while other commands run at once; `txn show` lists the queue, `txn commit` sends
/// it, `txn abort` drops it. Paths resolve against the current node when each op is queued.
/// Or give the operations on one line, each quoted.
///
/// Example: txn 'check /a -v 3' 'create /b "a value"' 'set /c x' 'delete /d'
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TxnArgs {
    #[command(subcommand)]
    pub action: Option<TxnAction>,
    /// Operations for a one-line transaction, each one quoted (check, create, set, delete)
    #[arg(value_name = "OP")]
    pub ops: Vec<String>,
    #[command(flatten)]
    pub out: OutputArg,
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

/// Check that a znode is at a given data version (in a transaction: a condition of it).
///
/// Example: check /config -v 3
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The data version the node must have
    #[arg(short = 'v', long, value_name = "VERSION", allow_negative_numbers = true)]
    pub version: i32,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(args: TxnArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    match args.action {
        Some(TxnAction::Begin) => {
            if session.txn().is_some() {
                return Err(ShellError::usage(
                    "txn begin: a transaction is already open (txn commit or txn abort)",
                ));
            }
            *session.txn_mut() = Some(Vec::new());
            Ok(Outcome::TxnState { open: true, dropped: 0 })
        }
        Some(TxnAction::Show) => {
            let ops = session
                .txn()
                .ok_or_else(|| ShellError::usage("txn show: no transaction open (txn begin)"))?;
            Ok(Outcome::TxnOps {
                ops: ops.iter().map(TxnOp::describe).collect(),
            })
        }
        Some(TxnAction::Abort) => {
            let ops = session
                .txn_mut()
                .take()
                .ok_or_else(|| ShellError::usage("txn abort: no transaction open"))?;
            Ok(Outcome::TxnState {
                open: false,
                dropped: ops.len(),
            })
        }
        Some(TxnAction::Commit) => {
            let ops = session
                .txn()
                .ok_or_else(|| ShellError::usage("txn commit: no transaction open (txn begin)"))?;
            if ops.is_empty() {
                return Err(ShellError::usage(
                    "txn commit: nothing queued (txn abort to leave the block)",
                ));
            }
            let ops = ops.clone();
            // The block ends with the commit, whatever its result: a failed commit applied
            // nothing, and retrying the same queue would fail the same way.
            *session.txn_mut() = None;
            let results = commit(session, &ops).await?;
            Ok(Outcome::TxnResults { results })
        }
        None if args.ops.is_empty() => Err(ShellError::usage(
            "txn: give an action (begin, show, commit, abort) or the operations, each quoted",
        )),
        None => one_line(args.ops, session).await,
    }
}

/// `txn 'op' 'op' ...`: queue each in a fresh block, then commit.
async fn one_line(ops: Vec<String>, session: &mut Session) -> anyhow::Result<Outcome> {
    if session.txn().is_some() {
        return Err(ShellError::usage(
            "txn: a block is open; queue the operations in it instead",
        ));
    }
    *session.txn_mut() = Some(Vec::new());
    let queued = queue_all(&ops, session).await;
    let ops = session.txn_mut().take().unwrap_or_default();
    queued?;
    let results = commit(session, &ops).await?;
    Ok(Outcome::TxnResults { results })
}

async fn queue_all(ops: &[String], session: &mut Session) -> anyhow::Result<()> {
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
            Command::Check(args) => execute_check(args, session).await?,
            Command::Create(args) => create::execute(args, session).await?,
            Command::Set(args) => set::execute(args, session).await?,
            Command::Delete(args) => delete::execute(args, session).await?,
            _ => {
                return Err(ShellError::usage(format!(
                    "txn: '{text}' is not a transaction operation (check, create, set, delete)"
                )));
            }
        };
    }
    Ok(())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim_start_matches("error: ")
}

/// Queues `op` in the open block (callers check `session.txn()` first).
pub fn queue(session: &mut Session, op: TxnOp) -> anyhow::Result<Outcome> {
    let ops = session
        .txn_mut()
        .as_mut()
        .ok_or_else(|| ShellError::usage("no transaction open (txn begin)"))?;
    let description = op.describe();
    ops.push(op);
    Ok(Outcome::Queued {
        position: ops.len(),
        op: description,
    })
}

pub async fn execute_check(args: CheckArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    if session.txn().is_some() {
        return queue(
            session,
            TxnOp::Check {
                path,
                version: args.version,
            },
        );
    }
    let client = session.client().await?;
    match session.call("check", &path, client.check_stat(&path)).await? {
        Some(stat) if stat.version == args.version => Ok(Outcome::Done),
        Some(stat) => Err(ShellError::refused(
            "check",
            path,
            format!("version is {}, not {}", stat.version, args.version),
        )),
        None => Err(ZkError::new("check", path, zookeeper_client::Error::NoNode).into()),
    }
}
