//! A live subtree read as a stream of [`NodeRecord`]s: the tree engine's walk (children, data
//! and stat in multi-read batches) with each node's ACL fetched beside it. getACL is not in
//! multi-read, so it costs one request per node: those are pipelined, a bounded window of them
//! in flight, and records come out in the walk's order (parents before children, siblings
//! sorted) with memory flat in the tree's size.
//!
//! The getACL requests are spread over a few sessions (side sessions with the shell's
//! credentials, opened for the read): a node one of them does not find (a follower behind
//! the walk's server) is asked again on the walk's own session, which saw it, so nothing the
//! walk found is lost to a lagging server.
//!
//! Why every node's ACL is asked for: nothing a client sees proves a node's ACL without
//! asking. `aclVersion` 0 says the ACL was never *changed*, not what it was created with, and
//! a node's ACL owes nothing to its parent's.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zookeeper_client::{self as zk, Acl, Client, Stat};

use crate::errors::{ZkError, is_connection_error};
use crate::tree::{AclEntry, NodeRecord, Visit, Walk, WalkOptions};
use crate::zk::Zk;
use crate::zk::connection::{Connection, close_sessions};
pub use tally::{Named, ReadTally};

mod tally;

/// getACL requests in flight at once per session. The server stops reading a connection that
/// has more than its `globalOutstandingLimit` (1,000) requests waiting, so more buys nothing.
const ACL_WINDOW: usize = 1000;
/// Sessions the getACL requests are spread over, the shell's own included. The server answers
/// one session's reads one after the other and several sessions' side by side. On a 100k-node
/// tree (2 cores) one session took ~5 s, four ~2.2 s, eight ~1.6 s (`raw_tree walk --acl
/// --acl-sessions N`); eight stays far below the server's default maxClientCnxns (60 per
/// address). `ZKSH_ACL_SESSIONS` overrides it.
const ACL_SESSIONS: usize = 8;
/// Records handed over at once (fewer channel hand-offs on a fast read).
const HANDOFF: usize = 512;
/// Attempts at a getACL whose connection dropped (a read is safe to repeat).
const ATTEMPTS: u8 = 3;

/// What a subtree read takes.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Multi-read batches of the walk in flight at once.
    pub parallel: usize,
    /// Keep ephemeral nodes (else they are skipped and counted).
    pub include_ephemeral: bool,
}

/// A subtree being read: records come out of [`SubtreeReader::next`] in walk order.
/// Dropping it stops the read.
pub struct SubtreeReader {
    records: mpsc::Receiver<anyhow::Result<Vec<NodeRecord>>>,
    ready: std::vec::IntoIter<NodeRecord>,
    task: Option<JoinHandle<()>>,
    tally: Arc<Mutex<ReadTally>>,
    seen: Arc<AtomicUsize>,
}

impl SubtreeReader {
    /// Starts reading `root`'s subtree; `op` names the command in errors.
    pub fn start(zk: &Zk, client: Client, op: &'static str, root: &str, options: ReadOptions) -> SubtreeReader {
        let (tx, records) = mpsc::channel(4);
        let tally = Arc::new(Mutex::new(ReadTally::default()));
        let seen = Arc::new(AtomicUsize::new(0));
        let walk_options = WalkOptions {
            parallel: options.parallel,
            data: true,
            ..WalkOptions::default()
        };
        let walk = Walk::start(zk, client.clone(), op, root, walk_options);
        let reading = Reading {
            zk: zk.clone(),
            op,
            options,
            tally: Arc::clone(&tally),
            seen: Arc::clone(&seen),
            root: root.to_string(),
        };
        let side = Arc::clone(zk.connection());
        let task = tokio::spawn(async move {
            // The getACL requests in flight borrow the clients: they live in this task.
            let mut clients = vec![client];
            clients.extend(side_sessions(&side, &reading.root).await);
            if let Err(err) = reading.run(&clients, walk, &tx).await {
                tx.send(Err(err)).await.ok();
            }
            // Before the read says it is over: a one-shot run exits right after, and a session
            // not closed lingers on the server until it times out.
            close_sessions(clients.split_off(1), CLOSE_LIMIT).await;
        });
        SubtreeReader {
            records,
            ready: Vec::new().into_iter(),
            task: Some(task),
            tally,
            seen,
        }
    }

