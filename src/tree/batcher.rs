//! Writes cut into multi batches as they come (the deletes of `delete -r`, the creates of
//! `import` and `cp`): at most a number of operations each, within the request-size limit,
//! a full batch ready at once so it waits for no write still to be found.

use std::collections::VecDeque;

use crate::zk::limits;
use crate::zk::write::WriteOp;

/// Batches being filled, and those ready to send, in order.
pub struct Batcher {
    pub current: Vec<WriteOp>,
    bytes: usize,
    room: usize,
    chroot: usize,
    most_ops: usize,
    pub full: VecDeque<Vec<WriteOp>>,
}

impl Batcher {
    /// Batches of at most `most_ops` operations and `limit` bytes, paths reaching the server
    /// `chroot` bytes longer.
    pub fn new(most_ops: usize, limit: usize, chroot: usize) -> Batcher {
        Batcher {
            current: Vec::with_capacity(most_ops),
            bytes: 0,
            // What an empty multi costs is what is left of the limit for its operations.
            room: limit.saturating_sub(limits::multi_size(&[], chroot)),
            chroot,
            most_ops,
            full: VecDeque::new(),
        }
    }

    pub fn push(&mut self, op: WriteOp) {
        let cost = limits::multi_op_size(&op, self.chroot);
        if !self.current.is_empty() && self.bytes + cost > self.room {
            self.cut();
        }
        self.bytes += cost;
        self.current.push(op);
        if self.current.len() == self.most_ops {
            self.cut();
        }
    }

    /// The batch being filled is complete (full, or nothing more will come soon).
    pub fn cut(&mut self) {
        if !self.current.is_empty() {
            let batch = std::mem::replace(&mut self.current, Vec::with_capacity(self.most_ops));
            self.full.push_back(batch);
            self.bytes = 0;
        }
    }

    /// Forgets every batch not sent yet.
    pub fn clear(&mut self) {
        self.current.clear();
        self.full.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(batches: &Batcher) -> Vec<usize> {
        batches.full.iter().map(Vec::len).collect()
    }

    fn delete(path: String) -> WriteOp {
        WriteOp::Delete { path, version: None }
    }

    #[test]
    fn a_batch_goes_once_full_and_within_the_request_limit() {
        let mut batches = Batcher::new(200, limits::DEFAULT_MAX_REQUEST, 0);
        for n in 0..450 {
            batches.push(delete(format!("/a/n{n:03}")));
        }
        // Full batches are cut at once, without waiting for a next node.
        assert_eq!(sizes(&batches), [200, 200]);
        assert_eq!(batches.current.len(), 50);
        batches.cut();
        assert_eq!(sizes(&batches), [200, 200, 50]);
        batches.cut();
        assert_eq!(sizes(&batches).len(), 3, "nothing left to cut");

        // Long paths: fewer per batch, each batch within the limit, in order.
        let mut batches = Batcher::new(200, 10_000, 4);
        let long = "x".repeat(1_000);
        for n in 0..25 {
            batches.push(delete(format!("/{long}/{n:02}")));
        }
        batches.cut();
        let all: Vec<&WriteOp> = batches.full.iter().flatten().collect();
        assert_eq!(all.len(), 25);
        assert_eq!(all[0].path(), format!("/{long}/00"));
        assert_eq!(all[24].path(), format!("/{long}/24"));
        for batch in &batches.full {
            assert!(limits::multi_size(batch, 4) <= 10_000, "{} ops", batch.len());
        }
        assert!(batches.full.len() >= 3);
    }
}
