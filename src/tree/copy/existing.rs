//! What a destination already holds, read by walking the destination subtree (data and stat,
//! in multi-read batches) in step with the incoming records: both come in walk order (parents
//! before children, siblings sorted), so one merge pass says, for each record, whether its
//! node is there and with what data, holding nothing but the walk's read-ahead.
//!
//! Why a merge walk rather than a check before each batch: into an empty destination (a
//! first import, the case the speed target is about) it costs one request and the creates go
//! at the server's write speed with no reads between them; into a full one it reads 200
//! nodes per request, the fastest read ZooKeeper has. A multi fails whole on NodeExists, so
//! knowing what is there before writing is what makes a rerun finish without errors.

use std::cmp::Ordering;

use zookeeper_client::{Client, Stat};

use crate::tree::walk::{Visit, Walk, WalkOptions};
use crate::zk::Zk;

/// A record's node at the destination.
#[derive(Debug)]
pub enum Found {
    Absent,
    Present {
        data: Vec<u8>,
        stat: Stat,
    },
    /// There, but the server would not let us read it.
    Unreadable,
}

/// The destination subtree, walked as far as the records have got.
pub struct Existing {
    walk: Option<Walk>,
    root: String,
    /// The next node of the walk, not yet matched.
    peeked: Option<Visit>,
}

impl Existing {
    /// Starts walking `root` (which may not exist: then everything is absent).
    pub fn start(zk: &Zk, client: Client, op: &'static str, root: &str, parallel: usize) -> Existing {
        let options = WalkOptions {
            parallel,
            data: true,
            root_may_vanish: true,
            ..WalkOptions::default()
        };
        Existing {
            walk: Some(Walk::start(zk, client, op, root, options)),
            root: root.to_string(),
            peeked: None,
        }
    }

    /// A destination known to be empty: nothing is read.
    pub fn empty(root: &str) -> Existing {
        Existing {
            walk: None,
            root: root.to_string(),
            peeked: None,
        }
    }

    /// The node at `rel` below the root. Records must come in walk order: the walk moves past
    /// every node before `rel`, which no later record may ask about.
    pub async fn find(&mut self, rel: &str) -> anyhow::Result<Found> {
        loop {
            let root_len = self.root.len();
            let Some(visit) = self.peek().await? else {
                return Ok(Found::Absent);
            };
            match walk_order(rel_at(root_len, &visit.path), rel) {
                Ordering::Less => self.peeked = None,
                Ordering::Greater => return Ok(Found::Absent),
                Ordering::Equal => {
                    let Some(visit) = self.peeked.take() else {
                        return Ok(Found::Absent);
                    };
                    return Ok(match visit.node {
                        Some((data, stat)) => Found::Present { data, stat },
                        None => Found::Unreadable,
                    });
                }
            }
        }
    }

    async fn peek(&mut self) -> anyhow::Result<Option<&Visit>> {
        if self.peeked.is_none() {
            let Some(walk) = self.walk.as_mut() else {
                return Ok(None);
            };
            match walk.next().await? {
                Some(visit) => self.peeked = Some(visit),
                None => self.walk = None,
            }
        }
        Ok(self.peeked.as_ref())
    }
}

/// `path` relative to `root` ("" for the root itself).
pub fn rel_of<'p>(root: &str, path: &'p str) -> &'p str {
    rel_at(root.len(), path)
}

/// `path` without its first `root_len` bytes (its root) and the slash after them.
fn rel_at(root_len: usize, path: &str) -> &str {
    let rest = path.get(root_len..).unwrap_or("");
    rest.strip_prefix('/').unwrap_or(rest)
}

/// The order of a depth-first walk with sorted siblings: component by component, a parent
/// before its children (`a` < `a/b` < `a-c`, where plain string order would put `a-c` first).
pub fn walk_order(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.split('/').cmp(b.split('/')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_order_puts_parents_first_and_compares_names_not_strings() {
        let mut rels = vec!["a-c", "a/b", "", "a", "b", "a/b/c", "a/a"];
        rels.sort_by(|x, y| walk_order(x, y));
        assert_eq!(rels, ["", "a", "a/a", "a/b", "a/b/c", "a-c", "b"]);
    }

    #[test]
    fn paths_are_made_relative_to_any_root() {
        assert_eq!(rel_of("/x", "/x"), "");
        assert_eq!(rel_of("/x", "/x/a/b"), "a/b");
        assert_eq!(rel_of("/", "/a"), "a");
        assert_eq!(rel_of("/", "/"), "");
    }
}
