//! The watch tasks: each follows one watch across disconnections (re-reading the value after
//! a reconnect, since ZOOKEEPER-4698 loses events in the gap) and across session expiry (the
//! watch is added again on the new session and the value re-read).

use std::sync::Arc;

use tokio::sync::watch;
use zookeeper_client::{self as zk, AddWatchMode, Client, EventType, OneshotWatcher, SessionState, WatchedEvent};

use crate::connection::Connection;
use crate::path::parent_of;
use crate::watch::{Emitter, EventName, OneshotKind, Taps, WatchRegistry, lock_taps};

/// The next client whose session is usable; None once the shell closes.
async fn usable_client(clients: &mut watch::Receiver<Option<Client>>) -> Option<Client> {
    loop {
        let current = clients.borrow_and_update().clone();
        if let Some(client) = current {
            if !client.state().is_terminated() {
                return Some(client);
            }
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
        let client = usable_client(clients).await?;
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
                emit.send(emit.event(path, EventName::Failed(format!("cannot watch {path}: {err}"))));
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

/// `watch path`: the data and version now and after every change, deletion and re-creation.
pub async fn run_data(conn: Arc<Connection>, path: String, emit: Emitter) {
    let mut clients = conn.subscribe();
    let mut last_version: Option<i32> = None;
    let mut first = true;
    while let Some((client, mut watcher)) = add_watch(&conn, &mut clients, &path, AddWatchMode::Persistent, &emit).await
    {
        let reason = if first { EventName::Current } else { EventName::Resync };
        report_data(&client, &path, &emit, &mut last_version, reason, true).await;
        first = false;
        let mut disconnected = false;
        loop {
            let event = watcher.changed().await;
            match event.event_type {
                EventType::Session => match turn(&event, &mut disconnected) {
                    Turn::Reconnected => {
                        report_data(&client, &path, &emit, &mut last_version, EventName::Changed, false).await;
                    }
                    Turn::SessionGone => break,
                    Turn::Nothing => {}
                },
                EventType::NodeCreated => {
                    report_data(&client, &path, &emit, &mut last_version, EventName::Created, true).await;
                }
                EventType::NodeDataChanged => {
                    report_data(&client, &path, &emit, &mut last_version, EventName::Changed, true).await;
                }
                EventType::NodeDeleted => {
                    last_version = None;
                    emit.send(emit.event(&path, EventName::Deleted));
                }
                EventType::NodeChildrenChanged => {}
            }
        }
        if conn.is_closing() {
            return;
        }
    }
}

/// Reads the node and reports it; with `always` false only when the version moved.
async fn report_data(
    client: &Client,
    path: &str,
    emit: &Emitter,
    last_version: &mut Option<i32>,
    name: EventName,
    always: bool,
) {
    match client.get_data(path).await {
        Ok((data, stat)) => {
            if !always && *last_version == Some(stat.version) {
                return;
            }
            *last_version = Some(stat.version);
            let mut event = emit.event(path, name);
            event.data = Some(data);
            event.version = Some(stat.version);
            event.zxid = Some(stat.mzxid);
            emit.send(event);
        }
        Err(zk::Error::NoNode) => {
            let was_there = last_version.take().is_some();
            let name = match name {
                EventName::Current | EventName::Resync => EventName::Absent,
                _ if was_there || always => EventName::Deleted,
                _ => return,
            };
            emit.send(emit.event(path, name));
        }
        Err(err) => emit.send(emit.event(path, EventName::Failed(format!("cannot read {path}: {err}")))),
    }
}

/// `watch -c path`: the children now and whenever they change.
pub async fn run_children(conn: Arc<Connection>, path: String, emit: Emitter) {
    let mut clients = conn.subscribe();
    let mut last: Option<Vec<String>> = None;
    let mut first = true;
    while let Some((client, mut watcher)) = add_watch(&conn, &mut clients, &path, AddWatchMode::Persistent, &emit).await
    {
        let reason = if first { EventName::Current } else { EventName::Resync };
        report_children(&client, &path, &emit, &mut last, reason, true).await;
        first = false;
        let mut disconnected = false;
        loop {
            let event = watcher.changed().await;
            match event.event_type {
                EventType::Session => match turn(&event, &mut disconnected) {
                    Turn::Reconnected => {
                        report_children(&client, &path, &emit, &mut last, EventName::ChildrenChanged, false).await;
                    }
                    Turn::SessionGone => break,
                    Turn::Nothing => {}
                },
                EventType::NodeChildrenChanged | EventType::NodeCreated => {
                    report_children(&client, &path, &emit, &mut last, EventName::ChildrenChanged, true).await;
                }
                EventType::NodeDeleted => {
                    last = None;
                    emit.send(emit.event(&path, EventName::Deleted));
                }
                EventType::NodeDataChanged => {}
            }
        }
        if conn.is_closing() {
            return;
        }
    }
}

async fn report_children(
    client: &Client,
    path: &str,
    emit: &Emitter,
    last: &mut Option<Vec<String>>,
    name: EventName,
    always: bool,
) {
    match client.list_children(path).await {
        Ok(mut children) => {
            children.sort_unstable();
            if !always && last.as_ref() == Some(&children) {
                return;
            }
            *last = Some(children.clone());
            let mut event = emit.event(path, name);
            event.children = Some(children);
            emit.send(event);
        }
        Err(zk::Error::NoNode) => {
            if last.take().is_some() || always {
                let name = if matches!(name, EventName::Current | EventName::Resync) {
                    EventName::Absent
                } else {
                    EventName::Deleted
                };
                emit.send(emit.event(path, name));
            }
        }
        Err(err) => emit.send(emit.event(path, EventName::Failed(format!("cannot list {path}: {err}")))),
    }
}

/// `watch -R path` and `addWatch -m PERSISTENT|PERSISTENT_RECURSIVE`: raw node events.
/// A recursive watch also serves the one-shot watches placed below it (`taps`).
pub async fn run_raw(conn: Arc<Connection>, path: String, mode: AddWatchMode, emit: Emitter, taps: Option<Taps>) {
    let mut clients = conn.subscribe();
    let mut first = true;
    while let Some((_client, mut watcher)) = add_watch(&conn, &mut clients, &path, mode, &emit).await {
        if !first {
            emit.send(emit.event(&path, EventName::Resync));
        }
        first = false;
        let mut disconnected = false;
        loop {
            let event = watcher.changed().await;
            let name = match event.event_type {
                EventType::Session => {
                    match turn(&event, &mut disconnected) {
                        Turn::Reconnected => emit.send(emit.event(&path, EventName::Gap)),
                        Turn::SessionGone => break,
                        Turn::Nothing => {}
                    }
                    continue;
                }
                EventType::NodeCreated => EventName::Created,
                EventType::NodeDataChanged => EventName::Changed,
                EventType::NodeDeleted => EventName::Deleted,
                EventType::NodeChildrenChanged => EventName::ChildrenChanged,
            };
            if let Some(taps) = &taps {
                fire_taps(taps, &event.path, &name);
            }
            let mut out = emit.event(&event.path, name);
            out.zxid = (event.zxid != WatchedEvent::NO_ZXID).then_some(event.zxid);
            emit.send(out);
        }
        if conn.is_closing() {
            return;
        }
    }
}

/// Fires the one-shot watches this recursive event would have fired on the server.
fn fire_taps(taps: &Taps, path: &str, name: &EventName) {
    let mut taps = lock_taps(taps);
    let mut fired = Vec::new();
    taps.retain(|tap| {
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
    drop(taps);
    for (emitter, registry, path, name) in fired {
        emitter.send(emitter.event(&path, name));
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
        EventType::Session => EventName::Failed(format!(
            "one-shot watch on {path} ended with the session ({:?})",
            event.session_state
        )),
    };
    let shown = if event.path.is_empty() {
        path.clone()
    } else {
        event.path.clone()
    };
    emit.send(emit.event(&shown, name));
    registry.forget(emit.id);
}
