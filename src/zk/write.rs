//! The one write path: a write is built as a [`WriteOp`] and run here, alone or as part of a
//! multi request (a transaction, a batch of a bulk command). The request deadline and the
//! mapping of ZooKeeper's errors to messages that name the operation and path live here once.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use zookeeper_client::{self as zk, Acl, Acls, Client, CreateMode, MultiWriteResult};

use crate::errors::{ShellError, ZkError, exit_code_of};
use crate::exit::ExitCode;
use crate::path::parent_of;
use crate::zk::{Zk, limits};

/// One write, paths already resolved.
#[derive(Clone)]
pub enum WriteOp {
    Check {
        path: String,
        version: i32,
    },
    Create(NewNode),
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

/// A node to create.
#[derive(Clone)]
pub struct NewNode {
    pub path: String,
    pub data: Vec<u8>,
    pub mode: CreateMode,
    pub acls: Vec<Acl>,
    pub ttl: Option<Duration>,
}

impl NewNode {
    /// A persistent node open to all (a counter, zkCli's quota nodes).
    pub fn persistent(path: &str, data: Vec<u8>) -> NewNode {
        NewNode {
            path: path.to_string(),
            data,
            mode: CreateMode::Persistent,
            acls: Acls::anyone_all().to_vec(),
            ttl: None,
        }
    }

    fn options(&self) -> zk::CreateOptions<'_> {
        let options = self.mode.with_acls(Acls::new(&self.acls));
        match self.ttl {
            Some(ttl) => options.with_ttl(ttl),
            None => options,
        }
    }

    fn is_sequential(&self) -> bool {
        matches!(
            self.mode,
            CreateMode::PersistentSequential | CreateMode::EphemeralSequential
        )
    }
}

impl std::fmt::Debug for WriteOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl WriteOp {
    pub fn name(&self) -> &'static str {
        match self {
            WriteOp::Check { .. } => "check",
            WriteOp::Create { .. } => "create",
            WriteOp::Set { .. } => "set",
            WriteOp::Delete { .. } => "delete",
        }
    }

    pub fn path(&self) -> &str {
        match self {
            WriteOp::Check { path, .. } | WriteOp::Set { path, .. } | WriteOp::Delete { path, .. } => path,
            WriteOp::Create(node) => &node.path,
        }
    }

    /// The version the operation expects, for a mismatch message.
    pub fn expected_version(&self) -> Option<i32> {
        match self {
            WriteOp::Check { version, .. } => Some(*version),
            WriteOp::Set { version, .. } | WriteOp::Delete { version, .. } => *version,
            WriteOp::Create(_) => None,
        }
    }

    /// `set /c (3 bytes, if version 2)`: what `txn show` lists.
    pub fn describe(&self) -> String {
        let version = |v: &Option<i32>| v.map(|v| format!(", if version {v}")).unwrap_or_default();
        match self {
            WriteOp::Check { path, version } => format!("check {path} is at version {version}"),
            WriteOp::Create(NewNode {
                path, data, mode, ttl, ..
            }) => {
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
            WriteOp::Set { path, data, version: v } => format!("set {path} ({} bytes{})", data.len(), version(v)),
            WriteOp::Delete { path, version: v } => format!("delete {path}{}", version(v).replacen(", ", " ", 1)),
        }
    }

    /// Adds the operation to a multi request.
    fn add_to(&self, writer: &mut zk::MultiWriter<'_>) -> Result<(), zk::Error> {
        match self {
            WriteOp::Check { path, version } => writer.add_check_version(path, *version),
            WriteOp::Create(node) => writer.add_create(&node.path, &node.data, &node.options()),
            WriteOp::Set { path, data, version } => writer.add_set_data(path, data, *version),
            WriteOp::Delete { path, version } => writer.add_delete(path, *version),
        }
    }
}

/// What one applied operation did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    pub op: &'static str,
    pub path: String,
    /// Creates: the created path (sequential suffix included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Sets: the new data version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// Sets run alone: the new stat (a multi's stats are not kept).
    #[serde(skip)]
    pub stat: Option<zk::Stat>,
}

impl Applied {
    fn of(op: &WriteOp) -> Applied {
        Applied {
            op: op.name(),
            path: op.path().to_string(),
            created: None,
            version: None,
            stat: None,
        }
    }
}

