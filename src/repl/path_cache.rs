//! Znode children for completion and highlighting, from a cache that a background task fills.
//! The editor thread never talks to the server: it asks, waits at most a moment, and uses
//! what the cache has, so Tab stays fast on a slow or dead server.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::zk::connection::Connection;

/// How long a listing is trusted before it is fetched again.
const FRESH_FOR: Duration = Duration::from_secs(5);
/// How long one listing may take in the background before it is given up.
const FETCH_DEADLINE: Duration = Duration::from_secs(2);

#[derive(Debug)]
struct Entry {
    children: Vec<String>,
    fetched: Instant,
    stale: bool,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, Entry>,
    pending: HashSet<String>,
    /// Bumped by [`PathCache::forget_all`]: a listing fetched before is of another cluster.
    epoch: u64,
}

#[derive(Debug, Clone)]
pub struct PathCache {
    state: Arc<(Mutex<State>, Condvar)>,
    requests: mpsc::UnboundedSender<String>,
}

impl PathCache {
    /// Starts the background fetcher on the current tokio runtime.
    pub fn start(conn: Arc<Connection>) -> PathCache {
        let (requests, mut rx) = mpsc::unbounded_channel::<String>();
        let state: Arc<(Mutex<State>, Condvar)> = Arc::default();
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Some(parent) = rx.recv().await {
                let epoch = lock_state(&shared.0).epoch;
                let listed = match conn.current() {
                    Some(client) => match tokio::time::timeout(FETCH_DEADLINE, client.list_children(&parent)).await {
                        Ok(Ok(mut children)) => {
                            children.sort_unstable();
                            Some(children)
                        }
                        Ok(Err(zookeeper_client::Error::NoNode)) => Some(Vec::new()),
                        _ => None,
                    },
                    None => None,
                };
                let (lock, ready) = &*shared;
                let mut state = lock_state(lock);
                state.pending.remove(&parent);
                if let Some(children) = listed.filter(|_| state.epoch == epoch) {
                    state.entries.insert(
                        parent,
                        Entry {
                            children,
                            fetched: Instant::now(),
                            stale: false,
                        },
                    );
                }
                ready.notify_all();
            }
        });
        PathCache { state, requests }
    }

    /// The children of `parent`: at once when fresh, else after a fetch of at most `wait`,
    /// else whatever older listing there is.
    pub fn children(&self, parent: &str, wait: Duration) -> Option<Vec<String>> {
        let (lock, ready) = &*self.state;
        let mut state = lock_state(lock);
        if let Some(entry) = state.entries.get(parent) {
            if !entry.stale && entry.fetched.elapsed() < FRESH_FOR {
                return Some(entry.children.clone());
            }
        }
        if state.pending.insert(parent.to_string()) && self.requests.send(parent.to_string()).is_err() {
            state.pending.remove(parent);
        }
        let deadline = Instant::now() + wait;
        while state.pending.contains(parent) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = match ready.wait_timeout(state, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        state.entries.get(parent).map(|e| e.children.clone())
    }

    /// Whether a path is known to exist (`Some(false)`: known absent), without waiting.
    pub fn known(&self, path: &str) -> Option<bool> {
        if path == "/" {
            return Some(true);
        }
        let (parent, name) = match path.rfind('/') {
            Some(0) => ("/", &path[1..]),
            Some(i) => (&path[..i], &path[i + 1..]),
            None => return None,
        };
        let (lock, _) = &*self.state;
        let state = lock_state(lock);
        state.entries.get(parent).map(|e| e.children.iter().any(|c| c == name))
    }

    /// Asks for a listing in the background without waiting (to warm the cache).
    pub fn prefetch(&self, parent: &str) {
        let (lock, _) = &*self.state;
        let mut state = lock_state(lock);
        let fresh = state
            .entries
            .get(parent)
            .is_some_and(|e| !e.stale && e.fetched.elapsed() < FRESH_FOR);
        if !fresh && state.pending.insert(parent.to_string()) && self.requests.send(parent.to_string()).is_err() {
            state.pending.remove(parent);
        }
    }

    /// After a command ran: listings may be out of date (kept, but fetched again when used).
    pub fn mark_stale(&self) {
        let (lock, _) = &*self.state;
        for entry in lock_state(lock).entries.values_mut() {
            entry.stale = true;
        }
    }

    /// After `connect` or `close`: every listing was of the old session's cluster, which Tab
    /// must not offer nor highlighting trust, even while the new one is being fetched.
    pub fn forget_all(&self) {
        let (lock, _) = &*self.state;
        let mut state = lock_state(lock);
        state.entries.clear();
        state.epoch += 1;
    }
}

fn lock_state(lock: &Mutex<State>) -> MutexGuard<'_, State> {
    lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
impl PathCache {
    /// A cache with no fetcher behind it, for tests of the pure parts.
    pub fn detached(requests: mpsc::UnboundedSender<String>) -> PathCache {
        PathCache {
            state: Arc::default(),
            requests,
        }
    }

    /// Files a listing as the fetcher would.
    pub fn insert(&self, parent: &str, children: &[&str]) {
        let (lock, _) = &*self.state;
        lock_state(lock).entries.insert(
            parent.to_string(),
            Entry {
                children: children.iter().map(|c| c.to_string()).collect(),
                fetched: Instant::now(),
                stale: false,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_listing_is_still_offered_but_a_forgotten_one_is_not() {
        let (requests, mut asked) = mpsc::unbounded_channel();
        let cache = PathCache::detached(requests);
        cache.insert("/", &["only-on-the-old-cluster"]);
        cache.mark_stale();
        assert_eq!(cache.known("/only-on-the-old-cluster"), Some(true));
        assert_eq!(
            cache.children("/", Duration::ZERO),
            Some(vec!["only-on-the-old-cluster".to_string()])
        );
        assert_eq!(
            asked.try_recv().ok().as_deref(),
            Some("/"),
            "a stale listing is fetched again"
        );
        cache.forget_all();
        assert_eq!(cache.known("/only-on-the-old-cluster"), None);
        assert_eq!(cache.children("/", Duration::ZERO), None);
    }
}
