//! The streaming walk: a subtree read with multi-read batches (getChildren, and getData when
//! asked), a bounded number in flight, handed out depth first (parents before children,
//! siblings sorted) as soon as each node is known. Memory holds the frontier (the child names
//! of the nodes on the current branch) and a bounded read-ahead, never the whole tree.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zookeeper_client::{self as zk, Client, MultiReadResult, Stat};

use crate::errors::{ZkError, is_connection_error};
use crate::path::child_path;
use crate::zk::{Zk, limits};

/// Multi requests in flight at once unless `--parallel` says otherwise.
pub const DEFAULT_PARALLEL: usize = 8;
/// Read operations per multi request (fewer for long paths: the request-size limit).
const BATCH_OPS: usize = 200;
/// Replies read ahead of what was handed out, in bytes (estimated for batches in flight):
/// what keeps memory flat when every parent has thousands of children.
const AHEAD_BYTES: usize = 2 << 20;
/// What a node's reply is guessed to weigh at a depth not seen yet.
const FIRST_GUESS: f64 = 256.0;
/// Nodes in the one batch that probes a depth not seen yet: few, as each may have thousands of
/// children (32 parents of 10,000 children each took a walk of a million nodes to 30 MB).
const PROBE_NODES: usize = 4;
/// What a batch may read ahead when nothing else is in flight, whatever is held already.
const IDLE_BYTES: usize = 1 << 20;
/// Visits handed over at once: fewer channel hand-offs (and thread wake-ups) on a fast walk.
const HANDOFF: usize = 1024;
/// Visits worth handing over early, while the walk waits on the network.
const EARLY_HANDOFF: usize = 128;
/// Attempts at a batch whose connection dropped (reads are safe to repeat).
const ATTEMPTS: u8 = 3;

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

/// The children of one node, still to be handed out.
struct Group {
    /// None for the group holding only the root.
    parent: Option<String>,
    depth: usize,
    names: Vec<String>,
    /// The next name to hand out.
    next: usize,
    /// The next name to ask the server about.
    sent: usize,
    /// Replies for the names from `next` on, as they come in (in any order).
    ready: VecDeque<Option<Fetched>>,
}

impl Group {
    fn new(parent: Option<String>, depth: usize, names: Vec<String>) -> Group {
        Group {
            parent,
            depth,
            names,
            next: 0,
            sent: 0,
            ready: VecDeque::new(),
        }
    }

    /// The group of a node's children, with what was read of them early.
    fn below(parent: String, depth: usize, names: Vec<String>, early: VecDeque<Option<Fetched>>, sent: usize) -> Group {
        Group {
            parent: Some(parent),
            depth,
            names,
            next: 0,
            sent,
            ready: early,
        }
    }

    /// Files the reply for the name at `index` (asked about, not handed out yet).
    fn file(&mut self, index: usize, fetched: Fetched) {
        let slot = index - self.next;
        if self.ready.len() <= slot {
            self.ready.resize_with(slot + 1, || None);
        }
        self.ready[slot] = Some(fetched);
    }

    /// The reply for the next name to hand out, if it is in.
    fn take_next(&mut self) -> Option<Fetched> {
        match self.ready.front() {
            Some(Some(_)) => self.ready.pop_front().flatten(),
            _ => None,
        }
    }

    fn path(&self, index: usize) -> String {
        match &self.parent {
            Some(parent) => child_path(parent, &self.names[index]),
            None => self.names[index].clone(),
        }
    }
}

/// Where a reply is filed.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// The name at `index` of the group at `group` on the stack.
    Node { group: usize, index: usize },
    /// Child `child` (in sorted order) of the node at `index` of group `group`, read while
    /// that node's reply waits to be handed out: the walk reads ahead across the boundary
    /// between one sibling's subtree and the next, so the pipeline never drains there.
    Early { group: usize, index: usize, child: usize },
}

/// A node asked about: where its reply goes, and what was asked.
struct Key {
    slot: Slot,
    depth: usize,
    path: String,
    children: bool,
    data: bool,
}