    /// The next record, or None when the subtree has been read.
    pub async fn next(&mut self) -> anyhow::Result<Option<NodeRecord>> {
        loop {
            if let Some(record) = self.ready.next() {
                return Ok(Some(record));
            }
            match self.next_batch().await? {
                Some(batch) => self.ready = batch.into_iter(),
                None => return Ok(None),
            }
        }
    }

    /// The records read since the last call, in order, or None when the read is over.
    pub async fn next_batch(&mut self) -> anyhow::Result<Option<Vec<NodeRecord>>> {
        let rest: Vec<NodeRecord> = self.ready.by_ref().collect();
        if !rest.is_empty() {
            return Ok(Some(rest));
        }
        match self.records.recv().await {
            Some(batch) => batch.map(Some),
            None => match self.task.take() {
                Some(task) => match task.await {
                    Ok(()) => Ok(None),
                    Err(err) => Err(anyhow::anyhow!("the subtree read stopped unexpectedly ({err})")),
                },
                None => Ok(None),
            },
        }
    }

    /// What the read met so far (complete once `next` returned None).
    pub fn tally(&self) -> ReadTally {
        self.tally.lock().map(|tally| tally.clone()).unwrap_or_default()
    }

    /// Records handed out so far (for a progress line).
    pub fn seen(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.seen)
    }
}

