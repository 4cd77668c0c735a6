//! `delete [-v version] [-r] path` and `deleteall`/`rmr path`: remove a znode or a subtree
//! (counted first; in the REPL, a large one only once the user says yes), or with
//! `--dry-run` list what would go.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::Args;
use serde::Serialize;
use zookeeper_client::Client;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply, RowStream};
use crate::path::is_within;
use crate::progress::{Progress, ProgressLine};
use crate::shell::Shell;
use crate::tree::glob;
use crate::tree::{DEFAULT_PARALLEL, PostOrder, Walk, WalkOptions, count_to_delete, delete_subtree};
use crate::zk::write::WriteOp;

const OP: &str = "delete -r";
/// A subtree larger than this is deleted only once the user says yes (in the REPL).
const CONFIRM_ABOVE: usize = 1_000;

/// Delete a znode.
///
/// A node with children is refused unless -r, which deletes the whole subtree: it counts the
/// nodes first, then deletes them children first in batches as it walks the tree (memory
/// stays flat however large it is). In the REPL, a subtree of more than 1,000 nodes is
/// deleted only once you answer y to `delete N nodes? [y/N]` (-y skips the question; scripts,
/// -c and one-shot use never ask). --dry-run lists the nodes -r would delete, children
/// before parents, and deletes nothing. -v deletes only if the data version is still VERSION.
/// The root and /zookeeper are never deleted.
///
/// The path may be a glob: `delete '/locks/lock-*'` deletes every match in one transaction
/// (all of them, or none if one is refused); with -r, each match's subtree in turn.
///
/// Example: delete -r --dry-run /app/cache
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
    #[command(flatten)]
    pub tree: TreeFlags,
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
    #[command(flatten)]
    pub tree: TreeFlags,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// How a subtree is deleted.
#[derive(Debug, Args)]
pub struct TreeFlags {
    /// List what would be deleted (with -r), children before parents; delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before deleting more than 1,000 nodes (only the REPL asks)
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Requests in flight at once (with -r)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
}

/// `delete -r`: how many nodes went.
#[derive(Debug, Serialize)]
pub struct Deleted {
    pub path: String,
    pub deleted: usize,
}

impl Render for Deleted {}

/// One node `delete -r --dry-run` would delete.
#[derive(Debug, Serialize)]
pub struct WouldDelete {
    pub path: String,
}

impl Render for WouldDelete {
    fn render_text(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.path)
    }
}

impl Run for Delete {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        if self.tree.dry_run && !self.recursive {
            return Err(ShellError::usage("delete: --dry-run lists a subtree: use it with -r"));
        }
        let (shown, targets) = targets(shell, &self.path, self.recursive).await?;
        if self.recursive {
            return delete_trees(shown, targets, self.tree, shell).await;
        }
        // Children before parents: a pattern's matches come parents first.
        let ops: Vec<WriteOp> = targets
            .into_iter()
            .rev()
            .map(|path| WriteOp::Delete {
                path,
                version: self.version,
            })
            .collect();
        if ops.len() == 1 || shell.txn().is_some() {
            let count = ops.len();
            let mut last = None;
            for op in ops {
                last = Some(shell.submit(op).await?);
            }
            return Ok(match last {
                Some(submitted) if count == 1 => submitted.reply(|_| Reply::done()),
                // Several queued in a transaction block: nothing to say until it commits.
                _ => Reply::done(),
            });
        }
        // The matches of a pattern go together or not at all.
        shell.zk().commit("delete", &ops).await?;
        Ok(Reply::value(Deleted {
            path: shown,
            deleted: ops.len(),
        }))
    }
}

impl Run for DeleteAll {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let (shown, targets) = targets(shell, &self.path, true).await?;
        delete_trees(shown, targets, self.tree, shell).await
    }
}

/// What `input` names: one path, or every match of a pattern (sorted, parents first; with
/// `subtrees`, a match inside an earlier one is left to it). None of them may be the root or
/// ZooKeeper's own tree.
async fn targets(shell: &Shell, input: &str, subtrees: bool) -> anyhow::Result<(String, Vec<String>)> {
    let op = if subtrees { OP } else { "delete" };
    let matches = glob::expand(shell, op, input).await?;
    let shown = if glob::is_glob(input) {
        shell.resolve(input).unwrap_or_else(|_| input.to_string())
    } else {
        matches.first().cloned().unwrap_or_default()
    };
    let mut targets: Vec<String> = Vec::with_capacity(matches.len());
    for path in matches {
        refuse_protected(&path)?;
        if subtrees && targets.last().is_some_and(|above| is_within(&path, above)) {
            continue;
        }
        targets.push(path);
    }
    Ok((shown, targets))
}