impl Key {
    fn ops(&self) -> usize {
        usize::from(self.children) + usize::from(self.data)
    }
}

/// What the server said about one node.
struct Fetched {
    path: String,
    /// Sorted as they come in: early replies are filed by a child's place in this order.
    children: Option<Result<Vec<String>, zk::Error>>,
    node: Option<Result<(Vec<u8>, Stat), zk::Error>>,
    /// What it weighs while it waits to be handed out.
    bytes: usize,
    /// Replies for its first children, asked before it was handed out (`Slot::Early`), and
    /// how many children were asked about so far.
    early: VecDeque<Option<Fetched>>,
    early_sent: usize,
}

impl Fetched {
    /// Files the reply for its child at `child` (sorted order).
    fn file_early(&mut self, child: usize, fetched: Fetched) {
        if self.early.len() <= child {
            self.early.resize_with(child + 1, || None);
        }
        self.early[child] = Some(fetched);
    }

    fn new(path: String) -> Fetched {
        Fetched {
            path,
            children: None,
            node: None,
            bytes: 0,
            early: VecDeque::new(),
            early_sent: 0,
        }
    }
}

enum Reply {
    Children(Vec<String>),
    Data(Vec<u8>, Stat),
}

type Replies<'c> = Pin<Box<dyn Future<Output = Result<Vec<Result<Reply, zk::Error>>, zk::Error>> + Send + 'c>>;

struct InFlight<'c> {
    keys: Vec<Key>,
    reply: Replies<'c>,
    /// Bytes the replies are guessed to weigh.
    guess: usize,
    attempt: u8,
    /// Depths this batch probes (their weight was unknown when it was sent).
    probed: Vec<usize>,
    /// Sent as single requests (a server without multi-read, or a batch that failed whole).
    single: bool,
}

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

struct Walker {
    zk: Zk,
    op: &'static str,
    root: String,
    options: WalkOptions,
    seen: Arc<AtomicUsize>,
    /// Depth first: the last group is the deepest, handed out first.
    stack: Vec<Group>,
    /// Bytes held in the groups' replies not handed out yet.
    held: usize,
    /// Bytes guessed for the batches in flight.
    guessed: usize,
    /// Reply weight per node, by depth, from what came back so far.
    weight: Vec<Option<f64>>,
    /// Batches in flight that probe a depth whose weight is not known yet, by depth.
    probes: Vec<usize>,
    /// The server has no multi-read (older than 3.6): one request per read, pipelined.
    single_requests: bool,
}

