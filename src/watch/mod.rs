//! Watches: the registry of what the shell watches (id, kind, path), the events they produce,
//! and where those events go (above the prompt, stderr, or a command's own stream).

pub mod oneshot;
pub mod render;
pub mod tasks;
pub mod until;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::events::{EventSender, ShellEvent};

/// What a watch follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// `watch path`: the node's data, through create/change/delete.
    Data,
    /// `watch -c path`: the node's children.
    Children,
    /// `watch -R path`: every node event below path (persistent recursive).
    Recursive,
    /// `addWatch -m PERSISTENT path`: raw node events (zkCli's persistent watch).
    Persistent,
    /// `get -w`, `stat -w`, `exists -w`, `ls -w`: ZooKeeper's one-shot watches.
    Oneshot(OneshotKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OneshotKind {
    /// `get -w`: data change or deletion.
    Data,
    /// `stat -w`, `exists -w`: creation, data change or deletion.
    Exists,
    /// `ls -w`: children change or deletion.
    Children,
}

impl WatchKind {
    pub fn label(self) -> &'static str {
        match self {
            WatchKind::Data => "data",
            WatchKind::Children => "children",
            WatchKind::Recursive => "recursive",
            WatchKind::Persistent => "persistent",
            WatchKind::Oneshot(OneshotKind::Data) => "oneshot-data",
            WatchKind::Oneshot(OneshotKind::Exists) => "oneshot-exists",
            WatchKind::Oneshot(OneshotKind::Children) => "oneshot-children",
        }
    }
}

/// What happened, in words close to ZooKeeper's event types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventName {
    /// The value when the watch started.
    Current,
    /// The node does not exist (yet): the watch waits for its creation.
    Absent,
    Created,
    Changed,
    Deleted,
    ChildrenChanged,
    /// The value re-read after a reconnect or a new session, so that nothing is silently missed.
    Resync,
    /// A recursive watch was disconnected: changes in the gap may not be reported.
    Gap,
    /// The watch could not go on.
    Failed(String),
}

impl EventName {
    pub fn label(&self) -> &str {
        match self {
            EventName::Current => "current",
            EventName::Absent => "absent",
            EventName::Created => "created",
            EventName::Changed => "changed",
            EventName::Deleted => "deleted",
            EventName::ChildrenChanged => "children",
            EventName::Resync => "resync",
            EventName::Gap => "gap",
            EventName::Failed(_) => "error",
        }
    }

    /// ZooKeeper's own name for the event, where there is one.
    pub fn zookeeper_name(&self) -> Option<&'static str> {
        match self {
            EventName::Created => Some("NodeCreated"),
            EventName::Changed => Some("NodeDataChanged"),
            EventName::Deleted => Some("NodeDeleted"),
            EventName::ChildrenChanged => Some("NodeChildrenChanged"),
            _ => None,
        }
    }

    /// Snapshots (the value at the start) are not changes: `--count` does not count them.
    pub fn is_change(&self) -> bool {
        !matches!(self, EventName::Current | EventName::Absent)
    }
}

#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub id: u32,
    pub kind: WatchKind,
    pub time: DateTime<Utc>,
    pub path: String,
    pub event: EventName,
    pub data: Option<Vec<u8>>,
    pub version: Option<i32>,
    pub children: Option<Vec<String>>,
    /// The transaction that caused the event, when the server says (3.9+).
    pub zxid: Option<i64>,
}

/// Where a watch's events go.
#[derive(Debug, Clone)]
pub enum WatchSink {
    /// Printed by the shell (above the prompt, or on stderr), unless `printwatches off`.
    Shell {
        events: EventSender,
        print: Arc<AtomicBool>,
    },
    /// Consumed by a streaming command (`zksh watch ...` outside the REPL); bounded, so a
    /// watch waits for a slow reader instead of piling events up.
    Stream(mpsc::Sender<WatchEvent>),
    /// Consumed by `watch --exec`, one command run per event: unbounded, so the watch keeps
    /// reading events (and their values, as close to the change as it can) while a slow
    /// command runs.
    Queue(mpsc::UnboundedSender<WatchEvent>),
}

/// Builds and sends the events of one watch.
#[derive(Debug, Clone)]
pub struct Emitter {
    pub id: u32,
    pub kind: WatchKind,
    sink: WatchSink,
}

impl Emitter {
    pub fn new(id: u32, kind: WatchKind, sink: WatchSink) -> Emitter {
        Emitter { id, kind, sink }
    }

    pub fn event(&self, path: &str, event: EventName) -> WatchEvent {
        WatchEvent {
            id: self.id,
            kind: self.kind,
            time: Utc::now(),
            path: path.to_string(),
            event,
            data: None,
            version: None,
            children: None,
            zxid: None,
        }
    }

    pub async fn send(&self, event: WatchEvent) {
        match &self.sink {
            WatchSink::Shell { events, print } => {
                if print.load(Ordering::SeqCst) {
                    events.send(ShellEvent::Watch(Box::new(event))).ok();
                }
            }
            WatchSink::Stream(stream) => {
                stream.send(event).await.ok();
            }
            WatchSink::Queue(queue) => {
                queue.send(event).ok();
            }
        }
    }
}

