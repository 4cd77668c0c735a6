//! The tree engine behind recursive commands: subtree walks with multi-read batches and
//! subtree deletes with multi-write batches, a bounded window of each in flight.

use zookeeper_client::{self as zk, Client, MultiReadResult};

use crate::errors::{ShellError, ZkError, is_connection_error};
use crate::path::child_path;
use crate::progress::Progress;
use crate::zk::Zk;
use crate::zk::limits;
use crate::zk::write::{MultiError, WriteOp};

/// Operations per multi request; long paths make a batch smaller still (its encoded size stays
/// within the server's request limit).
pub const BATCH_OPS: usize = 200;
/// Multi requests in flight at once.
const WINDOW: usize = 8;

/// Lists `root` and every node below it, parents before children (breadth first, each
/// level sorted). Nodes that vanish during the walk are skipped.
pub async fn walk_subtree(zk: &Zk, client: &Client, op: &'static str, root: &str) -> anyhow::Result<Vec<String>> {
    walk(zk, client, op, root, false).await
}

/// What is left of a subtree being worked on: as [`walk_subtree`], and nothing at all when
/// the root itself is gone.
pub async fn remaining(zk: &Zk, client: &Client, op: &'static str, root: &str) -> anyhow::Result<Vec<String>> {
    walk(zk, client, op, root, true).await
}

async fn walk(
    zk: &Zk,
    client: &Client,
    op: &'static str,
    root: &str,
    root_may_vanish: bool,
) -> anyhow::Result<Vec<String>> {
    let mut all = vec![root.to_string()];
    let mut level = vec![root.to_string()];
    let (limit, chroot) = (zk.profile().max_request_size, zk.profile().chroot().map_or(0, str::len));
    while !level.is_empty() {
        let mut next = Vec::new();
        let batches = limits::batches(&level, BATCH_OPS, limit, |path| {
            limits::children_read_size(path, chroot)
        });
        for window in batches.chunks(WINDOW) {
            let mut requests = Vec::with_capacity(WINDOW);
            for batch in window.iter().copied() {
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
                        // Anything below may vanish while we walk.
                        MultiReadResult::Error { err: zk::Error::NoNode } if parent != root => {}
                        MultiReadResult::Error { err: zk::Error::NoNode } if root_may_vanish => return Ok(Vec::new()),
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

/// Deletes `root` and its subtree, children before parents, in multi batches; returns how
/// many nodes went. Concurrent changes (a node added or removed meanwhile) make a batch fail
/// as a whole, and so can a lost connection, after the batch was applied or not: either way
/// the subtree is walked again, which also settles what went, and the rest deleted, a few
/// times before giving up. `progress` counts the nodes deleted; every error after the first
/// batch was sent says how many went and how many remain.
pub async fn delete_subtree(zk: &Zk, client: &Client, root: &str, progress: &Progress) -> anyhow::Result<usize> {
    const ATTEMPTS: usize = 3;
    // Nothing is sent before this walk succeeds: its error is the whole story.
    let mut nodes = walk_subtree(zk, client, OP, root).await?;
    progress.recount(nodes.len());
    let mut attempt = 1;
    loop {
        let Some(failure) = delete_deepest_first(zk, client, &nodes, progress).await else {
            return Ok(progress.done());
        };
        // Every batch sent has been answered or failed by now, and the server applies one
        // session's requests in order: this walk sees whatever of them landed.
        nodes = match remaining(zk, client, OP, root).await {
            Ok(nodes) => nodes,
            Err(err) => return Err(cut_short(root, progress, err)),
        };
        progress.recount(nodes.len());
        if nodes.is_empty() {
            return Ok(progress.done());
        }
        // A connection that keeps going is no tree that keeps changing.
        if !is_retryable(&failure) || (attempt == ATTEMPTS && connection_reason(&failure).is_some()) {
            return Err(cut_short(root, progress, failure));
        }
        if attempt == ATTEMPTS {
            let reason = format!("{failure:#}");
            return Err(ShellError::refused(
                OP,
                root,
                format!("the tree kept changing; {} ({reason})", progress.how_far("deleted")),
            ));
        }
        attempt += 1;
    }
}

const OP: &str = "delete -r";

/// Failures a new walk may get past: the tree changed under a batch (a node gone, or one
/// added below a parent), or the connection went (and may come back within the session).
/// Not a refusal that would only come again: rights, a read-only server, limits.
fn is_retryable(err: &anyhow::Error) -> bool {
    use zk::Error::*;
    !err.chain()
        .filter_map(|cause| cause.downcast_ref::<ZkError>())
        .any(|e| {
            matches!(
                e.source,
                NoAuth
                    | AuthFailed
                    | InvalidAcl
                    | NotReadOnly
                    | QuotaExceeded
                    | Unimplemented
                    | MarshallingError
                    | BadArguments(_)
            )
        })
}

/// Why `err` means that the session could not be used, if it does.
fn connection_reason(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<ZkError>() {
            // A socket error under a request counts too (errors.rs reads it out).
            return is_connection_error(&e.source).then(|| e.reason());
        }
        match cause.downcast_ref::<ShellError>() {
            Some(ShellError::NoConnection { message, .. }) => Some(message.clone()),
            _ => None,
        }
    })
}

/// The error for a delete that stopped part way: its reason, and how far it got (bounds, if
/// batches are in doubt). A lost connection keeps its exit code.
fn cut_short(root: &str, progress: &Progress, err: anyhow::Error) -> anyhow::Error {
    let how_far = progress.how_far("deleted");
    match connection_reason(&err) {
        Some(reason) => ShellError::NoConnection {
            op: OP,
            path: root.to_string(),
            message: format!("{reason}; {how_far}"),
        }
        .into(),
        None => ShellError::refused(OP, root, format!("{err:#}; {how_far}")),
    }
}

/// Deletes `nodes` from the last to the first, counting into `progress`; the first failure.
/// Returns only once every batch it sent was answered (or failed).
async fn delete_deepest_first(
    zk: &Zk,
    client: &Client,
    nodes: &[String],
    progress: &Progress,
) -> Option<anyhow::Error> {
    let (limit, chroot) = (zk.profile().max_request_size, zk.profile().chroot().map_or(0, str::len));
    let delete_cost = |path: &String| {
        let op = WriteOp::Delete {
            path: path.clone(),
            version: None,
        };
        limits::multi_op_size(&op, chroot)
    };
    // Sent from the end (the deepest level) towards the root, so children go first.
    let mut batches = limits::batches(nodes, BATCH_OPS, limit, delete_cost);
    batches.reverse();
    for window in batches.chunks(WINDOW) {
        let mut requests = Vec::with_capacity(window.len());
        let mut failure = None;
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
                Ok(pending) => {
                    progress.sent(ops.len());
                    requests.push((ops, pending));
                }
                Err(err) => {
                    // Not sent; the batches already sent are still awaited below.
                    failure = Some(err.into_error(zk, OP, &ops, false));
                    break;
                }
            }
        }
        for (ops, pending) in requests {
            match zk.finish_multi(&ops, pending).await {
                Ok(_) => progress.confirmed(ops.len()),
                Err(err) => {
                    // A refused operation undoes its whole batch; any other failure leaves
                    // the batch in doubt, for the next walk to settle.
                    if matches!(err, MultiError::Operation { .. }) {
                        progress.refused(ops.len());
                    }
                    failure.get_or_insert_with(|| err.into_error(zk, OP, &ops, false));
                }
            }
        }
        if failure.is_some() {
            return failure;
        }
    }
    None
}