/// `delete -r` of each target in turn: how many nodes went in all.
async fn delete_trees(
    shown: String,
    targets: Vec<String>,
    flags: TreeFlags,
    shell: &mut Shell,
) -> anyhow::Result<Reply> {
    if flags.dry_run {
        return dry_run(shown, targets, flags.parallel, shell).await;
    }
    let mut deleted = 0;
    let count = targets.len();
    for (done, path) in targets.into_iter().enumerate() {
        match delete_tree(&path, &flags, shell).await {
            Ok(n) => deleted += n,
            Err(err) if done > 0 => {
                let before = format!("{done} of {count} matches of {shown} were deleted before it ({deleted} nodes)");
                return Err(err.context(before));
            }
            Err(err) => return Err(err),
        }
    }
    Ok(Reply::value(Deleted { path: shown, deleted }))
}

async fn delete_tree(path: &str, flags: &TreeFlags, shell: &mut Shell) -> anyhow::Result<usize> {
    shell.refuse_in_txn("delete -r cannot be part of a transaction")?;
    let started = Instant::now();
    let client = shell.zk().client().await?;
    // Recorded in the shell: a signal drops this future, and the runner then reports how
    // many nodes are known to be gone (batches already sent may still land).
    let progress = shell.start_bulk(OP, path, "deleted");
    let deleted = count_then_delete(path, flags, &client, &progress, started, shell).await;
    shell.finish_bulk();
    deleted
}

/// Counts the subtree (nothing is sent before the count succeeds: its error is the whole
/// story), asks in the REPL if it is large, then deletes it.
async fn count_then_delete(
    path: &str,
    flags: &TreeFlags,
    client: &Client,
    progress: &Progress,
    started: Instant,
    shell: &Shell,
) -> anyhow::Result<usize> {
    let counted = Arc::new(AtomicUsize::new(0));
    let total = {
        let _line = ProgressLine::walking(Arc::clone(&counted), format!("{OP} {path} (counting)"));
        count_to_delete(shell.zk(), client, path, flags.parallel, false, &counted).await?
    };
    progress.recount(total);
    if total > CONFIRM_ABOVE && !flags.yes {
        let question = format!(
            "{OP} {path}: delete {} nodes? [y/N] ",
            indicatif::HumanCount(total as u64)
        );
        if shell.confirm(question).await == Some(false) {
            return Err(ShellError::refused(OP, path, "nothing deleted"));
        }
    }
    let _line = ProgressLine::start_since(progress.clone(), format!("{OP} {path}"), started);
    delete_subtree(shell.zk(), client, path, flags.parallel, progress).await
}

/// `delete -r --dry-run`: the nodes that would go, in the order they would, streamed as the
/// walk finds them; then how many on stderr.
async fn dry_run(shown: String, roots: Vec<String>, parallel: usize, shell: &Shell) -> anyhow::Result<Reply> {
    let (zk, client) = (shell.zk().clone(), shell.zk().client().await?);
    let options = WalkOptions {
        parallel,
        ..WalkOptions::default()
    };
    let seen = Arc::new(AtomicUsize::new(0));
    let line = ProgressLine::walking(Arc::clone(&seen), format!("{OP} --dry-run {shown}"));
    let root = shown.clone();
    let stream = RowStream::spawn(OP, shown, "node", move |rows| async move {
        let (mut count, mut refused) = (0usize, 0usize);
        for start in roots {
            let mut walk = Walk::start(&zk, client.clone(), OP, &start, options.clone());
            let (mut order, mut complete) = (PostOrder::default(), Vec::new());
            loop {
                let batch = walk.next_batch().await?;
                match &batch {
                    Some(visits) => {
                        seen.fetch_add(visits.len(), Ordering::Relaxed);
                        for visit in visits {
                            refused += usize::from(visit.refused.is_some());
                            order.visit(visit.path.clone(), visit.depth, &mut complete);
                        }
                    }
                    None => order.finish(&mut complete),
                }
                count += complete.len();
                if !rows.send_all(complete.drain(..).map(|path| WouldDelete { path })).await {
                    return Ok(Vec::new());
                }
                if batch.is_none() {
                    break;
                }
            }
        }
        if refused > 0 {
            let nodes = if refused == 1 { "node" } else { "nodes" };
            return Err(ShellError::refused(
                OP,
                root,
                format!("{refused} {nodes} could not be listed (not authorized): delete -r would be refused"),
            ));
        }
        Ok(vec![format!("{OP} {root}: would delete {count} nodes")])
    });
    Ok(Reply::Stream(stream.with_progress(line)))
}

fn refuse_protected(path: &str) -> anyhow::Result<()> {
    if path == "/" || crate::path::is_zookeeper_own(path) {
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
    fn a_dry_run_lists_full_paths() {
        insta::assert_snapshot!(both(&WouldDelete { path: "/app/cache/a".into() }), @r#"
        --- text
        /app/cache/a
        --- json
        {"path":"/app/cache/a"}
        "#);
    }

    #[test]
    fn the_root_and_zookeepers_tree_are_protected() {
        assert!(refuse_protected("/").is_err());
        assert!(refuse_protected("/zookeeper/quota").is_err());
        assert!(refuse_protected("/zookeeperish").is_ok());
    }
}
