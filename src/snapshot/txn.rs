//! One logged transaction: the TxnHeader (session, cxid, zxid, time, type) and its body as
//! zookeeper.jute's txn records lay it out, with ZooKeeper's names for the operations.

use super::jute::{Decoded, JuteReader};
use super::snapfile::read_acl_list;
use super::tree::AclEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnHeader {
    pub client_id: i64,
    pub cxid: i32,
    pub zxid: i64,
    /// Milliseconds since the epoch, as the leader's clock had it.
    pub time: i64,
    pub op: i32,
}

pub mod op {
    pub const CREATE: i32 = 1;
    pub const DELETE: i32 = 2;
    pub const SET_DATA: i32 = 5;
    pub const SET_ACL: i32 = 7;
    pub const CHECK: i32 = 13;
    pub const MULTI: i32 = 14;
    pub const CREATE2: i32 = 15;
    pub const RECONFIG: i32 = 16;
    pub const CREATE_CONTAINER: i32 = 19;
    pub const DELETE_CONTAINER: i32 = 20;
    pub const CREATE_TTL: i32 = 21;
    pub const CREATE_SESSION: i32 = -10;
    pub const CLOSE_SESSION: i32 = -11;
    pub const ERROR: i32 = -1;
}

/// ZooKeeper's name for an operation code.
pub fn op_name(code: i32) -> &'static str {
    match code {
        op::CREATE => "create",
        op::DELETE => "delete",
        op::SET_DATA => "setData",
        op::SET_ACL => "setACL",
        op::CHECK => "check",
        op::MULTI => "multi",
        op::CREATE2 => "create2",
        op::RECONFIG => "reconfig",
        op::CREATE_CONTAINER => "createContainer",
        op::DELETE_CONTAINER => "deleteContainer",
        op::CREATE_TTL => "createTTL",
        op::CREATE_SESSION => "createSession",
        op::CLOSE_SESSION => "closeSession",
        op::ERROR => "error",
        _ => "unknown",
    }
}

/// What kind of node a create makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// create / create2: persistent, or ephemeral to the header's session.
    Plain {
        ephemeral: bool,
    },
    Container,
    Ttl(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Txn {
    Create {
        path: String,
        data: Vec<u8>,
        acl: Vec<AclEntry>,
        kind: CreateKind,
        /// -1 in logs older than 3.3 (the parent's next cversion is then derived).
        parent_cversion: i32,
    },
    Delete {
        path: String,
    },
    SetData {
        path: String,
        data: Vec<u8>,
        version: i32,
    },
    SetAcl {
        path: String,
        acl: Vec<AclEntry>,
        version: i32,
    },
    Check {
        path: String,
        version: i32,
    },
    /// The sub-transactions, each with its own operation code.
    Multi(Vec<(i32, Txn)>),
    CreateSession {
        timeout: i32,
    },
    /// 3.6+ lists the ephemerals the close deletes; older logs leave it to the tree.
    CloseSession {
        paths: Vec<String>,
    },
    Error {
        code: i32,
    },
    /// An operation this reader does not replay (a future one): kept so the log goes on.
    Unknown,
}

impl Txn {
    /// The path the transaction touches, if one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Txn::Create { path, .. }
            | Txn::Delete { path }
            | Txn::SetData { path, .. }
            | Txn::SetAcl { path, .. }
            | Txn::Check { path, .. } => Some(path),
            _ => None,
        }
    }
}

pub fn read_header(r: &mut JuteReader<&[u8]>) -> Decoded<TxnHeader> {
    Ok(TxnHeader {
        client_id: r.i64()?,
        cxid: r.i32()?,
        zxid: r.i64()?,
        time: r.i64()?,
        op: r.i32()?,
    })
}

/// A 3.6+ TxnDigest (version, tree digest) follows the body when digests are on.
const DIGEST_LEN: usize = 12;

