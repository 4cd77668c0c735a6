//! The shared connection: the current client (replaced when a session is resumed or rebuilt),
//! the credentials to re-apply, and the state listener. The command loop and the watch tasks
//! both hold it, so a resumed or rebuilt session reaches the watches without the user typing
//! anything.
//!
//! zookeeper-client ends a client (state `Expired`) when it cannot reconnect within 1.4x the
//! session timeout, and ends it (`AuthFailed`) when the server rejects an `addauth`. Neither
//! means the server dropped the session: only the server can say that. So zksh then
//! reconnects with the same session id and lets the server answer: resumed (ephemeral nodes,
//! watches and credentials kept), or expired (LOST, and a new session where renewal is on).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use zookeeper_client::{self as zk, Client, SessionInfo, SessionState};

mod credentials;
mod resume;
mod target;

use target::connect_error;
pub use target::{is_auth_failure, not_connected};

use crate::errors::ShellError;
use crate::events::{ConnState, EventSender, ShellEvent};
use crate::output::human_duration;
use crate::zk::auth::Credential;
use crate::zk::{Profile, deadline_error};

/// What zksh knows about the current client's session beyond the client's own state, which
/// says `Expired` or `AuthFailed` for reasons the server never gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// The client's state tells the truth.
    AsReported,
    /// The client ended but the session may live on: zksh is reconnecting to it.
    Resuming,
    /// The server said the session expired.
    Expired,
    /// The server refused the credentials while the session was being resumed.
    AuthFailed,
}

/// The current client's generation and standing, changed together with the client itself.
#[derive(Debug)]
struct Health {
    /// Bumped whenever a client replaces the current one: a late event of an older client must
    /// not change the standing of the newer one.
    generation: u64,
    standing: Standing,
}

/// Why a session is being resumed: it decides what the shell says.
#[derive(Debug, Clone)]
enum ResumeCause {
    /// zookeeper-client gave up reconnecting after 1.4x the session timeout.
    ClientGaveUp { after: Duration },
    /// The server answered AUTHFAILED and closed the connection: to this `addauth` scheme,
    /// or (None) to a request zksh no longer waits for.
    RejectedCredential { scheme: Option<String> },
}

/// A connect attempt that did not give a session.
enum OpenError {
    Zk(zk::Error),
    TimedOut,
    /// A TLS handshake failed, and this says why (zookeeper-client only says "no hosts").
    Tls(String),
}

#[derive(Debug)]
pub struct Connection {
    /// The profile connected to: replaced by `connect TARGET`, kept after `close` (for a
    /// bare `connect`).
    settings: Mutex<Arc<Profile>>,
    /// Credentials given with `addauth` (the profile's own are in the profile).
    credentials: Mutex<Vec<Credential>>,
    current: watch::Sender<Option<Client>>,
    health: Mutex<Health>,
    /// One connect at a time: a command, the resume task and the renewal may all want one.
    connecting: tokio::sync::Mutex<()>,
    events: EventSender,
    closing: AtomicBool,
    /// Rebuild an expired session (REPL, or while persistent watches run) instead of failing.
    renew: AtomicBool,
    /// Set while `addauth` waits for the server: a rejection is then reported by addauth.
    authenticating: AtomicBool,
    /// Closed with `close`: no session until `connect`, and commands say so at once.
    detached: AtomicBool,
}

impl Connection {
    pub fn new(settings: Profile, events: EventSender) -> Arc<Connection> {
        Arc::new(Connection {
            settings: Mutex::new(Arc::new(settings)),
            credentials: Mutex::new(Vec::new()),
            current: watch::Sender::new(None),
            health: Mutex::new(Health {
                generation: 0,
                standing: Standing::AsReported,
            }),
            connecting: tokio::sync::Mutex::new(()),
            events,
            closing: AtomicBool::new(false),
            renew: AtomicBool::new(false),
            authenticating: AtomicBool::new(false),
            detached: AtomicBool::new(false),
        })
    }

