//! Two record streams compared by merging them: both come in the walk's order (parents
//! before children, siblings sorted), so one pass with one record of each side in hand says
//! which nodes only A has, which only B has, and which differ in data or ACL, with memory flat
//! in the trees' size. `diff` prints the differences; `mirror` applies them.

use std::cmp::Ordering;

use crate::tree::NodeRecord;
use crate::tree::copy::acl::{AclCompared, compare_acls};
use crate::tree::copy::file::walk_order;
use crate::tree::copy::{ExportReader, ReadTally, SubtreeReader};

/// Where records come from: a live subtree (this cluster or another) or an export file.
pub enum Source {
    Live(SubtreeReader),
    File(Box<ExportReader>),
}

impl Source {
    pub async fn next(&mut self) -> anyhow::Result<Option<NodeRecord>> {
        match self {
            Source::Live(reader) => reader.next().await,
            // A local file, read a buffered line at a time: no worth in a blocking-pool hop.
            Source::File(reader) => reader.next_record(),
        }
    }

    /// What a live read met (nodes it could not read, say); None for a file.
    pub fn tally(&self) -> Option<ReadTally> {
        match self {
            Source::Live(reader) => Some(reader.tally()),
            Source::File(_) => None,
        }
    }
}

/// One node that is not the same on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Only A has it (as `diff`'s `-`).
    Removed(NodeRecord),
    /// Only B has it (as `diff`'s `+`).
    Added(NodeRecord),
    /// Both have it; its data, its ACL, or both are not the same (or the ACL cannot be
    /// compared).
    Changed {
        a: NodeRecord,
        b: NodeRecord,
        data: bool,
        acl: AclCompared,
    },
}

impl Difference {
    /// The node's path relative to the compared roots.
    pub fn rel(&self) -> &str {
        match self {
            Difference::Removed(record) | Difference::Added(record) => &record.rel,
            Difference::Changed { a, .. } => &a.rel,
        }
    }
}

/// Two sources being merged: differences come out of [`Compare::next`] in walk order.
pub struct Compare {
    a: Source,
    b: Source,
    next_a: Option<NodeRecord>,
    next_b: Option<NodeRecord>,
    started: bool,
    /// Nodes found the same on both sides so far.
    pub same: usize,
}

impl Compare {
    pub fn new(a: Source, b: Source) -> Compare {
        Compare {
            a,
            b,
            next_a: None,
            next_b: None,
            started: false,
            same: 0,
        }
    }

    /// The next difference, or None once both sides are exhausted.
    pub async fn next(&mut self) -> anyhow::Result<Option<Difference>> {
        if !self.started {
            self.started = true;
            self.next_a = self.a.next().await?;
            self.next_b = self.b.next().await?;
        }
        loop {
            let order = match (&self.next_a, &self.next_b) {
                (None, None) => return Ok(None),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => walk_order(&a.rel, &b.rel),
            };
            // The side (or sides) whose record comes first in the walk's order moves on.
            let a = if order.is_le() { self.take_a().await? } else { None };
            let b = if order.is_ge() { self.take_b().await? } else { None };
            match (a, b) {
                (Some(a), None) => return Ok(Some(Difference::Removed(a))),
                (None, Some(b)) => return Ok(Some(Difference::Added(b))),
                (Some(a), Some(b)) => {
                    let data = a.data != b.data;
                    let acl = compare_acls(&a.acl, &b.acl);
                    if !data && acl == AclCompared::Same {
                        self.same += 1;
                        continue;
                    }
                    return Ok(Some(Difference::Changed { a, b, data, acl }));
                }
                (None, None) => return Ok(None),
            }
        }
    }

    async fn take_a(&mut self) -> anyhow::Result<Option<NodeRecord>> {
        let next = self.a.next().await?;
        Ok(std::mem::replace(&mut self.next_a, next))
    }

    async fn take_b(&mut self) -> anyhow::Result<Option<NodeRecord>> {
        let next = self.b.next().await?;
        Ok(std::mem::replace(&mut self.next_b, next))
    }

    /// The two sources, for what they met (once `next` returned None).
    pub fn sources(&self) -> (&Source, &Source) {
        (&self.a, &self.b)
    }
}
