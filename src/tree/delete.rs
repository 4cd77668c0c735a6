//! Subtree deletes on the streaming walk: a count first (for progress, the confirmation and
//! the report), then each node deleted as soon as the walk has gone past everything below it,
//! children before parents, in multi-write batches with a bounded window in flight. Memory
//! holds the walk's frontier, the branch being finished and the batches in flight, never the
//! whole tree.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use zookeeper_client::{self as zk, Client};

use crate::errors::{ShellError, ZkError, is_connection_error};
use crate::progress::Progress;
use crate::tree::batcher::Batcher;
use crate::tree::order::PostOrder;
use crate::tree::walk::{DEFAULT_PARALLEL, Visit, Walk, WalkOptions};
use crate::zk::Zk;
use crate::zk::write::{MultiError, WriteOp};

/// Operations per multi request; long paths make a batch smaller still (its encoded size stays
/// within the server's request limit).
pub const BATCH_OPS: usize = 200;
/// Passes over a tree that keeps changing before giving up.
const ATTEMPTS: usize = 3;
const OP: &str = "delete -r";

/// Counts the nodes of `root`'s subtree (`root` included), adding them to `counted` as they
/// are found (for a progress line). A node whose children may not be listed stops the count:
/// what is below it is unknown, and deleting it would be refused. With `root_may_vanish`, a
/// root that is gone counts 0.
pub async fn count_to_delete(
    zk: &Zk,
    client: &Client,
    root: &str,
    parallel: usize,
    root_may_vanish: bool,
    counted: &AtomicUsize,
) -> anyhow::Result<usize> {
    let mut walk = Walk::start(zk, client.clone(), OP, root, walk_options(parallel, root_may_vanish));
    let mut count = 0;
    while let Some(batch) = walk.next_batch().await? {
        if let Some(err) = batch.iter().find_map(not_listed) {
            return Err(err);
        }
        count += batch.len();
        counted.fetch_add(batch.len(), Ordering::Relaxed);
    }
    Ok(count)
}

/// What is left of a subtree being deleted (0 once its root is gone).
pub async fn count_remaining(zk: &Zk, client: &Client, root: &str) -> anyhow::Result<usize> {
    count_to_delete(zk, client, root, DEFAULT_PARALLEL, true, &AtomicUsize::new(0)).await
}

fn walk_options(parallel: usize, root_may_vanish: bool) -> WalkOptions {
    WalkOptions {
        parallel,
        root_may_vanish,
        ..WalkOptions::default()
    }
}

/// The refusal of a node whose children the server would not list.
fn not_listed(visit: &Visit) -> Option<anyhow::Error> {
    let err = visit.refused.clone()?;
    Some(ZkError::new(OP, visit.path.as_str(), err).into())
}

