//! The ZooKeeper handle: the shared connection, requests under the request deadline with the
//! operation and path named on failure, and (in `write`) the one path every write takes.
//! Nothing here knows about the shell's current node, history or transaction block.

pub mod acl;
pub mod auth;
pub mod connection;
pub mod limits;
pub mod options;
pub mod profile;
pub mod quota;
pub mod remote;
pub mod sasl;
pub mod tls;
pub mod write;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use zookeeper_client::{self as zk, Client};

use crate::errors::ShellError;
use crate::errors::ZkError;
use crate::events::{ConnState, EventSender};
use crate::output::human_duration;
use crate::zk::connection::Connection;
pub use profile::Profile;

/// A handle on one ZooKeeper: cheap to clone, shared by commands and background tasks.
#[derive(Debug, Clone)]
pub struct Zk {
    conn: Arc<Connection>,
}

impl Zk {
    pub fn new(profile: Profile, events: EventSender) -> Zk {
        Zk {
            conn: Connection::new(profile, events),
        }
    }

    pub fn connection(&self) -> &Arc<Connection> {
        &self.conn
    }

    /// The profile of the current session (`connect` may replace it between commands).
    pub fn profile(&self) -> Arc<Profile> {
        self.conn.settings()
    }

    /// The profile with every credential this session presents (its own and those added
    /// with addauth): how a connection to another cluster acts as the same user.
    pub fn profile_as_user(&self) -> Profile {
        Profile {
            auth: self.conn.presented_credentials(),
            ..(*self.profile()).clone()
        }
    }

    /// The connected client, connecting first if needed.
    pub async fn client(&self) -> anyhow::Result<Client> {
        self.conn.client().await
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
        let started = std::time::Instant::now();
        let result = tokio::time::timeout(self.request_timeout(), request).await;
        tracing::debug!(
            op,
            path,
            elapsed = ?started.elapsed(),
            ok = matches!(result, Ok(Ok(_))),
            "request"
        );
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(zk::Error::NoAuth)) => Err(self.refusal(op, path).await.into()),
            Ok(Err(err)) => Err(ZkError::new(op, path, err).with_version(version).into()),
            Err(_) => Err(self.deadline_error(op, path)),
        }
    }

    /// A NoAuth refusal, with the ACL that refused it when this session may read that ACL
    /// (one more request, on the error path only).
    async fn refusal(&self, op: &'static str, path: &str) -> ZkError {
        let error = ZkError::new(op, path, zk::Error::NoAuth);
        let Some(needed) = crate::errors::needed_permission(op) else {
            return error;
        };
        let node = match needed.on_parent {
            true => crate::path::parent_of(path),
            false => path,
        };
        let Ok(client) = self.client().await else {
            return error;
        };
        match tokio::time::timeout(self.request_timeout(), client.get_acl(node)).await {
            Ok(Ok((acls, _))) => error.with_acl(acl_text(&acls)),
            _ => error,
        }
    }

    /// The error for a request that outlived the deadline: almost always a lost connection.
    pub fn deadline_error(&self, op: &'static str, path: &str) -> anyhow::Error {
        deadline_error(&self.profile(), op, path)
    }

    pub fn request_timeout(&self) -> Duration {
        self.profile().request_timeout
    }

    pub async fn add_auth(&self, scheme: &str, secret: Vec<u8>) -> anyhow::Result<()> {
        self.conn.add_auth(scheme, secret).await
    }

    /// The connection state now, if connected at all.
    pub fn state(&self) -> Option<ConnState> {
        self.conn.state()
    }

    /// Closes the session and waits (bounded) for it to close.
    pub async fn close(&self) {
        self.conn.close().await;
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

/// An ACL as zkCli's setAcl takes it: scheme:id:perms, comma-separated.
pub fn acl_text(acls: &[zk::Acl]) -> String {
    let entries: Vec<String> = acls
        .iter()
        .map(|acl| {
            format!(
                "{}:{}:{}",
                acl.scheme(),
                acl.id(),
                crate::tree::record::perm_letters(acl.permission())
            )
        })
        .collect();
    entries.join(",")
}
