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

use crate::tree::copy::file::walk_order;
use crate::tree::copy::read::relative;
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
    /// When kept (a mirror's sync): the nodes passed over, that no record named, in order.
    extras: Option<Vec<String>>,
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
            extras: None,
        }
    }

    /// A destination known to be empty: nothing is read.
    pub fn empty(root: &str) -> Existing {
        Existing {
            walk: None,
            root: root.to_string(),
            peeked: None,
            extras: None,
        }
    }

    /// The node at `rel` below the root. Records must come in walk order: the walk moves past
    /// every node before `rel`, which no later record may ask about.
    pub async fn find(&mut self, rel: &str) -> anyhow::Result<Found> {
        loop {
            let Some(visit) = peek(&mut self.walk, &mut self.peeked).await? else {
                return Ok(Found::Absent);
            };
            match walk_order(relative(&self.root, &visit.path), rel) {
                Ordering::Less => {
                    if let (Some(extras), Some(visit)) = (self.extras.as_mut(), self.peeked.take()) {
                        extras.push(visit.path);
                    }
                    self.peeked = None;
                }
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
}

impl Existing {
    /// Keeps the nodes no record names (for [`Existing::extras`]).
    pub fn keeping_extras(mut self) -> Existing {
        self.extras = Some(Vec::new());
        self
    }

    /// Every node no record named, in walk order (parents first), the rest of the walk
    /// included: what a sync deletes, in reverse.
    pub async fn extras(mut self) -> anyhow::Result<Vec<String>> {
        while let Some(visit) = peek(&mut self.walk, &mut self.peeked).await? {
            let path = visit.path.clone();
            self.peeked = None;
            if let Some(extras) = self.extras.as_mut() {
                extras.push(path);
            }
        }
        Ok(self.extras.unwrap_or_default())
    }
}

/// The next node of the walk, read if not read yet.
async fn peek<'v>(walk: &mut Option<Walk>, peeked: &'v mut Option<Visit>) -> anyhow::Result<Option<&'v Visit>> {
    if peeked.is_none() {
        let Some(running) = walk.as_mut() else {
            return Ok(None);
        };
        match running.next().await? {
            Some(visit) => *peeked = Some(visit),
            None => *walk = None,
        }
    }
    Ok(peeked.as_ref())
}
