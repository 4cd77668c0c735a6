//! The watch tasks: each follows one watch across disconnections (re-reading the value after
//! a reconnect, since ZOOKEEPER-4698 loses events in the gap) and across session expiry (the
//! watch is added again on the new session and the value re-read).

use std::sync::Arc;

use tokio::sync::watch;
use zookeeper_client::{self as zk, AddWatchMode, Client, EventType, OneshotWatcher, SessionState, WatchedEvent};

use crate::path::parent_of;
use crate::watch::{Emitter, EventName, OneshotKind, Taps, WatchRegistry, lock_taps};
use crate::zk::connection::Connection;

/// The next client whose session is usable; None once the shell closes or the session can
/// never come back (rejected credentials, or an expiry with renewal off).
async fn usable_client(conn: &Connection, clients: &mut watch::Receiver<Option<Client>>) -> Option<Client> {
    loop {
        let current = clients.borrow_and_update().clone();
        if let Some(client) = current {
            if !client.state().is_terminated() {
                return Some(client);
            }
        }
        if conn.is_closing() || conn.is_gone_for_good() {
            return None;
        }
        clients.changed().await.ok()?;
    }
}

/// Adds a persistent watch, waiting out connection trouble; None when the watch cannot be
/// placed for good (reported) or the shell closes.
async fn add_watch(
    conn: &Arc<Connection>,
    clients: &mut watch::Receiver<Option<Client>>,
    path: &str,
    mode: AddWatchMode,
    emit: &Emitter,
) -> Option<(Client, zk::PersistentWatcher)> {
    loop {
        let Some(client) = usable_client(conn, clients).await else {
            if !conn.is_closing() {
                let why = conn.state().map_or("closed", |state| state.label());
                emit.send(emit.event(path, EventName::Failed(format!("watch on {path} ended: session {why}"))))
                    .await;
            }
            return None;
        };
        match client.watch(path, mode).await {
            Ok(watcher) => return Some((client, watcher)),
            Err(err) if crate::errors::is_connection_error(&err) => {
                if conn.is_closing() {
                    return None;
                }
                // The session went while adding: wait for the next one.
                clients.changed().await.ok()?;
            }
            Err(err) => {
                emit.send(emit.event(path, EventName::Failed(format!("cannot watch {path}: {err}"))))
                    .await;
                return None;
            }
        }
    }
}

/// How a watch's connection changed, from a session event.
enum Turn {
    Nothing,
    Reconnected,
    SessionGone,
}

fn turn(event: &WatchedEvent, disconnected: &mut bool) -> Turn {
    match event.session_state {
        SessionState::Disconnected => {
            *disconnected = true;
            Turn::Nothing
        }
        SessionState::SyncConnected | SessionState::ConnectedReadOnly if *disconnected => {
            *disconnected = false;
            Turn::Reconnected
        }
        state if state.is_terminated() => Turn::SessionGone,
        _ => Turn::Nothing,
    }
}

/// Why a watch was (re)placed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    /// Same session, new connection (or a new client resuming it): events in the gap may be
    /// lost (ZOOKEEPER-4698).
    Reconnected,
    /// A new session after an expiry.
    NewSession,
}

/// What a kind of watch does with its phases and node events.
trait Follower {
    /// What a re-read after a reconnect reports when the value moved.
    const MOVED: EventName = EventName::Changed;

    /// Reads the watched value and reports it as `name` (with `always` false, only when it
    /// moved since the last report). Followers that report no value keep the default.
    async fn report(&mut self, _client: &Client, _name: EventName, _always: bool) {}

    async fn on_phase(&mut self, client: &Client, phase: Phase) {
        match phase {
            Phase::Start => self.report(client, EventName::Current, true).await,
            Phase::Reconnected => self.report(client, Self::MOVED, false).await,
            Phase::NewSession => self.report(client, EventName::Resync, true).await,
        }
    }

    async fn on_event(&mut self, client: &Client, event: &WatchedEvent);
}

/// A persistent watch the command placed before saying it was added: the client it was
/// placed with, and its watcher.
pub type Placed = (Client, zk::PersistentWatcher);

