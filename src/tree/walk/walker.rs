//! The walk itself, in its task: requests kept in flight, the replies filed into the
//! frontier, and visits handed out in depth-first order (which nodes to ask about next is
//! `schedule`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc;
use zookeeper_client::{self as zk, Client};

use super::frontier::{Fetched, Group, Slot};
use super::requests::InFlight;
use super::{Visit, WalkOptions};
use crate::errors::ZkError;
use crate::zk::Zk;

/// What a node's reply is guessed to weigh at a depth not seen yet.
const FIRST_GUESS: f64 = 256.0;
/// Visits handed over at once: fewer channel hand-offs (and thread wake-ups) on a fast walk.
const HANDOFF: usize = 1024;
/// Visits worth handing over early, while the walk waits on the network.
const EARLY_HANDOFF: usize = 128;
/// Attempts at a batch whose connection dropped (reads are safe to repeat).
pub(super) const ATTEMPTS: u8 = 3;

pub(super) struct Walker {
    pub(super) zk: Zk,
    pub(super) op: &'static str,
    pub(super) root: String,
    pub(super) options: WalkOptions,
    pub(super) seen: Arc<AtomicUsize>,
    /// Depth first: the last group is the deepest, handed out first.
    pub(super) stack: Vec<Group>,
    /// Bytes held in the groups' replies not handed out yet.
    pub(super) held: usize,
    /// Bytes guessed for the batches in flight.
    pub(super) guessed: usize,
    /// Reply weight per node, by depth, from what came back so far.
    pub(super) weight: Vec<Option<f64>>,
    /// Batches in flight that probe a depth whose weight is not known yet, by depth.
    pub(super) probes: Vec<usize>,
    /// The server has no multi-read (older than 3.6): one request per read, pipelined.
    pub(super) single_requests: bool,
}

impl Walker {
    pub(super) fn new(zk: Zk, op: &'static str, root: String, options: WalkOptions, seen: Arc<AtomicUsize>) -> Walker {
        let stack = vec![Group::new(None, 0, vec![root.clone()])];
        Walker {
            zk,
            op,
            root,
            options,
            seen,
            stack,
            held: 0,
            guessed: 0,
            weight: Vec::new(),
            probes: Vec::new(),
            single_requests: std::env::var_os("ZKSH_NO_MULTI_READ").is_some(),
        }
    }