/// A one-shot watch served from a recursive watch's events instead of the server
/// (ZOOKEEPER-4466: a server one-shot watch under a recursive one silences the recursive one).
#[derive(Debug, Clone)]
pub struct Tap {
    pub emitter: Emitter,
    pub registry: WatchRegistry,
    pub path: String,
    pub kind: OneshotKind,
}

pub type Taps = Arc<Mutex<Vec<Tap>>>;

#[derive(Debug)]
pub struct WatchEntry {
    pub id: u32,
    pub kind: WatchKind,
    pub path: String,
    abort: Option<AbortHandle>,
    /// For recursive watches: the one-shot watches it serves.
    taps: Option<Taps>,
    count: u32,
}

impl WatchEntry {
    fn info(&self) -> WatchInfo {
        WatchInfo {
            id: self.id,
            kind: self.kind,
            path: self.path.clone(),
            count: self.count,
        }
    }
}

#[derive(Debug, Default)]
struct RegistryInner {
    next_id: u32,
    entries: BTreeMap<u32, WatchEntry>,
}

/// The watches of this shell. Shared with the watch tasks so a fired one-shot watch can
/// remove itself.
#[derive(Debug, Clone, Default)]
pub struct WatchRegistry {
    inner: Arc<Mutex<RegistryInner>>,
    print: Arc<AtomicBool>,
}

/// A summary of one watch, for `watches`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WatchInfo {
    pub id: u32,
    #[serde(serialize_with = "render::kind_label")]
    pub kind: WatchKind,
    pub path: String,
    /// How many times it was set: a one-shot watch set again before it fired is the same watch
    /// (the server keeps one per path and kind), counted rather than added.
    pub count: u32,
}

impl WatchRegistry {
    pub fn new() -> WatchRegistry {
        let registry = WatchRegistry::default();
        registry.print.store(true, Ordering::SeqCst);
        registry
    }

    fn lock(&self) -> MutexGuard<'_, RegistryInner> {
        // Entries stay consistent even if a holder panicked: recover the guard.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn print_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.print)
    }

    pub fn set_printing(&self, on: bool) {
        self.print.store(on, Ordering::SeqCst);
    }

    pub fn is_printing(&self) -> bool {
        self.print.load(Ordering::SeqCst)
    }

    /// Reserves an id and records the watch; the task's abort handle is attached once spawned.
    pub fn register(&self, kind: WatchKind, path: &str, taps: Option<Taps>) -> u32 {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        inner.entries.insert(
            id,
            WatchEntry {
                id,
                kind,
                path: path.to_string(),
                abort: None,
                taps,
                count: 1,
            },
        );
        id
    }

    /// Counts one more setting of the one-shot watch of `kind` on `path`, if one is waiting to
    /// fire; false when there is none (then it is registered anew).
    pub fn set_again(&self, kind: WatchKind, path: &str) -> bool {
        let mut inner = self.lock();
        let waiting = inner
            .entries
            .values_mut()
            .find(|e| e.kind == kind && e.path == path && matches!(kind, WatchKind::Oneshot(_)));
        match waiting {
            Some(entry) => {
                entry.count = entry.count.saturating_add(1);
                true
            }
            None => false,
        }
    }

    pub fn attach(&self, id: u32, abort: AbortHandle) {
        if let Some(entry) = self.lock().entries.get_mut(&id) {
            entry.abort = Some(abort);
        }
    }

    /// Forgets a watch that ended by itself (a fired one-shot watch).
    pub fn forget(&self, id: u32) {
        self.lock().entries.remove(&id);
    }

    pub fn list(&self) -> Vec<WatchInfo> {
        self.lock().entries.values().map(WatchEntry::info).collect()
    }

    /// The taps of a recursive watch covering `path` (the path itself or an ancestor).
    pub fn recursive_cover(&self, path: &str) -> Option<Taps> {
        self.lock()
            .entries
            .values()
            .filter(|e| e.kind == WatchKind::Recursive && covers(&e.path, path))
            .find_map(|e| e.taps.clone())
    }

    /// Stops watches and drops their server-side watches; returns what was removed.
    pub fn remove(&self, selector: impl Fn(&WatchInfo) -> bool) -> Vec<WatchInfo> {
        let mut inner = self.lock();
        let ids: Vec<u32> = inner
            .entries
            .values()
            .filter(|e| selector(&e.info()))
            .map(|e| e.id)
            .collect();
        let mut removed = Vec::new();
        for id in ids {
            if let Some(entry) = inner.entries.remove(&id) {
                if let Some(abort) = &entry.abort {
                    abort.abort();
                }
                removed.push(entry.info());
            }
        }
        // Taps of removed one-shot watches must not fire later.
        let removed_ids: Vec<u32> = removed.iter().map(|w| w.id).collect();
        for entry in inner.entries.values() {
            if let Some(taps) = &entry.taps {
                lock_taps(taps).retain(|t| !removed_ids.contains(&t.emitter.id));
            }
        }
        removed
    }
}

pub fn lock_taps(taps: &Taps) -> MutexGuard<'_, Vec<Tap>> {
    taps.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether a recursive watch on `root` sees events of `path`.
pub fn covers(root: &str, path: &str) -> bool {
    crate::path::is_within(path, root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursive_cover() {
        assert!(covers("/", "/a"));
        assert!(covers("/a", "/a"));
        assert!(covers("/a", "/a/b/c"));
        assert!(!covers("/a", "/ab"));
        assert!(!covers("/a/b", "/a"));
    }
}
