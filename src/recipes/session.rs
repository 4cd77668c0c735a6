//! The session a recipe holds its node with: one of its own, not the shell's. Its ephemeral
//! nodes live exactly as long as it does (closing it releases the lock at once, losing it
//! loses the lock), and its one-shot watches can never meet a watch the shell holds on the
//! same path, which ZooKeeper 3.8 would mishandle (ZOOKEEPER-4466, DESIGN.md).

use std::time::Duration;

use zookeeper_client::{Client, SessionState};

use crate::errors::ShellError;
use crate::output::human_duration;
use crate::zk::Zk;
use crate::zk::connection::close_sessions;

#[derive(Debug)]
pub struct RecipeSession {
    client: Client,
}

impl RecipeSession {
    /// A new session with the shell's server, options and credentials; exit 3 when none
    /// comes within the connect timeout.
    pub async fn open(zk: &Zk, op: &'static str, path: &str) -> anyhow::Result<RecipeSession> {
        let profile = zk.profile();
        let cluster = profile.cluster();
        let connect = zk.connection().connector().connect(&cluster);
        let message = match tokio::time::timeout(profile.connect_timeout, connect).await {
            Ok(Ok(client)) => return Ok(RecipeSession { client }),
            Ok(Err(err)) => format!("cannot open a session with {}: {err}", profile.server),
            Err(_) => format!(
                "no session with {} within {} (--connect-timeout)",
                profile.server,
                human_duration(profile.connect_timeout)
            ),
        };
        Err(ShellError::NoConnection {
            op,
            path: path.to_string(),
            message,
        }
        .into())
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A handle that resolves when this session is gone.
    pub fn loss(&self) -> SessionLoss {
        SessionLoss {
            watcher: self.client.state_watcher(),
            timeout: self.client.session_timeout(),
        }
    }

    /// Closes the session and waits (bounded) for the server to confirm: its ephemeral nodes
    /// are gone by then.
    pub async fn close(self) {
        close_sessions(vec![self.client], Duration::from_secs(2)).await;
    }
}

/// Watches a recipe session for its end.
#[derive(Debug)]
pub struct SessionLoss {
    watcher: zookeeper_client::StateWatcher,
    timeout: Duration,
}

impl SessionLoss {
    /// Resolves once the session has ended (expired, closed, or its credentials refused),
    /// with the words that say so. Meanwhile `say` hears when the connection drops (the lock
    /// is then held only until the session times out) and when it is back.
    pub async fn lost(&mut self, say: &(dyn Fn(String) + Sync)) -> String {
        let mut disconnected = false;
        loop {
            let state = self.watcher.peek_state();
            match state {
                SessionState::Expired => {
                    return format!(
                        "the session expired (no server for longer than its {} timeout)",
                        human_duration(self.timeout)
                    );
                }
                SessionState::AuthFailed => return "the server refused the session's credentials".into(),
                _ if state.is_terminated() => return "the session was closed".into(),
                SessionState::Disconnected if !disconnected => {
                    disconnected = true;
                    say(format!(
                        "connection to ZooKeeper lost; the lock is held only until the session times out ({} without a server)",
                        human_duration(self.timeout)
                    ));
                }
                SessionState::SyncConnected | SessionState::ConnectedReadOnly if disconnected => {
                    disconnected = false;
                    say("connected again; the lock is still held".into());
                }
                _ => {}
            }
            self.watcher.changed().await;
        }
    }
}
