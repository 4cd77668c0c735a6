//! What a copy into a destination did, counted as it goes and shared with whoever reports a
//! stop: nodes created, changed, skipped (already identical, or ZooKeeper's own), and the batches sent without
//! an answer yet, which a stop settles one exists request each (a multi is all or nothing,
//! so its last node being there says the whole batch landed).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::progress::{Progress, StopReport};
use crate::zk::Zk;

/// The counts of one run, shared (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub created: Arc<AtomicUsize>,
    pub changed: Arc<AtomicUsize>,
    pub skipped: Arc<AtomicUsize>,
    /// ZooKeeper's own nodes (`/zookeeper` and below): the server's, skipped whatever they hold.
    pub zookeeper_own: Arc<AtomicUsize>,
    /// Create batches sent and not answered: id -> (the batch's last path, its size).
    unanswered: Arc<Mutex<HashMap<u64, (String, usize)>>>,
    next_id: Arc<AtomicU64>,
}

impl Tally {
    pub fn created(&self) -> usize {
        self.created.load(Ordering::Relaxed)
    }

    pub fn changed(&self) -> usize {
        self.changed.load(Ordering::Relaxed)
    }

    pub fn skipped(&self) -> usize {
        self.skipped.load(Ordering::Relaxed)
    }

    pub fn zookeeper_own(&self) -> usize {
        self.zookeeper_own.load(Ordering::Relaxed)
    }

    fn batches(&self) -> MutexGuard<'_, HashMap<u64, (String, usize)>> {
        // Plain inserts and removes, never left half-done: recover from a poisoned lock.
        self.unanswered.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A create batch of `n` nodes ending with `last` was sent; its id for [`Tally::answered`].
    pub fn sent(&self, last: &str, n: usize) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.batches().insert(id, (last.to_string(), n));
        id
    }

    /// Batch `id` was answered (applied: `created` true).
    pub fn answered(&self, id: u64, created: bool) {
        if let Some((_, n)) = self.batches().remove(&id)
            && created
        {
            self.created.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Settles the batches still unanswered (the server applies one session's requests in
    /// order: an exists sent now sees every batch sent before it); false if it could not.
    pub async fn settle(&self, zk: &Zk) -> bool {
        let batches: Vec<(u64, String)> = self
            .batches()
            .iter()
            .map(|(id, (last, _))| (*id, last.clone()))
            .collect();
        let Ok(client) = zk.client().await else {
            return batches.is_empty();
        };
        for (id, last) in batches {
            match zk.call("exists", &last, client.check_stat(&last)).await {
                Ok(found) => self.answered(id, found.is_some()),
                Err(_) => return false,
            }
        }
        true
    }

    /// The sentence a stop leaves: what was written, exactly once the batches in doubt are
    /// settled.
    pub fn summary(&self, unsure: bool) -> String {
        let doubt: usize = self.batches().values().map(|(_, n)| n).sum();
        let (created, changed, skipped) = (self.created(), self.changed(), self.skipped());
        let mut text = format!("{created} nodes created, {changed} changed, {skipped} already there");
        match self.zookeeper_own() {
            0 => {}
            own => text.push_str(&format!(", {own} of ZooKeeper's own skipped")),
        }
        if unsure && doubt > 0 {
            text.push_str(&format!(
                " (and up to {doubt} more created by batches whose answer never came)"
            ));
        }
        text
    }

    /// What a stop reports for this run: `interrupted: ...; a rerun skips what is there and
    /// finishes the job`.
    pub fn stop_report(&self, zk: &Zk, progress: &Progress) -> StopReport {
        let (tally, zk, progress) = (self.clone(), zk.clone(), progress.clone());
        StopReport(Arc::new(move || {
            let (tally, zk, _progress) = (tally.clone(), zk.clone(), progress.clone());
            Box::pin(async move {
                let settled = tally.settle(&zk).await;
                format!(
                    "interrupted: {}; a rerun skips what is there and finishes the job",
                    tally.summary(!settled)
                )
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answered_batches_count_and_unanswered_ones_are_bounds() {
        let tally = Tally::default();
        let a = tally.sent("/x/a", 200);
        let b = tally.sent("/x/b", 50);
        tally.answered(a, true);
        tally.skipped.fetch_add(3, Ordering::Relaxed);
        assert_eq!(
            tally.summary(true),
            "200 nodes created, 0 changed, 3 already there (and up to 50 more created by batches whose answer never came)"
        );
        tally.answered(b, false);
        assert_eq!(tally.summary(true), "200 nodes created, 0 changed, 3 already there");
        tally.zookeeper_own.fetch_add(3, Ordering::Relaxed);
        assert_eq!(
            tally.summary(true),
            "200 nodes created, 0 changed, 3 already there, 3 of ZooKeeper's own skipped"
        );
    }
}
