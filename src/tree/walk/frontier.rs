//! The walk's frontier: the sibling groups on the current branch, the replies waiting in
//! them to be handed out, and where each reply is filed.

use std::collections::VecDeque;

use zookeeper_client::{self as zk, Stat};

use crate::path::child_path;

/// The children of one node, still to be handed out.
pub(super) struct Group {
    /// None for the group holding only the root.
    pub(super) parent: Option<String>,
    pub(super) depth: usize,
    pub(super) names: Vec<String>,
    /// The next name to hand out.
    pub(super) next: usize,
    /// The next name to ask the server about.
    pub(super) sent: usize,
    /// Every name before this one was settled for reading ahead: its reply is in and its
    /// children were all asked about (or need not be). Where `next_keys` looks from.
    pub(super) settled: usize,
    /// Replies for the names from `next` on, as they come in (in any order).
    pub(super) ready: VecDeque<Option<Fetched>>,
}

impl Group {
    pub(super) fn new(parent: Option<String>, depth: usize, names: Vec<String>) -> Group {
        Group {
            parent,
            depth,
            names,
            next: 0,
            sent: 0,
            settled: 0,
            ready: VecDeque::new(),
        }
    }

    /// The group of a node's children, with what was read of them early.
    pub(super) fn below(
        parent: String,
        depth: usize,
        names: Vec<String>,
        early: VecDeque<Option<Fetched>>,
        sent: usize,
    ) -> Group {
        Group {
            parent: Some(parent),
            depth,
            names,
            next: 0,
            sent,
            settled: 0,
            ready: early,
        }
    }

    /// Files the reply for the name at `index` (asked about, not handed out yet).
    pub(super) fn file(&mut self, index: usize, fetched: Fetched) {
        let slot = index - self.next;
        if self.ready.len() <= slot {
            self.ready.resize_with(slot + 1, || None);
        }
        self.ready[slot] = Some(fetched);
    }

    /// The reply for the next name to hand out, if it is in.
    pub(super) fn take_next(&mut self) -> Option<Fetched> {
        match self.ready.front() {
            Some(Some(_)) => self.ready.pop_front().flatten(),
            _ => None,
        }
    }

    pub(super) fn path(&self, index: usize) -> String {
        match &self.parent {
            Some(parent) => child_path(parent, &self.names[index]),
            None => self.names[index].clone(),
        }
    }
}

/// Where a reply is filed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Slot {
    /// The name at `index` of the group at `group` on the stack.
    Node { group: usize, index: usize },
    /// Child `child` (in sorted order) of the node at `index` of group `group`, read while
    /// that node's reply waits to be handed out: the walk reads ahead across the boundary
    /// between one sibling's subtree and the next, so the pipeline never drains there.
    Early { group: usize, index: usize, child: usize },
}

/// A node asked about: where its reply goes, and what was asked.
pub(super) struct Key {
    pub(super) slot: Slot,
    pub(super) depth: usize,
    pub(super) path: String,
    pub(super) children: bool,
    pub(super) data: bool,
}

impl Key {
    pub(super) fn ops(&self) -> usize {
        usize::from(self.children) + usize::from(self.data)
    }
}

/// A getData reply: the data and stat, or why the node could not be read.
pub(super) type NodeRead = Result<(Vec<u8>, Stat), zk::Error>;

/// What the server said about one node.
pub(super) struct Fetched {
    pub(super) path: String,
    /// Sorted as they come in: early replies are filed by a child's place in this order.
    pub(super) children: Option<Result<Vec<String>, zk::Error>>,
    /// Boxed: most walks read no data, and a reply is moved several times on its way out.
    pub(super) node: Option<Box<NodeRead>>,
    /// What it weighs while it waits to be handed out.
    pub(super) bytes: usize,
    /// Replies for its first children, asked before it was handed out (`Slot::Early`), and
    /// how many children were asked about so far.
    pub(super) early: VecDeque<Option<Fetched>>,
    pub(super) early_sent: usize,
}

impl Fetched {
    /// Files the reply for its child at `child` (sorted order).
    pub(super) fn file_early(&mut self, child: usize, fetched: Fetched) {
        if self.early.len() <= child {
            self.early.resize_with(child + 1, || None);
        }
        self.early[child] = Some(fetched);
    }

    pub(super) fn new(path: String) -> Fetched {
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