/// Why a multi request failed: one operation (the whole request is then undone), the request
/// itself, or no answer within the deadline.
#[derive(Debug)]
pub enum MultiError {
    /// Too large to send: the server would drop the connection.
    TooLarge {
        size: usize,
        limit: usize,
    },
    Operation {
        index: usize,
        source: zk::Error,
    },
    Request(zk::Error),
    Deadline,
}

impl MultiError {
    /// Whether the request may have been applied although no answer says so: the
    /// connection broke (or the deadline passed) after it was sent.
    pub fn left_in_doubt(&self) -> bool {
        match self {
            MultiError::Request(err) => crate::errors::is_connection_error(err),
            MultiError::Deadline => true,
            MultiError::TooLarge { .. } | MultiError::Operation { .. } => false,
        }
    }

    /// The error a user sees. `label` names the command (`txn commit`, `delete -r`); a failed
    /// operation of a transaction is framed with its number and that nothing was applied.
    pub fn into_error(self, zk: &Zk, label: &'static str, ops: &[WriteOp], framed: bool) -> anyhow::Error {
        let first = ops.first().map(WriteOp::path).unwrap_or_default();
        match self {
            MultiError::TooLarge { size, limit } => {
                let (what, outcome) = if framed {
                    ("the transaction", "nothing was applied")
                } else {
                    ("the batch", "nothing in it was written")
                };
                limits::too_large(label, if framed { "" } else { first }, what, size, limit, outcome)
            }
            MultiError::Operation { index, source } => {
                let Some(op) = ops.get(index) else {
                    return ShellError::usage(format!("{label}: the server named no operation"));
                };
                let err = ZkError::new(label, op.path(), source).with_version(op.expected_version());
                if framed {
                    err.framed(
                        format!("operation {} ({}) failed", index + 1, op.describe()),
                        "nothing was applied",
                    )
                    .into()
                } else {
                    err.into()
                }
            }
            MultiError::Request(source) if framed => outcome_unknown(
                ZkError::new(label, "", source).into(),
                label,
                "",
                "transaction (all of it or none)",
            ),
            MultiError::Request(source) => ZkError::new(label, first, source).into(),
            MultiError::Deadline if framed => outcome_unknown(
                zk.deadline_error(label, ""),
                label,
                "",
                "transaction (all of it or none)",
            ),
            MultiError::Deadline => zk.deadline_error(label, first),
        }
    }
}

type MultiReply<'c> = Pin<Box<dyn Future<Output = Result<Vec<MultiWriteResult>, zk::MultiWriteError>> + Send + 'c>>;

/// A multi request on its way: sent when built, awaited by [`Zk::finish_multi`], so several
/// can be in flight at once.
pub struct PendingMulti<'c> {
    reply: MultiReply<'c>,
}

impl Zk {
    /// Runs one operation alone, as its own request.
    pub async fn apply(&self, op: &WriteOp) -> anyhow::Result<Applied> {
        let size = limits::request_size(op, self.chroot_len());
        let limit = self.profile().max_request_size;
        limits::check(op.name(), op.path(), "the request", size, limit, "nothing was written")?;
        let client = self.client().await?;
        match self.send_alone(&client, op).await {
            // Sent, and then the connection went: it may or may not have been applied.
            Err(err) if !matches!(op, WriteOp::Check { .. }) => {
                Err(outcome_unknown(err, op.name(), op.path(), "write"))
            }
            result => result,
        }
    }

    async fn send_alone(&self, client: &Client, op: &WriteOp) -> anyhow::Result<Applied> {
        let mut applied = Applied::of(op);
        match op {
            WriteOp::Check { path, version } => match self.call("check", path, client.check_stat(path)).await? {
                Some(stat) if stat.version == *version => {}
                Some(stat) => {
                    return Err(ShellError::refused(
                        "check",
                        path.as_str(),
                        format!("version is {}, not {version}", stat.version),
                    ));
                }
                None => return Err(ZkError::new("check", path.as_str(), zk::Error::NoNode).into()),
            },
            WriteOp::Create(node) => {
                let path = &node.path;
                let created = self
                    .call("create", path, client.create(path, &node.data, &node.options()))
                    .await;
                let (_stat, sequence) = created.map_err(|err| explain_create_error(err, path, node.ttl.is_some()))?;
                applied.created = Some(if node.is_sequential() {
                    format!("{path}{sequence}")
                } else {
                    path.clone()
                });
            }
            WriteOp::Set { path, data, version } => {
                let stat = self
                    .call_versioned("set", path, *version, client.set_data(path, data, *version))
                    .await?;
                applied.version = Some(stat.version);
                applied.stat = Some(stat);
            }
            WriteOp::Delete { path, version } => {
                self.call_versioned("delete", path, *version, client.delete(path, *version))
                    .await?;
            }
        }
        Ok(applied)
    }

