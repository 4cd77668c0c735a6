//! The tree engine behind recursive commands: subtree walks with multi-read batches and
//! subtree deletes with multi-write batches, a bounded window of each in flight.

use zookeeper_client::{self as zk, Client, MultiReadResult};

use crate::errors::{ShellError, ZkError};
use crate::path::child_path;
use crate::progress::Progress;
use crate::zk::Zk;
use crate::zk::write::WriteOp;

/// Operations per multi request: small enough for the 1 MB packet limit with long paths.
pub const BATCH_OPS: usize = 200;
/// Bytes of paths per multi write, a second bound for very long paths.
const BATCH_BYTES: usize = 256 * 1024;
/// Multi requests in flight at once.
const WINDOW: usize = 8;

/// Lists `root` and every node below it, parents before children (breadth first, each
/// level sorted). Nodes that vanish during the walk are skipped.
pub async fn walk_subtree(zk: &Zk, client: &Client, op: &'static str, root: &str) -> anyhow::Result<Vec<String>> {
    let mut all = vec![root.to_string()];
    let mut level = vec![root.to_string()];
    while !level.is_empty() {
        let mut next = Vec::new();
        for window in level.chunks(BATCH_OPS * WINDOW) {
            let mut requests = Vec::with_capacity(WINDOW);
            for batch in window.chunks(BATCH_OPS) {
                let mut reader = client.new_multi_reader();
                for path in batch {
                    reader
                        .add_get_children(path)
                        .map_err(|e| ZkError::new(op, path.as_str(), e))?;
                }
                // Sent now; awaited below, so up to WINDOW batches are in flight.
                requests.push((batch, reader.commit()));
            }
            for (batch, request) in requests {
                let results = zk.call(op, root, request).await?;
                for (parent, result) in batch.iter().zip(results) {
                    match result {
                        MultiReadResult::Children { mut children } => {
                            children.sort_unstable();
                            next.extend(children.iter().map(|c| child_path(parent, c)));
                        }
                        // The root must exist; anything below may vanish while we walk.
                        MultiReadResult::Error { err: zk::Error::NoNode } if parent != root => {}
                        MultiReadResult::Error { err } => return Err(ZkError::new(op, parent.as_str(), err).into()),
                        _ => {}
                    }
                }
            }
        }
        all.extend(next.iter().cloned());
        level = next;
    }
    Ok(all)
}

/// Deletes `root` and its subtree, children before parents, in multi batches. Concurrent
/// changes (a node added or removed meanwhile) make a batch fail as a whole; the walk is then
/// redone, a few times, before giving up with a count of what was deleted.
/// `progress` counts the nodes deleted.
pub async fn delete_subtree(zk: &Zk, client: &Client, root: &str, progress: &Progress) -> anyhow::Result<usize> {
    const ATTEMPTS: usize = 3;
    let mut last_error = None;
    for _ in 0..ATTEMPTS {
        let nodes = walk_subtree(zk, client, "delete -r", root).await?;
        progress.set_remaining(nodes.len());
        match delete_deepest_first(zk, client, &nodes, progress).await {
            None => return Ok(progress.done()),
            Some(err) => last_error = Some(err),
        }
        if zk.call("delete -r", root, client.check_stat(root)).await?.is_none() {
            return Ok(progress.done());
        }
    }
    let deleted = progress.done();
    let reason = last_error.map(|e| format!("{e:#}")).unwrap_or_default();
    Err(ShellError::refused(
        "delete -r",
        root,
        format!("the tree kept changing; {deleted} nodes deleted, the rest left in place ({reason})"),
    ))
}

/// Deletes `nodes` from the last to the first, counting into `progress`; the first failure.
async fn delete_deepest_first(
    zk: &Zk,
    client: &Client,
    nodes: &[String],
    progress: &Progress,
) -> Option<anyhow::Error> {
    let mut batches: Vec<&[String]> = Vec::new();
    let mut start = nodes.len();
    // Walk from the end (deepest level) towards the root, cutting batches by count and bytes.
    while start > 0 {
        let mut end = start;
        let mut bytes = 0;
        while end > 0 && start - end < BATCH_OPS && bytes < BATCH_BYTES {
            end -= 1;
            bytes += nodes[end].len();
        }
        batches.push(&nodes[end..start]);
        start = end;
    }
    for window in batches.chunks(WINDOW) {
        let mut requests = Vec::with_capacity(window.len());
        for batch in window {
            // Children first: the batch was cut from the deep end of the list.
            let ops: Vec<WriteOp> = batch
                .iter()
                .rev()
                .map(|path| WriteOp::Delete {
                    path: path.clone(),
                    version: None,
                })
                .collect();
            match zk.send_multi(client, &ops) {
                Ok(pending) => requests.push((ops, pending)),
                Err(err) => return Some(err.into_error(zk, "delete -r", &ops, false)),
            }
        }
        let mut failure = None;
        for (ops, pending) in requests {
            match zk.finish_multi(&ops, pending).await {
                Ok(_) => progress.add_done(ops.len()),
                Err(err) => {
                    failure.get_or_insert_with(|| err.into_error(zk, "delete -r", &ops, false));
                }
            }
        }
        if failure.is_some() {
            return failure;
        }
    }
    None
}
