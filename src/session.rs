//! The shell's state around the connection: current node, request deadlines, and (as they
//! land) the watch registry and the transaction buffer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use zookeeper_client::{self as zk, Client};

use crate::config::ConnectSettings;
use crate::connection::{Connection, deadline_error};
use crate::errors::ZkError;
use crate::events::{ConnState, EventSender};
use crate::path::resolve_path;
use crate::progress::{BulkRun, Progress};
use crate::txn::TxnOp;
use crate::watch::{WatchRegistry, WatchSink};

#[derive(Debug)]
pub struct Session {
    conn: Arc<Connection>,
    cwd: String,
    previous_cwd: Option<String>,
    /// Whether `-` may read data from stdin (not when stdin is the terminal or the script).
    pub stdin_is_free: bool,
    /// REPL: events print above the prompt and an expired session is rebuilt.
    interactive: bool,
    watches: WatchRegistry,
    /// The open `txn begin` block, if any.
    txn: Option<Vec<TxnOp>>,
    /// Lines typed in the REPL (secrets excluded), oldest first, for `history` and `redo`.
    pub history: Vec<String>,
    /// The bulk command under way, if any.
    bulk: Option<BulkRun>,
}

impl Session {
    pub fn new(settings: ConnectSettings, events: EventSender) -> Session {
        Session {
            conn: Connection::new(settings, events),
            cwd: "/".into(),
            previous_cwd: None,
            stdin_is_free: false,
            interactive: false,
            watches: WatchRegistry::new(),
            txn: None,
            history: Vec::new(),
            bulk: None,
        }
    }

    pub fn connection(&self) -> &Arc<Connection> {
        &self.conn
    }

    pub fn settings(&self) -> &ConnectSettings {
        self.conn.settings()
    }

    pub fn set_interactive(&mut self, interactive: bool) {
        self.interactive = interactive;
        self.conn.set_renew(interactive);
    }

    pub fn is_interactive(&self) -> bool {
        self.interactive
    }

    pub fn watches(&self) -> &WatchRegistry {
        &self.watches
    }

    /// Where background watch events go: printed by the shell.
    pub fn shell_sink(&self) -> WatchSink {
        WatchSink::Shell {
            events: self.conn.events().clone(),
            print: self.watches.print_flag(),
        }
    }

    /// The queued operations of the open transaction block.
    pub fn txn(&self) -> Option<&Vec<TxnOp>> {
        self.txn.as_ref()
    }

    pub fn txn_mut(&mut self) -> &mut Option<Vec<TxnOp>> {
        &mut self.txn
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
            Ok(Err(err)) => Err(ZkError::new(op, path, err).with_version(version).into()),
            Err(_) => Err(self.deadline_error(op, path)),
        }
    }

    pub fn deadline_error(&self, op: &'static str, path: &str) -> anyhow::Error {
        deadline_error(self.settings(), op, path)
    }

    pub fn request_timeout(&self) -> Duration {
        self.settings().request_timeout
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

    /// Records a bulk command starting; its progress is shared with whoever stops it.
    pub fn start_bulk(&mut self, op: &'static str, path: &str, verb: &'static str) -> Progress {
        let progress = Progress::default();
        self.bulk = Some(BulkRun {
            op,
            path: path.to_string(),
            verb,
            progress: progress.clone(),
        });
        progress
    }

    pub fn finish_bulk(&mut self) {
        self.bulk = None;
    }

    /// The bulk command that was under way when a command was stopped, if any.
    pub fn take_bulk(&mut self) -> Option<BulkRun> {
        self.bulk.take()
    }

    pub async fn add_auth(&self, scheme: &str, secret: Vec<u8>) -> anyhow::Result<()> {
        self.conn.add_auth(scheme, secret).await
    }

    pub fn state(&self) -> Option<ConnState> {
        self.conn.state()
    }

    /// Stops the watches (their tasks hold clients) and closes the session.
    pub async fn close(&mut self) {
        self.watches.remove(|_| true);
        self.conn.close().await;
    }
}
