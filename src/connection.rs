//! The shared connection: the current client (replaced by a new session after an expiry),
//! the credentials to re-apply, and the state listener. The command loop and the watch tasks
//! both hold it, so a rebuilt session reaches the watches without the user typing anything.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use zookeeper_client::{self as zk, Client, SessionState};

use crate::errors::ShellError;
use crate::events::{ConnState, EventSender, ShellEvent};
use crate::zk::Profile;

/// Credentials given with `addauth`; kept to re-apply them on a new session.
/// Debug is hand-written so the secret never reaches a log or a panic message.
#[derive(Clone)]
struct Credential {
    scheme: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential({}:<redacted>)", self.scheme)
    }
}

#[derive(Debug)]
pub struct Connection {
    settings: Profile,
    credentials: Mutex<Vec<Credential>>,
    current: watch::Sender<Option<Client>>,
    /// One connect at a time: a command and the renewal task may both notice an expiry.
    connecting: tokio::sync::Mutex<()>,
    events: EventSender,
    closing: AtomicBool,
    /// Rebuild an expired session (REPL, or while persistent watches run) instead of failing.
    renew: AtomicBool,
}

impl Connection {
    pub fn new(settings: Profile, events: EventSender) -> Arc<Connection> {
        Arc::new(Connection {
            settings,
            credentials: Mutex::new(Vec::new()),
            current: watch::Sender::new(None),
            connecting: tokio::sync::Mutex::new(()),
            events,
            closing: AtomicBool::new(false),
            renew: AtomicBool::new(false),
        })
    }

    pub fn settings(&self) -> &Profile {
        &self.settings
    }

    pub fn events(&self) -> &EventSender {
        &self.events
    }