/// Keeps a persistent watch placed across reconnects and sessions, feeding `follower`.
///
/// After a reconnect the watch is added again: zookeeper-client 0.11.2 re-sends one-shot
/// watches on reconnect but not persistent ones (its `resend_watches` never selects
/// SetWatches2), so without this the server forgets the watch after a server restart. The
/// same holds for a session resumed on a new client after the old one gave up.
async fn follow(
    conn: Arc<Connection>,
    path: String,
    mode: AddWatchMode,
    emit: Emitter,
    placed: Placed,
    mut follower: impl Follower,
) {
    let mut clients = conn.subscribe();
    let mut phase = Phase::Start;
    let mut replaced: Option<zk::PersistentWatcher> = None;
    let mut next = Some(placed);
    while let Some((client, mut watcher)) = match next.take() {
        Some(placed) => Some(placed),
        None => add_watch(&conn, &mut clients, &path, mode, &emit).await,
    } {
        // Dropped only now, so the path never has zero watchers in between (that would make
        // the client remove the server-side watch).
        drop(replaced.take());
        follower.on_phase(&client, phase).await;
        let mut disconnected = false;
        phase = loop {
            let event = watcher.changed().await;
            if event.event_type == EventType::Session {
                match turn(&event, &mut disconnected) {
                    Turn::Reconnected => {
                        replaced = Some(watcher);
                        break Phase::Reconnected;
                    }
                    // Terminal: the watcher must not be polled again.
                    Turn::SessionGone => break Phase::NewSession,
                    Turn::Nothing => continue,
                }
            }
            follower.on_event(&client, &event).await;
        };
        if conn.is_closing() {
            return;
        }
        if phase == Phase::NewSession {
            // The client ended; whether the session did is for the server to say. Wait for
            // the verdict: a resumed session is a reconnect as far as the watch goes.
            let old = client.session_id();
            drop(client);
            match add_watch(&conn, &mut clients, &path, mode, &emit).await {
                Some(placed) => {
                    if placed.0.session_id() == old {
                        phase = Phase::Reconnected;
                    }
                    next = Some(placed);
                }
                None => return,
            }
        }
    }
}

/// What a persistent watch reports.
pub enum Watched {
    /// `watch path`: the data and version now and after every change, deletion and re-creation.
    Data,
    /// `watch -c path`: the children now and whenever they change.
    Children,
    /// `watch -R path` and `addWatch`: raw node events. A recursive watch also serves the
    /// one-shot watches placed below it (`taps`).
    Raw(Option<Taps>),
}

/// Follows a persistent watch the command placed, for as long as the shell runs.
pub async fn run_persistent(
    conn: Arc<Connection>,
    path: String,
    mode: AddWatchMode,
    emit: Emitter,
    placed: Placed,
    watched: Watched,
) {
    let (p, e) = (path.clone(), emit.clone());
    match watched {
        Watched::Data => {
            let follower = DataFollower {
                path: p,
                emit: e,
                last_version: None,
            };
            follow(conn, path, mode, emit, placed, follower).await;
        }
        Watched::Children => {
            let follower = ChildrenFollower {
                path: p,
                emit: e,
                last: None,
            };
            follow(conn, path, mode, emit, placed, follower).await;
        }
        Watched::Raw(taps) => {
            let follower = RawFollower { path: p, emit: e, taps };
            follow(conn, path, mode, emit, placed, follower).await;
        }
    }
}

struct DataFollower {
    path: String,
    emit: Emitter,
    last_version: Option<i32>,
}

impl Follower for DataFollower {
    /// Reads the node and reports it; with `always` false only when the version moved.
    async fn report(&mut self, client: &Client, name: EventName, always: bool) {
        let (path, emit) = (&self.path, &self.emit);
        match client.get_data(path).await {
            Ok((data, stat)) => {
                if !always && self.last_version == Some(stat.version) {
                    return;
                }
                self.last_version = Some(stat.version);
                let mut event = emit.event(path, name);
                event.data = Some(data);
                event.version = Some(stat.version);
                event.zxid = Some(stat.mzxid);
                emit.send(event).await;
            }
            // The node went before it could be read: the value reads read the *current*
            // state, so a create quickly undone shows as created (no data) then deleted.
            Err(zk::Error::NoNode) => match name {
                EventName::Current | EventName::Resync => {
                    self.last_version = None;
                    emit.send(emit.event(path, EventName::Absent)).await;
                }
                EventName::Created => {
                    // Present as far as events go; the NodeDeleted that follows reports the rest.
                    self.last_version = Some(-1);
                    emit.send(emit.event(path, EventName::Created)).await;
                }
                _ => self.report_gone().await,
            },
            Err(err) => {
                emit.send(emit.event(path, EventName::Failed(format!("cannot read {path}: {err}"))))
                    .await
            }
        }
    }

    async fn on_event(&mut self, client: &Client, event: &WatchedEvent) {
        match event.event_type {
            EventType::NodeCreated => self.report(client, EventName::Created, true).await,
            EventType::NodeDataChanged => self.report(client, EventName::Changed, true).await,
            EventType::NodeDeleted => self.report_gone().await,
            EventType::NodeChildrenChanged | EventType::Session => {}
        }
    }
}

impl DataFollower {
    /// Reports a deletion once, however many ways it was noticed (a read that found nothing,
    /// then the NodeDeleted event).
    async fn report_gone(&mut self) {
        if self.last_version.take().is_some() {
            self.emit.send(self.emit.event(&self.path, EventName::Deleted)).await;
        }
    }
}

struct ChildrenFollower {
    path: String,
    emit: Emitter,
    last: Option<Vec<String>>,
}

