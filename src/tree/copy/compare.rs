//! Two record streams compared by merging them: both come in the walk's order (parents
//! before children, siblings sorted), so one pass with one record of each side in hand says
//! which nodes only A has, which only B has, and which differ in data or ACL, with memory flat
//! in the trees' size. `diff` prints the differences; `mirror` applies them.

use std::cmp::Ordering;

use crate::tree::copy::file::walk_order;
use crate::tree::copy::{ExportReader, ReadTally, SubtreeReader};
use crate::tree::{AclEntry, NodeRecord};

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

/// How a node's ACL compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclCompared {
    Same,
    Different,
    /// A redacted entry (`digest:alice:x`) on either side stands where the entries could
    /// otherwise be the same: whether they are is unknown.
    Uncomparable,
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

/// ACLs compared as sets (the server keeps the order given, which means nothing). A
/// redacted entry matches an entry of the same scheme, user and permissions, whatever its
/// hash: all matched with one redacted among them is `Uncomparable`.
pub fn compare_acls(a: &[AclEntry], b: &[AclEntry]) -> AclCompared {
    if a.len() != b.len() {
        return AclCompared::Different;
    }
    let sorted = |acl: &[AclEntry]| {
        let mut entries: Vec<AclEntry> = acl.to_vec();
        entries.sort_by(|x, y| (&x.scheme, user(x), &x.perms, &x.id).cmp(&(&y.scheme, user(y), &y.perms, &y.id)));
        entries
    };
    let (a, b) = (sorted(a), sorted(b));
    let mut unsure = false;
    for (x, y) in a.iter().zip(&b) {
        if x.redacted || y.redacted {
            if x.scheme != y.scheme || user(x) != user(y) || x.perms != y.perms {
                return AclCompared::Different;
            }
            unsure = true;
        } else if x != y {
            return AclCompared::Different;
        }
    }
    if unsure {
        AclCompared::Uncomparable
    } else {
        AclCompared::Same
    }
}

/// The user part of a digest id (`alice` in `alice:hash`); the whole id otherwise.
fn user(entry: &AclEntry) -> &str {
    if entry.scheme == "digest" {
        entry.id.split(':').next().unwrap_or(&entry.id)
    } else {
        &entry.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(scheme: &str, id: &str, perms: &str) -> AclEntry {
        AclEntry {
            scheme: scheme.into(),
            id: id.into(),
            perms: perms.into(),
            redacted: scheme == "digest" && id.ends_with(":x"),
        }
    }

    #[test]
    fn acls_compare_as_sets_and_redacted_entries_are_not_guessed() {
        let world = entry("world", "anyone", "r");
        let alice = entry("digest", "alice:abc=", "cdrwa");
        let hidden = entry("digest", "alice:x", "cdrwa");
        assert_eq!(
            compare_acls(&[world.clone(), alice.clone()], &[alice.clone(), world.clone()]),
            AclCompared::Same
        );
        assert_eq!(
            compare_acls(std::slice::from_ref(&world), std::slice::from_ref(&alice)),
            AclCompared::Different
        );
        assert_eq!(
            compare_acls(&[world.clone(), alice.clone()], &[world.clone(), hidden.clone()]),
            AclCompared::Uncomparable
        );
        let bob = entry("digest", "bob:x", "cdrwa");
        assert_eq!(compare_acls(&[alice], &[bob]), AclCompared::Different);
        assert_eq!(
            compare_acls(std::slice::from_ref(&hidden), &[entry("digest", "alice:x", "r")]),
            AclCompared::Different
        );
    }
}
