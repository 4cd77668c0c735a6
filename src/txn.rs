//! Transactions: operations queued by `txn begin` (or given on one line) and committed as one
//! ZooKeeper multi request, all or nothing.

use std::time::Duration;

use zookeeper_client::{self as zk, Acl, Acls, CreateMode, MultiWriteResult};

use crate::errors::{ShellError, ZkError};
use crate::session::Session;

/// One queued operation, paths already resolved against the node current when it was queued.
#[derive(Clone)]
pub enum TxnOp {
    Check {
        path: String,
        version: i32,
    },
    Create {
        path: String,
        data: Vec<u8>,
        mode: CreateMode,
        acls: Vec<Acl>,
        ttl: Option<Duration>,
    },
    Set {
        path: String,
        data: Vec<u8>,
        version: Option<i32>,
    },
    Delete {
        path: String,
        version: Option<i32>,
    },
}

impl std::fmt::Debug for TxnOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl TxnOp {
    pub fn name(&self) -> &'static str {
        match self {
            TxnOp::Check { .. } => "check",
            TxnOp::Create { .. } => "create",
            TxnOp::Set { .. } => "set",
            TxnOp::Delete { .. } => "delete",
        }
    }

    pub fn path(&self) -> &str {
        match self {
            TxnOp::Check { path, .. }
            | TxnOp::Create { path, .. }
            | TxnOp::Set { path, .. }
            | TxnOp::Delete { path, .. } => path,
        }
    }

    /// `set /c (3 bytes, if version 2)`: what `txn show` lists.
    pub fn describe(&self) -> String {
        let version = |v: &Option<i32>| v.map(|v| format!(", if version {v}")).unwrap_or_default();
        match self {
            TxnOp::Check { path, version } => format!("check {path} is at version {version}"),
            TxnOp::Create {
                path, data, mode, ttl, ..
            } => {
                let kind = match mode {
                    CreateMode::Persistent if ttl.is_some() => "ttl ",
                    CreateMode::Persistent => "",
                    CreateMode::PersistentSequential => "sequential ",
                    CreateMode::Ephemeral => "ephemeral ",
                    CreateMode::EphemeralSequential => "ephemeral sequential ",
                    CreateMode::Container => "container ",
                };
                format!("create {kind}{path} ({} bytes)", data.len())
            }
            TxnOp::Set { path, data, version: v } => format!("set {path} ({} bytes{})", data.len(), version(v)),
            TxnOp::Delete { path, version: v } => format!("delete {path}{}", version(v).replacen(", ", " ", 1)),
        }
    }
}

/// What one committed operation did.
#[derive(Debug, Clone)]
pub struct TxnResult {
    pub op: &'static str,
    pub path: String,
    /// Creates: the created path (sequential suffix included).
    pub created: Option<String>,
    /// Sets: the new data version.
    pub version: Option<i32>,
}

/// Sends the operations as one multi request.
pub async fn commit(session: &Session, ops: &[TxnOp]) -> anyhow::Result<Vec<TxnResult>> {
    let client = session.client().await?;
    let mut writer = client.new_multi_writer();
    for (index, op) in ops.iter().enumerate() {
        let added = match op {
            TxnOp::Check { path, version } => writer.add_check_version(path, *version),
            TxnOp::Create {
                path,
                data,
                mode,
                acls,
                ttl,
            } => {
                let mut options = mode.with_acls(Acls::new(acls));
                if let Some(ttl) = ttl {
                    options = options.with_ttl(*ttl);
                }
                writer.add_create(path, data, &options)
            }
            TxnOp::Set { path, data, version } => writer.add_set_data(path, data, *version),
            TxnOp::Delete { path, version } => writer.add_delete(path, *version),
        };
        if let Err(err) = added {
            return Err(failure(index, op, err));
        }
    }
    let results = match tokio::time::timeout(session.request_timeout(), writer.commit()).await {
        Ok(Ok(results)) => results,
        Ok(Err(zk::MultiWriteError::OperationFailed { index, source })) => {
            let op = ops
                .get(index)
                .ok_or_else(|| ShellError::usage("txn commit: the server named no operation"))?;
            return Err(failure(index, op, source));
        }
        Ok(Err(zk::MultiWriteError::RequestFailed { source })) => {
            return Err(ZkError::new("txn commit", "", source).into());
        }
        Err(_) => return Err(session.deadline_error("txn commit", "")),
    };
    Ok(ops
        .iter()
        .zip(results)
        .map(|(op, result)| {
            let mut out = TxnResult {
                op: op.name(),
                path: op.path().to_string(),
                created: None,
                version: None,
            };
            match result {
                MultiWriteResult::Create { path, .. } => out.created = Some(path),
                MultiWriteResult::SetData { stat } => out.version = Some(stat.version),
                _ => {}
            }
            out
        })
        .collect())
}

/// `txn commit: operation 2 (set /c ...) failed: version mismatch; nothing was applied`.
fn failure(index: usize, op: &TxnOp, err: zk::Error) -> anyhow::Error {
    let version = match op {
        TxnOp::Check { version, .. } => Some(*version),
        TxnOp::Set { version, .. } | TxnOp::Delete { version, .. } => *version,
        TxnOp::Create { .. } => None,
    };
    ZkError::new("txn commit", op.path(), err)
        .with_version(version)
        .framed(
            format!("operation {} ({}) failed", index + 1, op.describe()),
            "nothing was applied",
        )
        .into()
}