    pub fn set_renew(&self, renew: bool) {
        self.renew.store(renew, Ordering::SeqCst);
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// The client of the current session, without connecting.
    pub fn current(&self) -> Option<Client> {
        self.current.borrow().clone()
    }

    /// Notified whenever a new session replaces the old one.
    pub fn subscribe(&self) -> watch::Receiver<Option<Client>> {
        self.current.subscribe()
    }

    /// The connected client, connecting first if needed, and building a new session when the
    /// old one expired and renewal is on.
    pub async fn client(self: &Arc<Self>) -> anyhow::Result<Client> {
        if let Some(client) = self.usable() {
            return Ok(client);
        }
        let _one_at_a_time = self.connecting.lock().await;
        if let Some(client) = self.usable() {
            return Ok(client);
        }
        let renewal = self.current().is_some();
        let client = self.connect().await?;
        if renewal {
            let reapplied = if self.credentials_lock().is_empty() {
                ""
            } else {
                " (credentials re-applied)"
            };
            self.events
                .send(ShellEvent::Notice(format!(
                    "the session expired; new session 0x{:x} established{reapplied}. \
                     Ephemeral nodes and one-shot watches of the old session are gone; persistent watches are re-added.",
                    client.session_id().0
                )))
                .ok();
        }
        Ok(client)
    }

    /// The current client unless it is expired and due for renewal.
    fn usable(&self) -> Option<Client> {
        let client = self.current()?;
        let expired = client.state() == SessionState::Expired;
        (!(expired && self.renew.load(Ordering::SeqCst))).then_some(client)
    }

    fn credentials_lock(&self) -> std::sync::MutexGuard<'_, Vec<Credential>> {
        // A panic while holding this lock cannot leave the Vec half-updated: recover it.
        self.credentials.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn connect(self: &Arc<Self>) -> anyhow::Result<Client> {
        let s = &self.settings;
        let mut connector = s.connector();
        for c in self.credentials_lock().iter() {
            connector = connector.with_auth(&c.scheme, &c.secret);
        }
        let server = s.server.clone();
        let deadline = s.connect_timeout;
        let client = match tokio::time::timeout(deadline, connector.connect(&server)).await {
            Ok(Ok(client)) => client,
            Ok(Err(zk::Error::BadArguments(msg))) => {
                return Err(ShellError::usage(format!("invalid connect string '{server}': {msg}")));
            }
            Ok(Err(err)) => {
                let message = match err {
                    zk::Error::NoHosts => "no server answered (is ZooKeeper running there?)".to_string(),
                    other => other.to_string(),
                };
                return Err(ShellError::NoConnection {
                    op: "connect",
                    path: server,
                    message,
                }
                .into());
            }
            Err(_) => {
                return Err(ShellError::NoConnection {
                    op: "connect",
                    path: server,
                    message: format!("no session established within {}", human_duration(deadline)),
                }
                .into());
            }
        };
        self.spawn_state_listener(&client);
        self.current.send_replace(Some(client.clone()));
        Ok(client)
    }

    /// Forwards the client's state changes as events until a terminal state; after an expiry
    /// with renewal on, builds the new session in the background (so watches come back even
    /// when nobody types).
    fn spawn_state_listener(self: &Arc<Self>, client: &Client) {
        let mut watcher = client.state_watcher();
        let conn = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let state = ConnState::from_session(watcher.changed().await);
                let ours = state == ConnState::Closed && conn.is_closing();
                if !ours {
                    conn.events.send(ShellEvent::State(state)).ok();
                }
                if state == ConnState::Lost && conn.renew.load(Ordering::SeqCst) {
                    conn.renew_in_background().await;
                }
                if state.is_terminal() {
                    return;
                }
            }
        });
    }

    async fn renew_in_background(self: &Arc<Self>) {
        let mut pause = Duration::from_millis(250);
        while !self.is_closing() {
            if self.client().await.is_ok() {
                return;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    /// Adds credentials to the live session and remembers them for the next one.
    pub async fn add_auth(self: &Arc<Self>, scheme: &str, secret: Vec<u8>) -> anyhow::Result<()> {
        let client = self.client().await?;
        match tokio::time::timeout(self.settings.request_timeout, client.auth(scheme, &secret)).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(crate::errors::ZkError::new("addauth", scheme, err).into()),
            Err(_) => return Err(deadline_error(&self.settings, "addauth", scheme)),
        }
        self.credentials_lock().push(Credential {
            scheme: scheme.to_string(),
            secret,
        });
        Ok(())
    }

    /// How many credentials of each scheme were added, sorted by scheme; never the secrets.
    pub fn credential_counts(&self) -> Vec<(String, usize)> {
        let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for c in self.credentials_lock().iter() {
            *counts.entry(c.scheme.clone()).or_default() += 1;
        }
        counts.into_iter().collect()
    }

    /// The connection state now, if connected at all.
    pub fn state(&self) -> Option<ConnState> {
        self.current().map(|c| ConnState::from_session(c.state()))
    }

    /// Closes the session and waits (bounded) for it to close, so that ephemeral nodes go at
    /// once rather than at the session timeout. Every other holder of a client must have
    /// dropped it (watch tasks are stopped first).
    pub async fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        let Some(client) = self.current.send_replace(None) else {
            return;
        };
        let mut watcher = client.state_watcher();
        drop(client);
        let closed = async {
            loop {
                if matches!(
                    watcher.peek_state(),
                    SessionState::Closed | SessionState::Expired | SessionState::AuthFailed
                ) {
                    return;
                }
                watcher.changed().await;
            }
        };
        // Bounded: a dead server cannot confirm, and the exit must not hang on it.
        tokio::time::timeout(Duration::from_secs(2), closed).await.ok();
    }
}

/// The error for a request that outlived the deadline: almost always a lost connection.
pub fn deadline_error(settings: &Profile, op: &'static str, path: &str) -> anyhow::Error {
    ShellError::NoConnection {
        op,
        path: path.to_string(),
        message: format!(
            "no answer within {} (--request-timeout): connection to ZooKeeper is down",
            human_duration(settings.request_timeout)
        ),
    }
    .into()
}

/// `10s`, `1.5s`, `250ms`.
pub fn human_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