    /// The profile of the current (or, after `close`, the last) session.
    pub fn settings(&self) -> Arc<Profile> {
        Arc::clone(&self.settings.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    pub fn events(&self) -> &EventSender {
        &self.events
    }

    pub fn set_renew(&self, renew: bool) {
        self.renew.store(renew, Ordering::SeqCst);
    }

    fn renews(&self) -> bool {
        self.renew.load(Ordering::SeqCst)
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// The client of the current session, without connecting.
    pub fn current(&self) -> Option<Client> {
        self.current.borrow().clone()
    }

    /// Notified whenever a client replaces the current one, or its standing changes.
    pub fn subscribe(&self) -> watch::Receiver<Option<Client>> {
        self.current.subscribe()
    }

    fn health(&self) -> MutexGuard<'_, Health> {
        // Two plain fields, never left half-updated: recover from a poisoned lock.
        self.health.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current client with its generation and standing, read consistently.
    fn snapshot(&self) -> (Option<Client>, u64, Standing) {
        let health = self.health();
        (self.current(), health.generation, health.standing)
    }

    /// Makes `client` the current one in place of generation `replaced`; false (and the
    /// client dropped, which closes its session) when that generation is gone already.
    fn install(self: &Arc<Self>, replaced: u64, client: Client) -> bool {
        let generation = {
            let mut health = self.health();
            if health.generation != replaced || self.is_closing() {
                return false;
            }
            health.generation += 1;
            health.standing = Standing::AsReported;
            self.current.send_replace(Some(client.clone()));
            health.generation
        };
        self.spawn_state_listener(&client, generation);
        true
    }

    /// Changes the standing of generation `generation`, if it is still the current one, and
    /// sends `event` (what the change means) before anyone waiting for the change wakes: a
    /// run that ends on it (`close`) then finds the event in the channel, rather than racing
    /// the send.
    fn set_standing_saying(&self, generation: u64, standing: Standing, event: ShellEvent) -> bool {
        self.change_standing_saying(generation, |_| true, standing, Some(event))
    }

    /// Changes the standing of generation `generation`, if it is still the current one and
    /// its standing passes `from`.
    fn change_standing(&self, generation: u64, from: impl Fn(Standing) -> bool, standing: Standing) -> bool {
        self.change_standing_saying(generation, from, standing, None)
    }

    fn change_standing_saying(
        &self,
        generation: u64,
        from: impl Fn(Standing) -> bool,
        standing: Standing,
        event: Option<ShellEvent>,
    ) -> bool {
        let mut health = self.health();
        if health.generation != generation || !from(health.standing) {
            return false;
        }
        health.standing = standing;
        if let Some(event) = event {
            self.events.send(event).ok();
        }
        // Wakes whoever waits for the session to be usable (commands, watch tasks).
        self.current.send_modify(|_| {});
        true
    }

    /// Whether the current client can never serve again and nothing will replace it.
    pub fn is_gone_for_good(&self) -> bool {
        let (client, _, standing) = self.snapshot();
        let Some(client) = client else { return false };
        match client.state() {
            SessionState::Closed => true,
            state if state.is_terminated() => match standing {
                Standing::AuthFailed => true,
                Standing::Expired => !self.renews(),
                Standing::AsReported | Standing::Resuming => false,
            },
            _ => false,
        }
    }

    /// The connected client, connecting first if needed. While a session is being resumed it
    /// waits for that (at most the request deadline); after an expiry the server confirmed,
    /// it builds a new session when renewal is on.
    pub async fn client(self: &Arc<Self>) -> anyhow::Result<Client> {
        let mut clients = self.subscribe();
        let settings = self.settings();
        let deadline = tokio::time::Instant::now() + settings.request_timeout;
        loop {
            clients.borrow_and_update();
            let (client, generation, standing) = self.snapshot();
            let Some(client) = client else {
                match self.connect_first().await? {
                    Some(client) => return Ok(client),
                    None => continue,
                }
            };
            let state = client.state();
            if !state.is_terminated() {
                return Ok(client);
            }
            match (state, standing) {
                // Requests on it fail with what ended it: that is the answer.
                (SessionState::Closed, _) | (_, Standing::AuthFailed) => return Ok(client),
                (_, Standing::Expired) if self.renews() => return self.renew(generation).await,
                (_, Standing::Expired) => return Ok(client),
                // Just ended (the listener has yet to look) or being resumed: wait for it.
                (_, Standing::AsReported | Standing::Resuming) => {
                    if tokio::time::timeout_at(deadline, clients.changed()).await.is_err() {
                        return Err(deadline_error(&settings, "connect", &settings.server));
                    }
                }
            }
        }
    }

    /// The first session of this shell; None when another caller made it meanwhile.
    async fn connect_first(self: &Arc<Self>) -> anyhow::Result<Option<Client>> {
        let _one_at_a_time = self.connecting.lock().await;
        if self.current().is_some() {
            return Ok(None);
        }
        if self.is_closing() {
            return Err(self.closed_error());
        }
        if self.is_detached() {
            return Err(not_connected());
        }
        let generation = self.snapshot().1;
        let client = self.open(None).await.map_err(|e| self.connect_error(e))?;
        if !self.install(generation, client.clone()) {
            return Err(self.closed_error());
        }
        Ok(Some(client))
    }

    /// Builds a new session in place of generation `generation`, whose expiry the server
    /// confirmed, and says what was lost.
    async fn renew(self: &Arc<Self>, generation: u64) -> anyhow::Result<Client> {
        let _one_at_a_time = self.connecting.lock().await;
        let (current, now, _) = self.snapshot();
        if now != generation {
            // Renewed (or closed) meanwhile.
            return current.ok_or_else(|| self.closed_error());
        }
        let client = self.open(None).await.map_err(|e| self.connect_error(e))?;
        if !self.install(generation, client.clone()) {
            return Err(self.closed_error());
        }
        let reapplied = if self.presented_credentials().is_empty() {
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
        Ok(client)
    }

    fn closed_error(&self) -> anyhow::Error {
        ShellError::NoConnection {
            op: "connect",
            path: self.settings().server.clone(),
            message: "the shell is closing".into(),
        }
        .into()
    }

    /// A second session beside the shell's, with the same server list, options and
    /// credentials, for reads that one session would serialize (a subtree's getACL requests:
    /// the server answers one session's reads in order, several sessions' side by side).
    /// None when it cannot be had: the caller makes do with the main session. It closes when
    /// its last handle is dropped.
    pub async fn side_session(&self) -> Option<Client> {
        self.open(None).await.ok()
    }

    /// One connect attempt: a new session, or `resume` (the session's id and password).
    async fn open(&self, resume: Option<SessionInfo>) -> Result<Client, OpenError> {
        let s = self.settings();
        let mut connector = self.connector();
        if let Some(session) = resume {
            connector = connector.with_session(session);
        }
        match tokio::time::timeout(s.connect_timeout, connector.connect(&s.cluster())).await {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(zk::Error::NoHosts)) if s.tls.is_some() => match crate::zk::tls::diagnose(&s).await {
                Some(reason) => Err(OpenError::Tls(reason)),
                None => Err(OpenError::Zk(zk::Error::NoHosts)),
            },
            Ok(Err(err)) => Err(OpenError::Zk(err)),
            Err(_) => Err(OpenError::TimedOut),
        }
    }

    fn connect_error(&self, err: OpenError) -> anyhow::Error {
        connect_error(&self.settings(), err)
    }

    /// The connection state now, if connected at all: a client that ended on its own counts
    /// as SUSPENDED until the server says what became of the session.
    pub fn state(&self) -> Option<ConnState> {
        if self.is_detached() {
            return Some(ConnState::Closed);
        }
        let (client, _, standing) = self.snapshot();
        let state = client?.state();
        Some(match (state, standing) {
            (SessionState::Closed, _) => ConnState::Closed,
            (s, _) if !s.is_terminated() => ConnState::from_session(s),
            (_, Standing::Expired) => ConnState::Lost,
            (_, Standing::AuthFailed) => ConnState::AuthFailed,
            (_, Standing::AsReported | Standing::Resuming) => ConnState::Suspended,
        })
    }

    /// Whether the current session's fate is being settled: resumed now, or ended on its own a
    /// moment ago with the state listener yet to claim the resume (a request can fail with
    /// the end before the listener runs, and a run that ends on that error must still say
    /// LOST).
    fn being_resumed(&self) -> bool {
        let (client, _, standing) = self.snapshot();
        match standing {
            Standing::Resuming => true,
            Standing::AsReported => {
                client.is_some_and(|c| matches!(c.state(), SessionState::Expired | SessionState::AuthFailed))
            }
            Standing::Expired | Standing::AuthFailed => false,
        }
    }

    /// Closes the session and waits (bounded) for it to close, so that ephemeral nodes go at
    /// once rather than at the session timeout. Every other holder of a client must have
    /// dropped it (watch tasks are stopped first).
    pub async fn close(&self) {
        // A session being resumed is settled first (bounded): whether it lives or is LOST is
        // what a run that ends now must still say, not what it cuts short.
        let mut changes = self.current.subscribe();
        let settled = async {
            while self.being_resumed() {
                if changes.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(2), settled).await.ok();
        self.closing.store(true, Ordering::SeqCst);
        let client = {
            let mut health = self.health();
            health.generation += 1;
            self.current.send_replace(None)
        };
        if let Some(client) = client {
            close_sessions(vec![client], Duration::from_secs(2)).await;
        }
    }
}

/// Closes sessions: dropping a client's last handle sends CloseSession (their ephemeral
/// nodes go at once); this waits for the server to confirm, at most `limit`, as a dead server
/// cannot confirm and an exit must not hang on it.
pub async fn close_sessions(clients: Vec<Client>, limit: Duration) {
    let mut states: Vec<_> = clients.iter().map(Client::state_watcher).collect();
    drop(clients);
    let closed = async {
        for state in &mut states {
            while !state.peek_state().is_terminated() {
                state.changed().await;
            }
        }
    };
    tokio::time::timeout(limit, closed).await.ok();
}

/// What zksh does after the server rejected an `addauth` credential.
const RESUMING_AFTER_REJECTION: &str = "the server closed the connection; zksh dropped that credential and resumes the session (its ephemeral nodes, persistent watches and other credentials are kept)";

/// What the server did to a credential it refused.
fn rejection(scheme: Option<&str>) -> String {
    match scheme {
        Some(scheme) => format!("the server rejected the {scheme} credential and closed the connection"),
        None => "the server rejected a credential and closed the connection".to_string(),
    }
}