/// Deletes `root` and its subtree, children before parents; returns how many nodes went.
/// `progress` holds the subtree's count ([`count_to_delete`], then `Progress::recount`) and
/// counts the nodes deleted.
///
/// Concurrent changes (a node added or removed meanwhile) make a batch fail as a whole, and
/// so can a lost connection, after the batch was applied or not: either way what remains is
/// counted again, which also settles what went, and the rest deleted in a new pass, a few
/// times before giving up. Every error after the first batch was sent says how many went and
/// how many remain.
pub async fn delete_subtree(
    zk: &Zk,
    client: &Client,
    root: &str,
    parallel: usize,
    progress: &Progress,
) -> anyhow::Result<usize> {
    let mut attempt = 1;
    loop {
        let Some(failure) = delete_pass(zk, client, root, parallel.max(1), progress).await else {
            return Ok(progress.done());
        };
        // Every batch sent has been answered or failed by now, and the server applies one
        // session's requests in order: this count sees whatever of them landed.
        let remaining = match count_to_delete(zk, client, root, parallel, true, &AtomicUsize::new(0)).await {
            Ok(remaining) => remaining,
            Err(err) => return Err(cut_short(root, progress, err)),
        };
        progress.recount(remaining);
        if remaining == 0 {
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

/// Failures a new pass may get past: the tree changed under a batch (a node gone, or one
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

/// A batch sent, and its answer to come.
type Settling<'c> = Pin<Box<dyn Future<Output = (Vec<WriteOp>, Result<(), MultiError>)> + Send + 'c>>;

/// One pass: walks what is left of the subtree and deletes it as it goes; the first failure.
/// Returns only once every batch it sent was answered (or failed).
///
/// A batch refused because the tree changed (a node gone, a node added below a parent) does
/// not stop the pass: the batches after it still delete what they can (those holding the
/// parents of what was refused fail too), and the next pass deals with the rest. Anything
/// else stops sending.
async fn delete_pass(
    zk: &Zk,
    client: &Client,
    root: &str,
    parallel: usize,
    progress: &Progress,
) -> Option<anyhow::Error> {
    let before = progress.done();
    let started = Walk::start(zk, client.clone(), OP, root, walk_options(parallel, true));
    let seen = started.seen();
    let mut walk = Some(started);
    let mut order = PostOrder::default();
    let profile = zk.profile();
    let mut batches = Batcher::new(
        BATCH_OPS,
        profile.max_request_size,
        profile.chroot().map_or(0, str::len),
    );
    let mut complete = Vec::new();
    let mut in_flight: VecDeque<Settling<'_>> = VecDeque::new();
    let mut failure: Option<anyhow::Error> = None;
    loop {
        while in_flight.len() < parallel
            && let Some(ops) = batches.full.pop_front()
        {
            match zk.send_multi(client, &ops) {
                Ok(pending) => {
                    progress.sent(ops.len());
                    in_flight.push_back(Box::pin(async move {
                        let answer = zk.finish_multi(&ops, pending).await.map(|_| ());
                        (ops, answer)
                    }));
                }
                Err(err) => {
                    // Not sent (too large): nothing after it may go, as it holds children of
                    // what follows.
                    failure.get_or_insert(err.into_error(zk, OP, &ops, false));
                    batches.full.clear();
                    walk = None;
                }
            }
        }
        let walking = walk.is_some() && batches.full.is_empty();
        let busy = !in_flight.is_empty();
        let idle = !busy && !batches.current.is_empty();
        let oldest = async {
            match in_flight.front_mut() {
                Some(batch) => batch.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            (ops, answer) = oldest, if busy => {
                in_flight.pop_front();
                if settle(zk, &ops, answer, progress, &mut failure) {
                    batches.full.clear();
                    walk = None;
                }
            }
            visits = next_visits(&mut walk), if walking => match visits {
                Ok(Some(visits)) => {
                    progress.found(before + seen.load(Ordering::Relaxed));
                    for visit in visits {
                        if let Some(err) = not_listed(&visit) {
                            failure.get_or_insert(err);
                            batches.full.clear();
                            walk = None;
                            break;
                        }
                        order.visit(visit.path, visit.depth, &mut complete);
                        complete.drain(..).for_each(|path| batches.push(WriteOp::Delete { path, version: None }));
                    }
                }
                Ok(None) => {
                    walk = None;
                    order.finish(&mut complete);
                    complete.drain(..).for_each(|path| batches.push(WriteOp::Delete { path, version: None }));
                    batches.cut();
                }
                Err(err) => {
                    failure.get_or_insert(err);
                    batches.full.clear();
                    walk = None;
                }
            },
            // Nothing in flight and the walk has nothing ready yet: what is complete goes now
            // rather than wait for more.
            () = std::future::ready(()), if walking && idle => batches.cut(),
            else => return failure,
        }
    }
}

async fn next_visits(walk: &mut Option<Walk>) -> anyhow::Result<Option<Vec<Visit>>> {
    match walk {
        Some(walk) => walk.next_batch().await,
        None => Ok(None),
    }
}

/// Counts a batch's answer into `progress` and keeps the first failure; true when sending
/// must stop (anything but a tree that changed under the batch).
fn settle(
    zk: &Zk,
    ops: &[WriteOp],
    answer: Result<(), MultiError>,
    progress: &Progress,
    failure: &mut Option<anyhow::Error>,
) -> bool {
    let err = match answer {
        Ok(()) => {
            progress.confirmed(ops.len());
            return false;
        }
        Err(err) => err,
    };
    // A refused operation undoes its whole batch; any other failure leaves the batch in
    // doubt, for a count to settle.
    let changed = match &err {
        MultiError::Operation { source, .. } => {
            progress.refused(ops.len());
            matches!(source, zk::Error::NoNode | zk::Error::NotEmpty)
        }
        _ => false,
    };
    failure.get_or_insert_with(|| err.into_error(zk, OP, ops, false));
    !changed
}