    pub(super) async fn run<'c>(
        mut self,
        client: &'c Client,
        tx: &mpsc::Sender<anyhow::Result<Vec<Visit>>>,
    ) -> anyhow::Result<()> {
        let mut in_flight: VecDeque<InFlight<'c>> = VecDeque::new();
        let mut out = Vec::with_capacity(HANDOFF);
        let mut handed_over = false;
        loop {
            if self.hand_out(&mut out)? {
                break;
            }
            // Requests go out before the hand-over, which may wait for the reader.
            self.fill(client, &mut in_flight)?;
            if out.len() >= HANDOFF {
                let full = std::mem::replace(&mut out, Vec::with_capacity(HANDOFF));
                handed_over = true;
                if tx.send(Ok(full)).await.is_err() {
                    return Ok(());
                }
                continue;
            }
            let Some(batch) = in_flight.pop_front() else {
                if self.front_is_ready() {
                    // Settled without a request (at the depth limit): hand it out.
                    continue;
                }
                // Nothing asked and nothing ready: every node was handed out.
                break;
            };
            // Whatever is ready goes out before waiting on the network when there is enough
            // of it, or when nothing went out yet: the first lines of a long walk show at once.
            if out.len() >= EARLY_HANDOFF || (!out.is_empty() && !handed_over) {
                handed_over = true;
                let ready = std::mem::replace(&mut out, Vec::with_capacity(HANDOFF));
                if tx.send(Ok(ready)).await.is_err() {
                    return Ok(());
                }
            }
            self.receive(client, batch, &mut in_flight).await?;
        }
        if !out.is_empty() {
            tx.send(Ok(out)).await.ok();
        }
        Ok(())
    }

    /// Whether the node to hand out next is known already.
    fn front_is_ready(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|top| top.next == top.names.len() || matches!(top.ready.front(), Some(Some(_))))
    }

    /// Hands out every node whose reply is in, in order; true when the walk is complete.
    fn hand_out(&mut self, out: &mut Vec<Visit>) -> anyhow::Result<bool> {
        while out.len() < HANDOFF {
            let Some(top) = self.stack.last_mut() else {
                return Ok(true);
            };
            if top.next == top.names.len() {
                self.stack.pop();
                continue;
            }
            let Some(fetched) = top.take_next() else {
                return Ok(false);
            };
            let Fetched {
                path,
                children,
                node,
                bytes,
                early,
                early_sent,
            } = fetched;
            let node = node.map(|node| *node);
            self.held -= bytes;
            top.next += 1;
            let last = top.next == top.names.len();
            let depth = top.depth;
            let gone = matches!(children, Some(Err(zk::Error::NoNode))) || matches!(node, Some(Err(zk::Error::NoNode)));
            if gone {
                self.held -= early.iter().flatten().map(|e| e.bytes).sum::<usize>();
                // Deleted while we walked: skipped, unless it is the root.
                if depth == 0 && !self.options.root_may_vanish {
                    return Err(ZkError::new(self.op, &self.root, zk::Error::NoNode).into());
                }
                continue;
            }
            let mut refused = None;
            let node = match node {
                Some(Ok(node)) => Some(node),
                Some(Err(err)) => {
                    refused = Some(err);
                    None
                }
                None => None,
            };
            let children = match children {
                Some(Ok(names)) => Some(names),
                Some(Err(err)) => {
                    refused.get_or_insert(err);
                    None
                }
                None => None,
            };
            if depth == 0
                && let Some(err) = &refused
            {
                // Nothing below a root that cannot be read: the walk has nothing to say.
                return Err(ZkError::new(self.op, &self.root, err.clone()).into());
            }
            let count = children.as_ref().map(Vec::len);
            // Only a node with children to visit keeps its path (as their parent's).
            let path = match children.filter(|names| self.descends(depth) && !names.is_empty()) {
                Some(names) => {
                    let below = Group::below(path.clone(), depth + 1, names, early, early_sent);
                    self.stack.push(below);
                    path
                }
                None => {
                    self.held -= early.iter().flatten().map(|e| e.bytes).sum::<usize>();
                    path
                }
            };
            out.push(Visit {
                path,
                depth,
                last,
                children: count,
                node,
                refused,
            });
            self.seen.fetch_add(1, Ordering::Relaxed);
        }
        Ok(false)
    }

    /// Sends batches of the nodes to be handed out soonest until the window is full, the
    /// read-ahead budget is spent, or every known node was asked about.
    fn fill<'c>(&mut self, client: &'c Client, in_flight: &mut VecDeque<InFlight<'c>>) -> anyhow::Result<()> {
        let parallel = self.options.parallel.max(1);
        while in_flight.len() < parallel {
            let keys = self.next_keys(in_flight.is_empty());
            if keys.is_empty() {
                return Ok(());
            }
            let guess = keys.iter().map(|key| self.guess(key.depth)).sum();
            self.guessed += guess;
            let single = self.single_requests;
            let reply = self.send(client, &keys, single)?;
            let mut probed: Vec<usize> = keys.iter().map(|key| key.depth).collect();
            probed.dedup();
            probed.retain(|depth| self.weight.get(*depth).copied().flatten().is_none());
            for depth in &probed {
                if self.probes.len() <= *depth {
                    self.probes.resize(depth + 1, 0);
                }
                self.probes[*depth] += 1;
            }
            in_flight.push_back(InFlight {
                keys,
                reply,
                guess,
                attempt: 1,
                single,
                probed,
            });
        }
        Ok(())
    }

    /// Files a reply where it belongs. An early child whose parent was handed out meanwhile
    /// goes to the parent's group, just above the parent's own.
    pub(super) fn file(&mut self, slot: Slot, fetched: Fetched) {
        match slot {
            Slot::Node { group, index } => self.stack[group].file(index, fetched),
            Slot::Early { group, index, child } => {
                let g = &mut self.stack[group];
                if index >= g.next {
                    if let Some(Some(parent)) = g.ready.get_mut(index - g.next) {
                        parent.file_early(child, fetched);
                        return;
                    }
                } else if let Some(below) = self.stack.get_mut(group + 1)
                    && below.parent.as_deref() == Some(crate::path::parent_of(&fetched.path))
                    && child >= below.next
                {
                    below.file(child, fetched);
                    return;
                }
                // Its parent is gone from the walk (deleted meanwhile): so is the reply.
                self.held -= fetched.bytes;
            }
        }
    }

    /// What a node's replies at `depth` are guessed to weigh.
    pub(super) fn guess(&self, depth: usize) -> usize {
        self.weight.get(depth).copied().flatten().unwrap_or(FIRST_GUESS) as usize
    }

    pub(super) fn learn(&mut self, depth: usize, bytes: usize) {
        if self.weight.len() <= depth {
            self.weight.resize(depth + 1, None);
        }
        let seen = bytes as f64;
        self.weight[depth] = Some(match self.weight[depth] {
            Some(old) => old * 0.9 + seen * 0.1,
            None => seen,
        });
    }
}
