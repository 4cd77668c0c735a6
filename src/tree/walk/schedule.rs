//! Which nodes the walk asks about next, and in what batches: in the order they will be
//! handed out, within the read-ahead budget, the request-size limit and the operations per
//! multi, probing a depth not seen yet with a small batch first.

use super::frontier::{Fetched, Key, Slot};
use super::walker::Walker;
use crate::path::child_path;
use crate::zk::limits;

/// Read operations per multi request (fewer for long paths: the request-size limit).
const BATCH_OPS: usize = 200;
/// Replies read ahead of what was handed out, in bytes (estimated for batches in flight):
/// what keeps memory flat when every parent has thousands of children.
const AHEAD_BYTES: usize = 2 << 20;
/// Nodes in the one batch that probes a depth not seen yet: few, as each may have thousands of
/// children (32 parents of 10,000 children each took a walk of a million nodes to 30 MB).
const PROBE_NODES: usize = 4;
/// Read-ahead room a new batch waits for while others are in flight.
const MIN_BATCH_BYTES: usize = 64 << 10;
/// What a batch may read ahead when nothing else is in flight, whatever is held already.
const IDLE_BYTES: usize = 1 << 20;

/// A batch being put together by `next_keys`.
struct Batch {
    keys: Vec<Key>,
    ops: usize,
    bytes: usize,
    guess: usize,
    budget: usize,
    room: usize,
    chroot: usize,
    /// Nothing else is in flight.
    idle: bool,
}

impl Walker {
    /// The next nodes to ask about, in the order they will be handed out: the deepest group
    /// first, then the ones below it on the stack; in each, name by name, the name itself if
    /// it was not asked about yet, or the first children of a name whose reply waits to be
    /// handed out (read early, so that the next sibling's subtree is under way while this one
    /// finishes). Asking about siblings far ahead first would spend the read-ahead budget on
    /// replies that wait longest: the window of requests in flight would run half empty.
    /// Nodes that need no request (at the depth limit, no data asked) are settled here.
    ///
    /// Replies are read ahead within a byte budget, from what nodes at each depth were seen
    /// to weigh. A depth not seen yet is probed with one small batch first (a level of
    /// parents with a thousand children each weighs a hundred times a level of leaves). When
    /// nothing is in flight, a batch goes out whatever was read ahead: the node handed out
    /// next is in it, so the walk always moves.
    pub(super) fn next_keys(&mut self, nothing_in_flight: bool) -> Vec<Key> {
        let mut budget = AHEAD_BYTES.saturating_sub(self.held + self.guessed);
        if nothing_in_flight {
            budget = budget.max(IDLE_BYTES);
        } else if budget < MIN_BATCH_BYTES {
            // A batch that fits in what is left would be a handful of reads: each request
            // costs the server as much as the reads in it, so wait for room for a full one.
            return Vec::new();
        }
        let mut batch = Batch {
            keys: Vec::new(),
            ops: 0,
            bytes: 0,
            guess: 0,
            budget,
            room: self.zk.profile().max_request_size.saturating_sub(64),
            chroot: self.zk.profile().chroot().map_or(0, str::len),
            idle: nothing_in_flight,
        };
        for group in (0..self.stack.len()).rev() {
            let depth = self.stack[group].depth;
            let descends = self.descends(depth);
            // In the order the group is handed out: a name not asked about yet, or the first
            // children of a name whose reply waits (so reading ahead goes to what is handed
            // out soonest, not to siblings far ahead).
            let mut index = self.stack[group].next.max(self.stack[group].settled);
            // Whether every name from `settled` to `index` is settled: then so far is.
            let mut settled_so_far = true;
            while index < self.stack[group].names.len() {
                if settled_so_far {
                    self.stack[group].settled = index;
                }
                let g = &self.stack[group];
                if index == g.sent {
                    let path = g.path(index);
                    let slot = Slot::Node { group, index };
                    if !self.asks(depth) {
                        // Listed by its parent a moment ago; nothing more to ask.
                        self.stack[group].sent += 1;
                        self.file(slot, Fetched::new(path));
                    } else if self.admit(&mut batch, slot, depth, path) {
                        self.stack[group].sent += 1;
                        settled_so_far = false;
                    } else {
                        return batch.keys;
                    }
                    index += 1;
                    continue;
                }
                let waiting = index - g.next;
                while descends && let Some(Some(parent)) = self.stack[group].ready.get(waiting) {
                    let Some(Ok(names)) = &parent.children else {
                        break;
                    };
                    let child = parent.early_sent;
                    let Some(name) = names.get(child) else {
                        break;
                    };
                    let path = child_path(&parent.path, name);
                    let slot = Slot::Early { group, index, child };
                    let asks = self.asks(depth + 1);
                    if asks && !self.admit(&mut batch, slot, depth + 1, path.clone()) {
                        return batch.keys;
                    }
                    if let Some(Some(parent)) = self.stack[group].ready.get_mut(waiting) {
                        parent.early_sent += 1;
                    }
                    if !asks {
                        self.file(slot, Fetched::new(path));
                    }
                }
                settled_so_far &= !descends
                    || match self.stack[group].ready.get(waiting) {
                        Some(Some(parent)) => match &parent.children {
                            Some(Ok(names)) => parent.early_sent == names.len(),
                            _ => true,
                        },
                        _ => false,
                    };
                index += 1;
            }
            if settled_so_far {
                self.stack[group].settled = index;
            }
        }
        batch.keys
    }

    /// Whether a node at `depth` needs a request: its children, or its data.
    fn asks(&self, depth: usize) -> bool {
        self.options.data || self.lists(depth)
    }

    /// Whether a node at `depth` has its children listed (the root's always are: that is how
    /// the walk learns it exists).
    fn lists(&self, depth: usize) -> bool {
        depth == 0 || self.descends(depth)
    }

    /// Whether the walk goes below `depth`.
    pub(super) fn descends(&self, depth: usize) -> bool {
        self.options.max_depth.is_none_or(|max| depth < max)
    }

    /// Adds a read of `path` to the batch; false when it does not fit (the request-size
    /// limit, the operations per batch, the read-ahead budget, a depth being probed).
    fn admit(&self, batch: &mut Batch, slot: Slot, depth: usize, path: String) -> bool {
        let first = batch.keys.is_empty();
        if first {
            // Built once per batch, not grown one key at a time.
            batch.keys.reserve(BATCH_OPS);
        }
        if self.weight.get(depth).copied().flatten().is_none() {
            let probes_here = batch.keys.iter().filter(|key| key.depth == depth).count();
            let probed_elsewhere = self.probes.get(depth).is_some_and(|n| *n > 0);
            if probes_here >= PROBE_NODES || (probed_elsewhere && !(first && batch.idle)) {
                return false;
            }
        }
        let weight = self.guess(depth);
        // The node handed out next is always asked about, budget or not.
        if batch.guess + weight > batch.budget && !(first && batch.idle) {
            return false;
        }
        let key = Key {
            slot,
            depth,
            path,
            children: self.lists(depth),
            data: self.options.data,
        };
        let cost = key.ops() * limits::children_read_size(&key.path, batch.chroot);
        if !first && (batch.ops + key.ops() > BATCH_OPS || batch.bytes + cost > batch.room) {
            return false;
        }
        batch.ops += key.ops();
        batch.bytes += cost;
        batch.guess += weight;
        batch.keys.push(key);
        true
    }
}