/// Decodes the body of an `op` transaction from the rest of `bytes`.
pub fn read_body(op_code: i32, bytes: &[u8]) -> Decoded<Txn> {
    let mut r = JuteReader::new(bytes);
    let remaining = |r: &JuteReader<&[u8]>| bytes.len() - r.offset() as usize;
    let txn = match op_code {
        op::CREATE | op::CREATE2 => {
            let (path, data, acl) = (r.string()?, r.buffer()?, read_acl_list(&mut r)?);
            let ephemeral = r.bool()?;
            // CreateTxnV0 (before 3.3) has no parentCVersion.
            let parent_cversion = if remaining(&r) < 4 { -1 } else { r.i32()? };
            Txn::Create {
                path,
                data,
                acl,
                kind: CreateKind::Plain { ephemeral },
                parent_cversion,
            }
        }
        op::CREATE_CONTAINER => Txn::Create {
            path: r.string()?,
            data: r.buffer()?,
            acl: read_acl_list(&mut r)?,
            kind: CreateKind::Container,
            parent_cversion: r.i32()?,
        },
        op::CREATE_TTL => {
            let (path, data, acl) = (r.string()?, r.buffer()?, read_acl_list(&mut r)?);
            let parent_cversion = r.i32()?;
            Txn::Create {
                path,
                data,
                acl,
                kind: CreateKind::Ttl(r.i64()?),
                parent_cversion,
            }
        }
        op::DELETE | op::DELETE_CONTAINER => Txn::Delete { path: r.string()? },
        op::SET_DATA | op::RECONFIG => Txn::SetData {
            path: r.string()?,
            data: r.buffer()?,
            version: r.i32()?,
        },
        op::SET_ACL => Txn::SetAcl {
            path: r.string()?,
            acl: read_acl_list(&mut r)?,
            version: r.i32()?,
        },
        op::CHECK => Txn::Check {
            path: r.string()?,
            version: r.i32()?,
        },
        op::MULTI => {
            let count = r.count()?;
            let mut subs = Vec::with_capacity(count.min(1024));
            for _ in 0..count {
                let sub_op = r.i32()?;
                let body = r.buffer()?;
                let at = r.offset();
                let sub = read_body(sub_op, &body).map_err(|e| r.invalid_at(at, format!("in a multi: {e}")))?;
                subs.push((sub_op, sub));
            }
            Txn::Multi(subs)
        }
        op::CREATE_SESSION => Txn::CreateSession { timeout: r.i32()? },
        op::CLOSE_SESSION => Txn::CloseSession {
            paths: close_session_paths(bytes),
        },
        op::ERROR => Txn::Error { code: r.i32()? },
        _ => Txn::Unknown,
    };
    Ok(txn)
}

/// A closeSession body is optional (`zookeeper.closeSessionTxn.enabled`) and so is the digest
/// after it: take the paths only when the bytes read as exactly that vector.
fn close_session_paths(bytes: &[u8]) -> Vec<String> {
    if bytes.is_empty() || bytes.len() == DIGEST_LEN && !looks_like_paths(bytes) {
        return Vec::new();
    }
    let mut r = JuteReader::new(bytes);
    let Ok(count) = r.count() else { return Vec::new() };
    let mut paths = Vec::new();
    for _ in 0..count {
        match r.string() {
            Ok(p) if p.starts_with('/') => paths.push(p),
            _ => return Vec::new(),
        }
    }
    let left = bytes.len() - r.offset() as usize;
    if left == 0 || left == DIGEST_LEN {
        paths
    } else {
        Vec::new()
    }
}

fn looks_like_paths(bytes: &[u8]) -> bool {
    bytes.len() >= 9 && bytes[..4] == [0, 0, 0, 1] && bytes[8] == b'/'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::snapfile::tests::Writer;

    #[test]
    fn create_with_and_without_a_digest() {
        let mut w = Writer::default();
        w.s("/a").buf(Some(b"x")).i32(0);
        w.0.push(1);
        w.i32(7);
        let plain = read_body(op::CREATE, &w.0).unwrap();
        w.i32(2).i64(99);
        assert_eq!(read_body(op::CREATE2, &w.0).unwrap(), plain);
        match plain {
            Txn::Create {
                kind, parent_cversion, ..
            } => {
                assert_eq!(kind, CreateKind::Plain { ephemeral: true });
                assert_eq!(parent_cversion, 7);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn multi_carries_its_sub_transactions() {
        let mut sub = Writer::default();
        sub.s("/a");
        let mut w = Writer::default();
        w.i32(2)
            .i32(op::DELETE)
            .buf(Some(&sub.0))
            .i32(op::ERROR)
            .buf(Some(&[0, 0, 0, 0]));
        assert_eq!(
            read_body(op::MULTI, &w.0).unwrap(),
            Txn::Multi(vec![
                (op::DELETE, Txn::Delete { path: "/a".into() }),
                (op::ERROR, Txn::Error { code: 0 })
            ])
        );
    }

    #[test]
    fn close_session_bodies_are_told_from_digests() {
        assert_eq!(close_session_paths(&[]), Vec::<String>::new());
        let mut digest_only = Writer::default();
        digest_only.i32(2).i64(-5);
        assert_eq!(close_session_paths(&digest_only.0), Vec::<String>::new());
        let mut w = Writer::default();
        w.i32(1).s("/app/e");
        assert_eq!(close_session_paths(&w.0), ["/app/e"]);
        w.i32(2).i64(-5);
        assert_eq!(close_session_paths(&w.0), ["/app/e"]);
    }
}