impl Drop for SubtreeReader {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Side sessions for the getACL requests, synced on `root` (caught up with the leader when
/// the read began); as many as could be opened, none when `ZKSH_ACL_SESSIONS=1`.
async fn side_sessions(connection: &Arc<Connection>, root: &str) -> Vec<Client> {
    let wanted = std::env::var("ZKSH_ACL_SESSIONS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(ACL_SESSIONS)
        .max(1);
    let mut opening = tokio::task::JoinSet::new();
    for _ in 1..wanted {
        let connection = Arc::clone(connection);
        let root = root.to_string();
        opening.spawn(async move {
            let client = connection.side_session().await?;
            client.sync(&root).await.ok()?;
            Some(client)
        });
    }
    let mut clients = Vec::new();
    while let Some(opened) = opening.join_next().await {
        clients.extend(opened.ok().flatten());
    }
    clients
}

/// How long closing the side sessions may take (the server answers at once; a lost one
/// expires on its own).
const CLOSE_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

type AclReply<'c> = Pin<Box<dyn Future<Output = Result<(Vec<Acl>, Stat), zk::Error>> + Send + 'c>>;

/// A node whose ACL was asked for: its visit and the request in flight.
struct Pending<'c> {
    path: String,
    data: Vec<u8>,
    stat: Stat,
    acl: AclReply<'c>,
    attempt: u8,
    /// The session asked: an index into the clients, 0 being the walk's own.
    via: usize,
}

/// What a getACL reply comes to: the ACL, or the node asked about again (attempt number).
enum Answer {
    Acl(Vec<Acl>),
    AskAgain(u8),
}

/// The read in its task.
struct Reading {
    zk: Zk,
    op: &'static str,
    options: ReadOptions,
    tally: Arc<Mutex<ReadTally>>,
    seen: Arc<AtomicUsize>,
    root: String,
}

impl Reading {
    async fn run<'c>(
        self,
        clients: &'c [Client],
        mut walk: Walk,
        tx: &mpsc::Sender<anyhow::Result<Vec<NodeRecord>>>,
    ) -> anyhow::Result<()> {
        let window = ACL_WINDOW * clients.len();
        let mut pending: VecDeque<Pending<'c>> = VecDeque::with_capacity(window + 1024);
        let mut out = Vec::with_capacity(HANDOFF);
        let mut walked = false;
        let mut asked = 0usize;
        loop {
            // Keep the window full: every request goes out when it is made.
            while !walked && pending.len() < window {
                match walk.next_batch().await? {
                    Some(visits) => {
                        for visit in visits {
                            if let Some(next) = self.ask(clients, asked % clients.len(), visit) {
                                pending.push_back(next);
                                asked += 1;
                            }
                        }
                    }
                    None => walked = true,
                }
                // Records ready go out while the walk is read: the first ones show at once.
                if out.len() >= HANDOFF && !self.hand_over(tx, &mut out).await {
                    return Ok(());
                }
            }
            let Some(next) = pending.pop_front() else {
                break;
            };
            if let Some(record) = self.answer(clients, next, &mut pending).await? {
                out.push(record);
                if out.len() >= HANDOFF && !self.hand_over(tx, &mut out).await {
                    return Ok(());
                }
            }
        }
        self.hand_over(tx, &mut out).await;
        Ok(())
    }

    /// Sends the records ready; false once nobody reads them.
    async fn hand_over(&self, tx: &mpsc::Sender<anyhow::Result<Vec<NodeRecord>>>, out: &mut Vec<NodeRecord>) -> bool {
        if out.is_empty() {
            return true;
        }
        let ready = std::mem::replace(out, Vec::with_capacity(HANDOFF));
        self.seen.fetch_add(ready.len(), Ordering::Relaxed);
        tx.send(Ok(ready)).await.is_ok()
    }

    /// Asks for a visited node's ACL; None for a node that gets no record (skipped or
    /// unreadable).
    fn ask<'c>(&self, clients: &'c [Client], via: usize, visit: Visit) -> Option<Pending<'c>> {
        let Some((data, stat)) = visit.node else {
            // The walk reads data, so only a refused read leaves a node without it.
            if visit.refused.is_some() {
                self.with_tally(|tally| tally.unreadable.add(&visit.path));
            }
            return None;
        };
        if crate::snapshot::serve::owned_by_session(stat.ephemeral_owner) && !self.options.include_ephemeral {
            self.with_tally(|tally| tally.ephemerals_skipped += 1);
            return None;
        }
        let acl = Box::pin(clients[via].get_acl(&visit.path));
        Some(Pending {
            path: visit.path,
            data,
            stat,
            acl,
            attempt: 1,
            via,
        })
    }

    /// Waits for the ACL of the node next in order; its record, or None for a node deleted
    /// meanwhile. A request lost with the connection is sent again at the front.
    async fn answer<'c>(
        &self,
        clients: &'c [Client],
        next: Pending<'c>,
        pending: &mut VecDeque<Pending<'c>>,
    ) -> anyhow::Result<Option<NodeRecord>> {
        let Pending {
            path,
            data,
            stat,
            acl,
            attempt,
            via,
        } = next;
        // Asked again on the walk's own session, first in line.
        let again = match tokio::time::timeout(self.zk.request_timeout(), acl).await {
            Err(_) => return Err(self.zk.deadline_error(self.op, &path)),
            Ok(Ok((acl, _))) => Answer::Acl(acl),
            // A side session lost, or on a server behind the walk's: the walk's session asks.
            Ok(Err(err)) if via != 0 && (err == zk::Error::NoNode || is_connection_error(&err)) => {
                Answer::AskAgain(attempt)
            }
            Ok(Err(zk::Error::NoNode)) => {
                self.with_tally(|tally| tally.vanished += 1);
                return Ok(None);
            }
            Ok(Err(zk::Error::NoAuth)) => {
                self.with_tally(|tally| tally.unreadable.add(&path));
                return Ok(None);
            }
            Ok(Err(err)) if is_connection_error(&err) && attempt < ATTEMPTS => Answer::AskAgain(attempt + 1),
            Ok(Err(err)) => return Err(ZkError::new(self.op, &path, err).into()),
        };
        let acl = match again {
            Answer::Acl(acl) => acl,
            Answer::AskAgain(attempt) => {
                let acl = Box::pin(clients[0].get_acl(&path));
                pending.push_front(Pending {
                    path,
                    data,
                    stat,
                    acl,
                    attempt,
                    via: 0,
                });
                return Ok(None);
            }
        };
        let rel = relative(&self.root, &path).to_string();
        let record = NodeRecord {
            rel,
            data,
            acl: acl.iter().map(AclEntry::from_acl).collect(),
            stat,
        };
        self.with_tally(|tally| {
            tally.records += 1;
            tally.saw(&record.stat);
            if record.has_redacted_acl() {
                tally.redacted.add(&path);
            }
        });
        Ok(Some(record))
    }

    fn with_tally(&self, update: impl FnOnce(&mut ReadTally)) {
        if let Ok(mut tally) = self.tally.lock() {
            update(&mut tally);
        }
    }
}

/// `path` relative to `root`: "" for the root, "a/b" for `<root>/a/b`.
pub fn relative<'p>(root: &str, path: &'p str) -> &'p str {
    if path.len() <= root.len() {
        return "";
    }
    let rest = &path[root.len()..];
    rest.strip_prefix('/').unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_any_root() {
        assert_eq!(relative("/x", "/x"), "");
        assert_eq!(relative("/x", "/x/a/b"), "a/b");
        assert_eq!(relative("/", "/"), "");
        assert_eq!(relative("/", "/a"), "a");
    }
}
