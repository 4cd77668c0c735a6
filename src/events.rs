//! Connection-state events: a listener task per client turns `StateWatcher` changes into
//! `ShellEvent`s on one channel; a printer (REPL or stderr) shows them.

use tokio::sync::mpsc;
use zookeeper_client::SessionState;

use crate::watch::WatchEvent;
use crate::watch::render::watch_event_text;

/// Something to tell the user between commands.
#[derive(Debug, Clone)]
pub enum ShellEvent {
    State(ConnState),
    /// Connected again to the same session (its id) after the client had given up on it.
    Resumed(i64),
    /// A sentence from the shell itself (e.g. "new session after expiry").
    Notice(String),
    /// A watch fired.
    Watch(Box<WatchEvent>),
}

/// The seed's Kazoo listener states, with ZooKeeper's names beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    Connected,
    Suspended,
    Lost,
    AuthFailed,
    ReadOnly,
    Closed,
}

impl ConnState {
    pub fn from_session(state: SessionState) -> ConnState {
        match state {
            SessionState::SyncConnected => ConnState::Connected,
            SessionState::Disconnected => ConnState::Suspended,
            SessionState::Expired => ConnState::Lost,
            SessionState::AuthFailed => ConnState::AuthFailed,
            SessionState::ConnectedReadOnly => ConnState::ReadOnly,
            SessionState::Closed => ConnState::Closed,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConnState::Connected => "CONNECTED",
            ConnState::Suspended => "SUSPENDED",
            ConnState::Lost => "LOST",
            ConnState::AuthFailed => "AUTH_FAILED",
            ConnState::ReadOnly => "READ_ONLY",
            ConnState::Closed => "CLOSED",
        }
    }

    /// What the state means, in ZooKeeper's own terms.
    pub fn meaning(self) -> &'static str {
        match self {
            ConnState::Connected => "connected (SyncConnected)",
            ConnState::Suspended => "disconnected, session still alive; requests wait for the reconnect",
            ConnState::Lost => "session expired (Expired): ephemeral nodes and watches are gone",
            ConnState::AuthFailed => "authentication failed (AuthFailed)",
            ConnState::ReadOnly => "connected to a read-only server (ConnectedReadOnly): writes are refused",
            ConnState::Closed => "session closed (Closed)",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, ConnState::Lost | ConnState::AuthFailed | ConnState::Closed)
    }
}

impl ShellEvent {
    /// One line of text, without a newline.
    pub fn render(&self) -> String {
        match self {
            ShellEvent::State(state) => format!("[{}] {}", state.label(), state.meaning()),
            ShellEvent::Resumed(id) => format!(
                "[{}] session resumed (0x{id:x}): its ephemeral nodes, persistent watches and credentials are kept",
                ConnState::Connected.label()
            ),
            ShellEvent::Notice(text) => format!("[zksh] {text}"),
            ShellEvent::Watch(event) => watch_event_text(event),
        }
    }
}

pub type EventSender = mpsc::UnboundedSender<ShellEvent>;
pub type EventReceiver = mpsc::UnboundedReceiver<ShellEvent>;

pub fn channel() -> (EventSender, EventReceiver) {
    mpsc::unbounded_channel()
}
