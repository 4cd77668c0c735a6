//! The live ZooKeeper session and the shell state around it: current node, credentials,
//! request deadlines, and the rebuild after a session expiry.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use zookeeper_client::{self as zk, Client, SessionState};

use crate::config::ConnectSettings;
use crate::errors::{ShellError, ZkError};
use crate::events::{ConnState, EventSender, ShellEvent, spawn_state_listener};
use crate::path::resolve_path;

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
pub struct Session {
    settings: ConnectSettings,
    client: Option<Client>,
    cwd: String,
    previous_cwd: Option<String>,
    credentials: Vec<Credential>,
    events: EventSender,
    closing: Arc<AtomicBool>,
    /// Whether `-` may read data from stdin (not when stdin is the terminal or the script).
    pub stdin_is_free: bool,
    /// Whether a lost session is rebuilt (REPL) or reported (scripts).
    pub renew_on_expiry: bool,
}

impl Session {
    pub fn new(settings: ConnectSettings, events: EventSender) -> Session {
        Session {
            settings,
            client: None,
            cwd: "/".into(),
            previous_cwd: None,
            credentials: Vec::new(),
            events,
            closing: Arc::new(AtomicBool::new(false)),
            stdin_is_free: false,
            renew_on_expiry: false,
        }
    }

    pub fn settings(&self) -> &ConnectSettings {
        &self.settings
    }

    /// The connected client, connecting first if needed (and rebuilding an expired session
    /// when `renew_on_expiry`).
    pub async fn client(&mut self) -> anyhow::Result<Client> {
        if let Some(client) = &self.client {
            let expired = client.state() == SessionState::Expired;
            if !(expired && self.renew_on_expiry) {
                return Ok(client.clone());
            }
            self.client = None;
            let client = self.connect().await?;
            self.events.send(ShellEvent::Notice(format!(
                "the session expired; new session 0x{:x} established{}. Ephemeral nodes and watches of the old session are gone.",
                client.session_id().0,
                if self.credentials.is_empty() { "" } else { " (credentials re-applied)" }
            ))).ok();
            return Ok(client);
        }
        self.connect().await
    }

    /// The client if a connection was made, without connecting.
    pub fn existing_client(&self) -> Option<&Client> {
        self.client.as_ref()
    }

    async fn connect(&mut self) -> anyhow::Result<Client> {
        let s = &self.settings;
        let mut connector = Client::connector()
            .with_session_timeout(s.session_timeout)
            .with_readonly(s.readonly)
            .with_fail_eagerly();
        for c in &self.credentials {
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
        spawn_state_listener(client.state_watcher(), self.events.clone(), self.closing.clone());
        self.client = Some(client.clone());
        Ok(client)
    }

    /// Awaits one request under the request deadline, naming the operation and path on error.
    pub async fn call<T>(
        &self,
        op: &'static str,
        path: &str,
        request: impl Future<Output = Result<T, zk::Error>>,
    ) -> anyhow::Result<T> {
        self.call_versioned(op, path, None, request).await
    }

    /// As `call`, remembering the expected version for a mismatch message.
    pub async fn call_versioned<T>(
        &self,
        op: &'static str,
        path: &str,
        version: Option<i32>,
        request: impl Future<Output = Result<T, zk::Error>>,
    ) -> anyhow::Result<T> {
        match tokio::time::timeout(self.settings.request_timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(ZkError::new(op, path, err).with_version(version).into()),
            Err(_) => Err(self.deadline_error(op, path)),
        }
    }

    /// The error for a request that outlived the deadline: almost always a lost connection.
    pub fn deadline_error(&self, op: &'static str, path: &str) -> anyhow::Error {
        ShellError::NoConnection {
            op,
            path: path.to_string(),
            message: format!(
                "no answer within {} (--request-timeout): connection to ZooKeeper is down",
                human_duration(self.settings.request_timeout)
            ),
        }
        .into()
    }

    pub fn request_timeout(&self) -> Duration {
        self.settings.request_timeout
    }

    /// Resolves a path typed by the user against the current node.
    pub fn resolve(&self, input: &str) -> anyhow::Result<String> {
        resolve_path(&self.cwd, input)
    }

    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    pub fn previous_cwd(&self) -> Option<&str> {
        self.previous_cwd.as_deref()
    }

    pub fn set_cwd(&mut self, path: String) {
        if path != self.cwd {
            self.previous_cwd = Some(std::mem::replace(&mut self.cwd, path));
        }
    }

    /// Adds credentials to the live session and remembers them for the next one.
    pub async fn add_auth(&mut self, scheme: &str, secret: Vec<u8>) -> anyhow::Result<()> {
        let client = self.client().await?;
        self.call("addauth", scheme, client.auth(scheme, &secret)).await?;
        self.credentials.push(Credential {
            scheme: scheme.to_string(),
            secret,
        });
        Ok(())
    }

    /// The connection state now, if connected at all.
    pub fn state(&self) -> Option<ConnState> {
        self.client.as_ref().map(|c| ConnState::from_session(c.state()))
    }

    /// Closes the session and waits (bounded) for the server to confirm, so that ephemeral
    /// nodes go at once rather than at the session timeout.
    pub async fn close(&mut self) {
        let Some(client) = self.client.take() else { return };
        self.closing.store(true, Ordering::SeqCst);
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
        let _ = tokio::time::timeout(Duration::from_secs(2), closed).await;
    }
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
