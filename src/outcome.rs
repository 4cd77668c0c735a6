//! What a command produced: a typed value that a renderer turns into text or JSON.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use zookeeper_client::Stat;

use crate::events::ConnState;
use crate::exit::ExitCode;
use crate::render::data::DataView;
use crate::txn::TxnResult;
use crate::watch::{WatchEvent, WatchInfo, WatchKind};

/// One child in `ls -l`.
#[derive(Debug, Clone)]
pub struct ChildEntry {
    pub name: String,
    /// None when the child vanished between the listing and the stat.
    pub stat: Option<Stat>,
}

/// `session`: what the client knows about its session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id: i64,
    /// As negotiated with the server.
    pub timeout: Duration,
    pub state: ConnState,
    /// Connected to a read-only server (writes are refused).
    pub readonly: bool,
    /// Whether -r allowed a read-only server.
    pub readonly_allowed: bool,
    /// The connect string (hosts and chroot).
    pub server: String,
    pub cwd: String,
    /// Credentials added with addauth: count per scheme.
    pub credentials: Vec<(String, usize)>,
}

/// `edit`: what happened to the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditResult {
    /// The buffer came back as it was: nothing written.
    Unchanged,
    /// Written back; the node's new data version.
    Saved { version: i32 },
}

#[derive(Debug)]
pub enum Outcome {
    /// A write that succeeded and has nothing to say.
    Done,
    /// `create`: the created path (sequential names included).
    Created { path: String },
    /// `get`.
    Data {
        path: String,
        data: Vec<u8>,
        stat: Stat,
        show_stat: bool,
        view: DataView,
    },
    /// `get --out FILE`: the data went to a file.
    Saved { path: String, file: String, bytes: usize },
    /// `set -s`, `stat`.
    Stat { path: String, stat: Stat },
    /// `exists`: absent is a condition not met (exit 1), not an error.
    Exists { path: String, stat: Option<Stat> },
    /// `ls`, `ls -s`.
    Children {
        path: String,
        children: Vec<String>,
        stat: Option<Stat>,
    },
    /// `ls -l`.
    LongChildren { path: String, entries: Vec<ChildEntry> },
    /// `delete -r`.
    Deleted { path: String, count: usize },
    /// `pwd`, `cd`.
    Cwd { path: String },
    /// `help`, `version`: text meant for a reader.
    Text { text: String, json: serde_json::Value },
    /// `quit`.
    Quit,
    /// A persistent watch now runs in the background (REPL).
    WatchAdded { id: u32, kind: WatchKind, path: String },
    /// A watch whose events this command streams (one-shot and script modes).
    Stream {
        id: u32,
        events: UnboundedReceiver<WatchEvent>,
        count: Option<u64>,
        timeout: Option<Duration>,
    },
    /// `watches`.
    Watches { watches: Vec<WatchInfo> },
    /// `unwatch`, `removewatches`.
    Unwatched { watches: Vec<WatchInfo> },
    /// `printwatches`.
    PrintWatches { on: bool },
    /// An operation queued in the open transaction block.
    Queued { position: usize, op: String },
    /// `txn show`.
    TxnOps { ops: Vec<String> },
    /// `txn commit`: one result per operation.
    TxnResults { results: Vec<TxnResult> },
    /// `txn begin`, `txn abort`.
    TxnState { open: bool, dropped: usize },
    /// `session`.
    Session(Box<SessionInfo>),
    /// `edit`.
    Edited { path: String, result: EditResult },
}

impl Outcome {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::Exists { stat: None, .. } => ExitCode::Refused,
            _ => ExitCode::Success,
        }
    }
}
