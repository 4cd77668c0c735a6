//! `delete [-v version] [-r] path` and `deleteall`/`rmr path`: remove a znode or a subtree.

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::delete_subtree;
use crate::zk::write::WriteOp;

/// Delete a znode.
///
/// A node with children is refused unless -r, which deletes the whole subtree in batches
/// (children first). -v deletes only if the data version is still VERSION. The root and
/// /zookeeper are never deleted.
///
/// Example: delete -r /app/cache
#[derive(Debug, Args)]
#[command(about = "Delete a znode (or a whole subtree with -r)", visible_alias = "rm")]
pub struct Delete {
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
}

/// Delete a znode and everything below it (as delete -r).
///
/// Example: deleteall /app/cache
#[derive(Debug, Args)]
#[command(
    about = "Delete a znode and everything below it (zkCli's deleteall)",
    visible_alias = "rmr"
)]
pub struct DeleteAll {
    /// Accepted for zkCli compatibility; zksh sizes its own batches
    #[arg(short = 'b', long, value_name = "N", hide = true)]
    pub batch: Option<u32>,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// `delete -r`: how many nodes went.
#[derive(Debug, Serialize)]
pub struct Deleted {
    pub path: String,
    pub deleted: usize,
}

impl Render for Deleted {}

impl Run for Delete {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        refuse_protected(&path)?;
        if self.recursive {
            shell.refuse_in_txn("delete -r cannot be part of a transaction")?;
            return delete_tree(path, shell).await;
        }
        let op = WriteOp::Delete {
            path,
            version: self.version,
        };
        Ok(shell.submit(op).await?.reply(|_| Reply::done()))
    }
}

impl Run for DeleteAll {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        refuse_protected(&path)?;
        delete_tree(path, shell).await
    }
}

async fn delete_tree(path: String, shell: &mut Shell) -> anyhow::Result<Reply> {
    let client = shell.zk().client().await?;
    // Recorded in the shell: a signal drops this future, and the runner then reports how
    // many nodes are known to be gone (batches already sent may still land).
    let progress = shell.start_bulk("delete -r", &path, "deleted");
    let _line = ProgressLine::start(progress.clone(), format!("delete -r {path}"));
    let count = delete_subtree(shell.zk(), &client, &path, &progress).await;
    shell.finish_bulk();
    Ok(Reply::value(Deleted { path, deleted: count? }))
}

fn refuse_protected(path: &str) -> anyhow::Result<()> {
    if path == "/" || path == "/zookeeper" || path.starts_with("/zookeeper/") {
        return Err(ShellError::usage(format!(
            "delete {path}: refusing to delete {path} (ZooKeeper's own tree or the root)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn deleted_is_silent_in_text_and_counts_in_json() {
        insta::assert_snapshot!(both(&Deleted { path: "/app/cache".into(), deleted: 3 }), @r#"
        --- text
        --- json
        {"deleted":3,"path":"/app/cache"}
        "#);
    }

    #[test]
    fn the_root_and_zookeepers_tree_are_protected() {
        assert!(refuse_protected("/").is_err());
        assert!(refuse_protected("/zookeeper/quota").is_err());
        assert!(refuse_protected("/zookeeperish").is_ok());
    }
}