    /// Sends `ops` as one multi request (all or nothing) and returns at once.
    pub fn send_multi<'c>(&self, client: &'c Client, ops: &[WriteOp]) -> Result<PendingMulti<'c>, MultiError> {
        let size = limits::multi_size(ops, self.chroot_len());
        let limit = self.profile().max_request_size;
        if size > limit {
            return Err(MultiError::TooLarge { size, limit });
        }
        let mut writer = client.new_multi_writer();
        for (index, op) in ops.iter().enumerate() {
            op.add_to(&mut writer)
                .map_err(|source| MultiError::Operation { index, source })?;
        }
        Ok(PendingMulti {
            reply: Box::pin(writer.commit()),
        })
    }

    /// Awaits a multi request sent by [`Zk::send_multi`], under the request deadline.
    pub async fn finish_multi(&self, ops: &[WriteOp], pending: PendingMulti<'_>) -> Result<Vec<Applied>, MultiError> {
        let results = match tokio::time::timeout(self.request_timeout(), pending.reply).await {
            Ok(Ok(results)) => results,
            Ok(Err(zk::MultiWriteError::OperationFailed { index, source })) => {
                return Err(MultiError::Operation { index, source });
            }
            Ok(Err(zk::MultiWriteError::RequestFailed { source })) => return Err(MultiError::Request(source)),
            Err(_) => return Err(MultiError::Deadline),
        };
        Ok(ops
            .iter()
            .zip(results)
            .map(|(op, result)| {
                let mut applied = Applied::of(op);
                match result {
                    MultiWriteResult::Create { path, .. } => applied.created = Some(path),
                    MultiWriteResult::SetData { stat } => applied.version = Some(stat.version),
                    _ => {}
                }
                applied
            })
            .collect())
    }

    /// How much longer the chroot makes every path the server sees.
    fn chroot_len(&self) -> usize {
        self.profile().chroot().map_or(0, str::len)
    }

    /// Runs `ops` as one transaction (a multi request) and waits for it; a failure names the
    /// operation that failed and says that nothing was applied.
    pub async fn commit(&self, label: &'static str, ops: &[WriteOp]) -> anyhow::Result<Vec<Applied>> {
        let client = self.client().await?;
        let sent = self.send_multi(&client, ops);
        let result = match sent {
            Ok(pending) => self.finish_multi(ops, pending).await,
            Err(err) => Err(err),
        };
        result.map_err(|err| err.into_error(self, label, ops, true))
    }
}

/// The error for a write that was sent and got no answer because the connection went: the
/// server may have applied it or not, and zksh cannot know, so it says so (exit 3 still).
/// Other errors pass unchanged.
fn outcome_unknown(err: anyhow::Error, op: &'static str, path: &str, what: &str) -> anyhow::Error {
    if exit_code_of(&err) != ExitCode::NoConnection {
        return err;
    }
    let reason = match (err.downcast_ref::<ZkError>(), err.downcast_ref::<ShellError>()) {
        (Some(zk), _) => zk.message(),
        (None, Some(ShellError::NoConnection { message, .. })) => message.clone(),
        _ => format!("{err:#}"),
    };
    ShellError::NoConnection {
        op,
        path: path.to_string(),
        message: format!("{reason}; the {what} was sent, so whether it was applied is unknown (look with stat or get)"),
    }
    .into()
}

/// Adds the hint a user needs for the two create refusals that are not self-explanatory.
fn explain_create_error(err: anyhow::Error, path: &str, ttl: bool) -> anyhow::Error {
    match err.downcast_ref::<ZkError>().map(|e| &e.source) {
        Some(zk::Error::NoNode) => ShellError::refused(
            "create",
            path,
            format!("parent {} does not exist (use create -p)", parent_of(path)),
        ),
        Some(zk::Error::Unimplemented) if ttl => ShellError::refused(
            "create",
            path,
            "TTL nodes are disabled on this server (set extendedTypesEnabled=true)",
        ),
        _ => err,
    }
}
