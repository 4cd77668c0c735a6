//! Locks the REPL holds for the session (`lock PATH` without a command), until `unlock PATH`
//! or the shell ends; each in its own session, watched so that its loss is said at once and
//! the lost lock forgotten (no longer listed, and free to be taken again).

use tokio::task::JoinHandle;

use crate::events::{EventSender, ShellEvent};
use crate::recipes::lock::{Held, Kind};
use crate::zk::Zk;

#[derive(Debug)]
struct HeldLock {
    path: String,
    kind: Kind,
    held: Held,
    /// Says LOST above the prompt when the lock's session ends, and then finishes.
    watch: JoinHandle<()>,
}

/// The locks held, in the order they were taken.
#[derive(Debug, Default)]
pub struct HeldLocks {
    locks: Vec<HeldLock>,
}

impl HeldLocks {
    pub fn holds(&mut self, path: &str) -> bool {
        self.forget_lost();
        self.locks.iter().any(|lock| lock.path == path)
    }

    /// Keeps `held` until released; its loss is reported on `events`.
    pub fn keep(&mut self, path: String, kind: Kind, held: Held, events: EventSender) {
        let mut loss = held.session.loss();
        let (lost_path, node) = (path.clone(), held.node.clone());
        let watch = tokio::spawn(async move {
            let say = |text: String| {
                events
                    .send(ShellEvent::Notice(format!("lock {lost_path}: {text}")))
                    .ok();
            };
            let why = loss.lost(&say).await;
            let text = format!("LOCK LOST ({node}): {why}; another holder may take it now");
            say(text);
        });
        self.locks.push(HeldLock {
            path,
            kind,
            held,
            watch,
        });
    }

    /// (path, kind, node) of each lock held.
    pub fn list(&mut self) -> Vec<(String, Kind, String)> {
        self.forget_lost();
        self.locks
            .iter()
            .map(|lock| (lock.path.clone(), lock.kind, lock.held.node.clone()))
            .collect()
    }

    /// Releases the lock on `path`; false when none is held there.
    pub async fn release(&mut self, zk: &Zk, path: &str) -> bool {
        self.forget_lost();
        let Some(i) = self.locks.iter().position(|lock| lock.path == path) else {
            return false;
        };
        let lock = self.locks.remove(i);
        lock.watch.abort();
        lock.held.release(zk).await;
        true
    }

    /// Drops the locks whose session has ended (their watch said LOST and finished): the
    /// server removed their nodes with the session, so there is nothing left to release.
    fn forget_lost(&mut self) {
        self.locks.retain(|lock| !lock.watch.is_finished());
    }

    /// Releases every lock (the shell is closing).
    pub async fn release_all(&mut self, zk: &Zk) {
        for lock in self.locks.drain(..) {
            lock.watch.abort();
            lock.held.release(zk).await;
        }
    }
}
