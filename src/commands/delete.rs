//! `delete [-v version] [-r] path` and `deleteall`/`rmr path`: remove a znode or a subtree.

use clap::Args;

use crate::cli::OutputArg;
use crate::commands::txn::queue;
use crate::errors::ShellError;
use crate::outcome::Outcome;
use crate::progress::ProgressLine;
use crate::session::Session;
use crate::tree::delete_subtree;
use crate::txn::TxnOp;

/// Delete a znode.
///
/// A node with children is refused unless -r, which deletes the whole subtree in batches
/// (children first). -v deletes only if the data version is still VERSION. The root and
/// /zookeeper are never deleted.
///
/// Example: delete -r /app/cache
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Only delete if the node's data version is VERSION
    #[arg(
        short = 'v',
        long,
        value_name = "VERSION",
        conflicts_with = "recursive",
        allow_negative_numbers = true
    )]
    pub version: Option<i32>,
    /// Delete the node and everything below it
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

/// Delete a znode and everything below it (as delete -r).
///
/// Example: deleteall /app/cache
#[derive(Debug, Args)]
pub struct DeleteAllArgs {
    /// Accepted for zkCli compatibility; zksh sizes its own batches
    #[arg(short = 'b', long, value_name = "N", hide = true)]
    pub batch: Option<u32>,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(args: DeleteArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    refuse_protected(&path)?;
    if args.recursive {
        if session.txn().is_some() {
            return Err(ShellError::usage("delete -r cannot be part of a transaction"));
        }
        return delete_tree(path, session).await;
    }
    if session.txn().is_some() {
        return queue(
            session,
            TxnOp::Delete {
                path,
                version: args.version,
            },
        );
    }
    let client = session.client().await?;
    session
        .call_versioned("delete", &path, args.version, client.delete(&path, args.version))
        .await?;
    Ok(Outcome::Done)
}

pub async fn execute_all(args: DeleteAllArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    refuse_protected(&path)?;
    delete_tree(path, session).await
}

async fn delete_tree(path: String, session: &mut Session) -> anyhow::Result<Outcome> {
    let client = session.client().await?;
    // Recorded in the session: a Ctrl-C drops this future, and the runner then reports how
    // many nodes are known to be gone (batches already sent may still land).
    let progress = session.start_bulk("delete -r", &path, "deleted");
    let _line = ProgressLine::start(progress.clone(), format!("delete -r {path}"));
    let count = delete_subtree(session, &client, &path, &progress).await;
    session.finish_bulk();
    Ok(Outcome::Deleted { path, count: count? })
}

fn refuse_protected(path: &str) -> anyhow::Result<()> {
    if path == "/" || path == "/zookeeper" || path.starts_with("/zookeeper/") {
        return Err(ShellError::usage(format!(
            "delete {path}: refusing to delete {path} (ZooKeeper's own tree or the root)"
        )));
    }
    Ok(())
}