impl Follower for ChildrenFollower {
    const MOVED: EventName = EventName::ChildrenChanged;

    async fn report(&mut self, client: &Client, name: EventName, always: bool) {
        let (path, emit) = (&self.path, &self.emit);
        match client.list_children(path).await {
            Ok(mut children) => {
                children.sort_unstable();
                if !always && self.last.as_ref() == Some(&children) {
                    return;
                }
                self.last = Some(children.clone());
                let mut event = emit.event(path, name);
                event.children = Some(children);
                emit.send(event).await;
            }
            Err(zk::Error::NoNode) => {
                if matches!(name, EventName::Current | EventName::Resync) {
                    self.last = None;
                    emit.send(emit.event(path, EventName::Absent)).await;
                } else if self.last.take().is_some() {
                    emit.send(emit.event(path, EventName::Deleted)).await;
                }
            }
            Err(err) => {
                emit.send(emit.event(path, EventName::Failed(format!("cannot list {path}: {err}"))))
                    .await
            }
        }
    }

    async fn on_event(&mut self, client: &Client, event: &WatchedEvent) {
        match event.event_type {
            EventType::NodeChildrenChanged | EventType::NodeCreated => {
                self.report(client, EventName::ChildrenChanged, true).await;
            }
            // Once, however it was noticed (a listing that found nothing, then this event).
            EventType::NodeDeleted => {
                if self.last.take().is_some() {
                    self.emit.send(self.emit.event(&self.path, EventName::Deleted)).await;
                }
            }
            EventType::NodeDataChanged | EventType::Session => {}
        }
    }
}

struct RawFollower {
    path: String,
    emit: Emitter,
    taps: Option<Taps>,
}

impl Follower for RawFollower {
    async fn on_phase(&mut self, _client: &Client, phase: Phase) {
        match phase {
            Phase::Start => {}
            Phase::Reconnected => self.emit.send(self.emit.event(&self.path, EventName::Gap)).await,
            Phase::NewSession => self.emit.send(self.emit.event(&self.path, EventName::Resync)).await,
        }
    }

    async fn on_event(&mut self, _client: &Client, event: &WatchedEvent) {
        let name = match event.event_type {
            EventType::NodeCreated => EventName::Created,
            EventType::NodeDataChanged => EventName::Changed,
            EventType::NodeDeleted => EventName::Deleted,
            EventType::NodeChildrenChanged => EventName::ChildrenChanged,
            EventType::Session => return,
        };
        if let Some(taps) = &self.taps {
            fire_taps(taps, &event.path, &name).await;
        }
        let mut out = self.emit.event(&event.path, name);
        out.zxid = (event.zxid != WatchedEvent::NO_ZXID).then_some(event.zxid);
        self.emit.send(out).await;
    }
}

/// Fires the one-shot watches this recursive event would have fired on the server.
async fn fire_taps(taps: &Taps, path: &str, name: &EventName) {
    let mut fired = Vec::new();
    // The lock is let go before the events are sent (sending may wait).
    lock_taps(taps).retain(|tap| {
        let hit = match tap.kind {
            OneshotKind::Data => tap.path == path && matches!(name, EventName::Changed | EventName::Deleted),
            OneshotKind::Exists => tap.path == path,
            OneshotKind::Children => {
                (tap.path == path && *name == EventName::Deleted)
                    || (parent_of(path) == tap.path
                        && path != "/"
                        && matches!(name, EventName::Created | EventName::Deleted))
            }
        };
        if hit {
            let name = if tap.kind == OneshotKind::Children && tap.path != path {
                EventName::ChildrenChanged
            } else {
                name.clone()
            };
            fired.push((tap.emitter.clone(), tap.registry.clone(), tap.path.clone(), name));
        }
        !hit
    });
    for (emitter, registry, path, name) in fired {
        emitter.send(emitter.event(&path, name)).await;
        registry.forget(emitter.id);
    }
}

/// A server one-shot watch: one event, then the watch is used up.
pub async fn run_oneshot(watcher: OneshotWatcher, emit: Emitter, registry: WatchRegistry, path: String) {
    let event = watcher.changed().await;
    let name = match event.event_type {
        EventType::NodeCreated => EventName::Created,
        EventType::NodeDataChanged => EventName::Changed,
        EventType::NodeDeleted => EventName::Deleted,
        EventType::NodeChildrenChanged => EventName::ChildrenChanged,
        // The client that held it ended; even when the session itself is resumed on a new
        // client, the server forgot this watch with the old connection.
        EventType::Session => EventName::Failed(format!(
            "one-shot watch on {path} is gone with the client's connection ({}); set it again with -w",
            event.session_state
        )),
    };
    let shown = if event.path.is_empty() {
        path.clone()
    } else {
        event.path.clone()
    };
    emit.send(emit.event(&shown, name)).await;
    registry.forget(emit.id);
}