impl Walker {
    fn new(zk: Zk, op: &'static str, root: String, options: WalkOptions, seen: Arc<AtomicUsize>) -> Walker {
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

    async fn run<'c>(
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

    /// The next nodes to ask about, in the order they will be handed out: the deepest group
    /// first, then the ones below it on the stack; in each, its names not asked about yet,
    /// then the first children of the nodes whose replies wait to be handed out (read early,
    /// so that the next sibling's subtree is under way while this one finishes). Nodes that
    /// need no request (at the depth limit, no data asked) are settled here.
    ///
    /// Replies are read ahead within a byte budget, from what nodes at each depth were seen
    /// to weigh. A depth not seen yet is probed with one small batch first (a level of
    /// parents with a thousand children each weighs a hundred times a level of leaves). When
    /// nothing is in flight, a batch goes out whatever was read ahead: the node handed out
    /// next is in it, so the walk always moves.
    fn next_keys(&mut self, nothing_in_flight: bool) -> Vec<Key> {
        let mut budget = AHEAD_BYTES.saturating_sub(self.held + self.guessed);
        if nothing_in_flight {
            budget = budget.max(IDLE_BYTES);
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
            while self.stack[group].sent < self.stack[group].names.len() {
                let g = &self.stack[group];
                let (index, depth, path) = (g.sent, g.depth, g.path(g.sent));
                let slot = Slot::Node { group, index };
                if !self.asks(depth) {
                    // Listed by its parent a moment ago; nothing more to ask.
                    self.stack[group].sent += 1;
                    self.file(slot, Fetched::new(path));
                    continue;
                }
                if !self.admit(&mut batch, slot, depth, path) {
                    return batch.keys;
                }
                self.stack[group].sent += 1;
            }
            let (next, depth) = (self.stack[group].next, self.stack[group].depth);
            if !self.descends(depth) {
                continue;
            }
            for waiting in 0..self.stack[group].ready.len() {
                while let Some(Some(parent)) = self.stack[group].ready.get(waiting) {
                    let Some(Ok(names)) = &parent.children else {
                        break;
                    };
                    let child = parent.early_sent;
                    let Some(name) = names.get(child) else {
                        break;
                    };
                    let path = child_path(&parent.path, name);
                    let slot = Slot::Early {
                        group,
                        index: next + waiting,
                        child,
                    };
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
    fn descends(&self, depth: usize) -> bool {
        self.options.max_depth.is_none_or(|max| depth < max)
    }

    /// Adds a read of `path` to the batch; false when it does not fit (the request-size
    /// limit, the operations per batch, the read-ahead budget, a depth being probed).
    fn admit(&self, batch: &mut Batch, slot: Slot, depth: usize, path: String) -> bool {
        let first = batch.keys.is_empty();
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

    /// Files a reply where it belongs. An early child whose parent was handed out meanwhile
    /// goes to the parent's group, just above the parent's own.
    fn file(&mut self, slot: Slot, fetched: Fetched) {
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
    fn guess(&self, depth: usize) -> usize {
        self.weight.get(depth).copied().flatten().unwrap_or(FIRST_GUESS) as usize
    }

    fn learn(&mut self, depth: usize, bytes: usize) {
        if self.weight.len() <= depth {
            self.weight.resize(depth + 1, None);
        }
        let seen = bytes as f64;
        self.weight[depth] = Some(match self.weight[depth] {
            Some(old) => old * 0.9 + seen * 0.1,
            None => seen,
        });
    }

    /// Sends the reads for `keys`: one multi-read, or one request per read.
    fn send<'c>(&self, client: &'c Client, keys: &[Key], single: bool) -> anyhow::Result<Replies<'c>> {
        if single {
            type One<'c> = Pin<Box<dyn Future<Output = Result<Reply, zk::Error>> + Send + 'c>>;
            let mut requests: Vec<One<'c>> = Vec::with_capacity(keys.len() * 2);
            for key in keys {
                // Each request goes out when it is made: all of them are in flight at once.
                if key.data {
                    let request = client.get_data(&key.path);
                    requests.push(Box::pin(async move {
                        request.await.map(|(data, stat)| Reply::Data(data, stat))
                    }));
                }
                if key.children {
                    let request = client.list_children(&key.path);
                    requests.push(Box::pin(async move { request.await.map(Reply::Children) }));
                }
            }
            return Ok(Box::pin(async move {
                let mut replies = Vec::with_capacity(requests.len());
                for request in requests {
                    match request.await {
                        Err(err) if is_connection_error(&err) => return Err(err),
                        reply => replies.push(reply),
                    }
                }
                Ok(replies)
            }));
        }
        let mut reader = client.new_multi_reader();
        for key in keys {
            if key.data {
                reader
                    .add_get_data(&key.path)
                    .map_err(|e| ZkError::new(self.op, &key.path, e))?;
            }
            if key.children {
                reader
                    .add_get_children(&key.path)
                    .map_err(|e| ZkError::new(self.op, &key.path, e))?;
            }
        }
        let request = reader.commit();
        Ok(Box::pin(async move {
            let results = request.await?;
            Ok(results
                .into_iter()
                .map(|result| match result {
                    MultiReadResult::Data { data, stat } => Ok(Reply::Data(data, stat)),
                    MultiReadResult::Children { children } => Ok(Reply::Children(children)),
                    MultiReadResult::Error { err } => Err(err),
                    // The client's enum is non-exhaustive; nothing else answers a read.
                    _ => Err(zk::Error::Unimplemented),
                })
                .collect())
        }))
    }

    /// Waits for a batch and files its replies; a batch that failed whole is sent again,
    /// split, or as single requests, before the walk gives up.
    async fn receive<'c>(
        &mut self,
        client: &'c Client,
        batch: InFlight<'c>,
        in_flight: &mut VecDeque<InFlight<'c>>,
    ) -> anyhow::Result<()> {
        let InFlight {
            keys,
            reply,
            guess,
            attempt,
            single,
            probed,
        } = batch;
        self.guessed -= guess;
        for depth in probed {
            self.probes[depth] -= 1;
        }
        let first_path = keys
            .first()
            .map_or(self.root.as_str(), |key| key.path.as_str())
            .to_string();
        let replies = match tokio::time::timeout(self.zk.request_timeout(), reply).await {
            Ok(Ok(replies)) if replies.len() == keys.iter().map(Key::ops).sum::<usize>() => replies,
            Ok(Ok(_)) => anyhow::bail!(
                "{} {}: the server answered a batch of reads with the wrong number of replies",
                self.op,
                first_path
            ),
            Err(_) => return Err(self.zk.deadline_error(self.op, &first_path)),
            Ok(Err(err)) => {
                // Which retry, if any, gets past a batch that failed as a whole.
                // A server older than 3.6 answers a multi-read with Unimplemented and drops the
                // connection (its UnimplementedRequestProcessor); the session lives on, and
                // the client reconnects. From then on, every batch goes as single requests,
                // the ones that were in flight on that connection included.
                let single = single || self.single_requests;
                let retry = if matches!(err, zk::Error::Unimplemented) && !single {
                    self.single_requests = true;
                    vec![(keys, true)]
                } else if is_connection_error(&err) && attempt < ATTEMPTS {
                    vec![(keys, single)]
                } else if !is_connection_error(&err) && keys.len() > 1 {
                    let mut keys = keys;
                    let second = keys.split_off(keys.len() / 2);
                    vec![(keys, single), (second, single)]
                } else if !is_connection_error(&err) && !single {
                    vec![(keys, true)]
                } else {
                    return Err(ZkError::new(self.op, &first_path, err).into());
                };
                tracing::debug!(op = self.op, path = %first_path, error = %err, "a read batch failed whole; retrying");
                for (keys, single) in retry.into_iter().rev() {
                    let guess = keys.iter().map(|key| self.guess(key.depth)).sum();
                    self.guessed += guess;
                    let reply = self.send(client, &keys, single)?;
                    in_flight.push_front(InFlight {
                        keys,
                        reply,
                        guess,
                        attempt: attempt + 1,
                        single,
                        probed: Vec::new(),
                    });
                }
                return Ok(());
            }
        };
        let mut replies = replies.into_iter();
        for key in keys {
            let mut fetched = Fetched::new(key.path);
            if key.data {
                fetched.node = replies.next().map(|reply| match reply {
                    Ok(Reply::Data(data, stat)) => Ok((data, stat)),
                    Ok(Reply::Children(_)) => Err(zk::Error::MarshallingError),
                    Err(err) => Err(err),
                });
            }
            if key.children {
                fetched.children = replies.next().map(|reply| match reply {
                    // Sorted now: children read early are filed by their place in this order.
                    Ok(Reply::Children(mut names)) => {
                        names.sort_unstable();
                        Ok(names)
                    }
                    Ok(Reply::Data(..)) => Err(zk::Error::MarshallingError),
                    Err(err) => Err(err),
                });
            }
            let data_bytes = match &fetched.node {
                Some(Ok((data, _))) => data.len() + 80,
                _ => 16,
            };
            let names_bytes = match &fetched.children {
                Some(Ok(names)) => names.iter().map(|name| name.len() + 32).sum::<usize>(),
                _ => 16,
            };
            fetched.bytes = data_bytes + names_bytes + fetched.path.len();
            self.learn(key.depth, fetched.bytes);
            self.held += fetched.bytes;
            self.file(key.slot, fetched);
        }
        Ok(())
    }
}
