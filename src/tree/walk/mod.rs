//! The streaming walk: a subtree read with multi-read batches (getChildren, and getData when
//! asked), a bounded number in flight, handed out depth first (parents before children,
//! siblings sorted) as soon as each node is known. Memory holds the frontier (the child names
//! of the nodes on the current branch) and a bounded read-ahead, never the whole tree.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zookeeper_client::{self as zk, Client, Stat};

use crate::zk::Zk;
use walker::Walker;

/// Multi requests in flight at once unless `--parallel` says otherwise.
pub const DEFAULT_PARALLEL: usize = 8;
/// What a walk reads, and how hard it pushes the server.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Multi requests in flight at once (at least 1).
    pub parallel: usize,
    /// Read each node's data and stat too (getData), not only its children.
    pub data: bool,
    /// Visit nodes at most this many levels below the root (the root is depth 0).
    pub max_depth: Option<usize>,
    /// A root that does not exist is an empty walk, not an error (re-counting what is left
    /// of a subtree being deleted).
    pub root_may_vanish: bool,
}

impl Default for WalkOptions {
    fn default() -> WalkOptions {
        WalkOptions {
            parallel: DEFAULT_PARALLEL,
            data: false,
            max_depth: None,
            root_may_vanish: false,
        }
    }
}

/// One node, as the walk found it.
#[derive(Debug)]
pub struct Visit {
    pub path: String,
    /// Levels below the walk's root (the root is 0).
    pub depth: usize,
    /// No sibling comes after it (for drawing a tree).
    pub last: bool,
    /// How many children it has, when they were listed (not at the depth limit, not when
    /// the listing was refused).
    pub children: Option<usize>,
    /// Data and stat, when the walk reads data and the node could be read.
    pub node: Option<(Vec<u8>, Stat)>,
    /// A read the server refused (not authorized): the node exists, what is below it is unknown.
    pub refused: Option<zk::Error>,
}

/// A walk under way: visits come out of [`Walk::next`] in depth-first order. Dropping it
/// stops the walk.
pub struct Walk {
    visits: mpsc::Receiver<anyhow::Result<Vec<Visit>>>,
    ready: std::vec::IntoIter<Visit>,
    task: Option<JoinHandle<()>>,
    seen: Arc<AtomicUsize>,
}

impl Walk {
    /// Starts walking `root`; `op` names the command in errors.
    pub fn start(zk: &Zk, client: Client, op: &'static str, root: &str, options: WalkOptions) -> Walk {
        let (tx, visits) = mpsc::channel(4);
        let seen = Arc::new(AtomicUsize::new(0));
        let walker = Walker::new(zk.clone(), op, root.to_string(), options, Arc::clone(&seen));
        let task = tokio::spawn(async move {
            // The requests in flight borrow the client: it lives in this task.
            let client = client;
            if let Err(err) = walker.run(&client, &tx).await {
                tx.send(Err(err)).await.ok();
            }
        });
        Walk {
            visits,
            ready: Vec::new().into_iter(),
            task: Some(task),
            seen,
        }
    }

    /// The next node, or None when the walk is over.
    pub async fn next(&mut self) -> anyhow::Result<Option<Visit>> {
        loop {
            if let Some(visit) = self.ready.next() {
                return Ok(Some(visit));
            }
            match self.next_batch().await? {
                Some(batch) => self.ready = batch.into_iter(),
                None => return Ok(None),
            }
        }
    }

    /// The nodes found since the last call, in order, or None when the walk is over.
    pub async fn next_batch(&mut self) -> anyhow::Result<Option<Vec<Visit>>> {
        let rest: Vec<Visit> = self.ready.by_ref().collect();
        if !rest.is_empty() {
            return Ok(Some(rest));
        }
        match self.visits.recv().await {
            Some(batch) => batch.map(Some),
            None => match self.task.take() {
                // The walk ended without a word: it finished, unless it panicked.
                Some(task) => match task.await {
                    Ok(()) => Ok(None),
                    Err(err) => Err(anyhow::anyhow!("the tree walk stopped unexpectedly ({err})")),
                },
                None => Ok(None),
            },
        }
    }

    /// Nodes handed out so far (for a progress display).
    pub fn seen(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.seen)
    }
}

impl Drop for Walk {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Counts the nodes of `root`'s subtree (0 when it is gone and `root_may_vanish`).
pub async fn count_subtree(
    zk: &Zk,
    client: Client,
    op: &'static str,
    root: &str,
    options: WalkOptions,
) -> anyhow::Result<usize> {
    let mut walk = Walk::start(zk, client, op, root, options);
    let mut count = 0;
    while let Some(batch) = walk.next_batch().await? {
        count += batch.len();
    }
    Ok(count)
}

mod frontier;
mod requests;
mod schedule;
mod walker;
