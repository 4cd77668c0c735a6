//! Answers to the client protocol's read requests from a replayed tree: getData, exists,
//! getChildren(2), getACL, multiRead, getAllChildrenNumber, getEphemerals, sync, whoAmI,
//! ping, auth and closeSession. Writes and watches get an error code and change nothing.

use crate::snapshot::jute::{Decoded, JuteReader, JuteWriter};
use crate::snapshot::tree::{NodeId, NodeKind, Tree};

/// ZooKeeper's error codes used here.
mod code {
    pub const OK: i32 = 0;
    pub const MARSHALLING: i32 = -5;
    pub const UNIMPLEMENTED: i32 = -6;
    pub const BAD_ARGUMENTS: i32 = -8;
    pub const NO_NODE: i32 = -101;
    pub const NOT_READ_ONLY: i32 = -119;
}

mod op {
    pub const EXISTS: i32 = 3;
    pub const GET_DATA: i32 = 4;
    pub const GET_ACL: i32 = 6;
    pub const GET_CHILDREN: i32 = 8;
    pub const SYNC: i32 = 9;
    pub const PING: i32 = 11;
    pub const GET_CHILDREN2: i32 = 12;
    pub const CHECK_WATCHES: i32 = 17;
    pub const REMOVE_WATCHES: i32 = 18;
    pub const MULTI_READ: i32 = 22;
    pub const AUTH: i32 = 100;
    pub const SET_WATCHES: i32 = 101;
    pub const GET_EPHEMERALS: i32 = 103;
    pub const GET_ALL_CHILDREN_NUMBER: i32 = 104;
    pub const SET_WATCHES2: i32 = 105;
    pub const ADD_WATCH: i32 = 106;
    pub const WHO_AM_I: i32 = 107;
    pub const CLOSE_SESSION: i32 = -11;
}

/// What the tree serves, and the zxid every reply carries.
pub struct Served {
    pub tree: Tree,
    pub zxid: i64,
    /// Containers and TTL nodes shown as persistent (owner 0), as a live server shows them:
    /// a snapshot used as a tree source reads like the live tree it was, so `diff` and `cp`
    /// treat those nodes as they do live ones (the copy engine skips owned nodes).
    pub masked: bool,
}

/// After an answer: go on reading, or close the connection.
#[derive(Debug, PartialEq, Eq)]
pub enum After {
    Continue,
    Close,
}

/// Answers one request frame (without its length prefix), appending the framed reply.
pub fn answer(served: &Served, frame: &[u8], out: &mut Vec<u8>) -> After {
    let mut r = JuteReader::new(frame);
    let (Ok(xid), Ok(op_code)) = (r.i32(), r.i32()) else {
        return After::Close;
    };
    let body = &frame[r.offset() as usize..];
    let mut reply = JuteWriter::default();
    let err = match reply_body(served, op_code, body, &mut reply) {
        Ok(err) => err,
        Err(_) => code::MARSHALLING,
    };
    let mut framed = JuteWriter::default();
    framed.i32(xid).i64(served.zxid).i32(err);
    if err == code::OK {
        framed.0.extend_from_slice(&reply.0);
    }
    out.extend_from_slice(&(framed.0.len() as i32).to_be_bytes());
    out.extend_from_slice(&framed.0);
    if op_code == op::CLOSE_SESSION {
        After::Close
    } else {
        After::Continue
    }
}

/// Writes the reply body of one operation; returns its error code.
fn reply_body(served: &Served, op_code: i32, body: &[u8], out: &mut JuteWriter) -> Decoded<i32> {
    let mut r = JuteReader::new(body);
    match op_code {
        op::PING | op::AUTH | op::SYNC | op::SET_WATCHES | op::SET_WATCHES2 | op::CLOSE_SESSION => {
            if op_code == op::SYNC {
                out.s(&r.string()?);
            }
            Ok(code::OK)
        }
        op::GET_DATA | op::EXISTS | op::GET_CHILDREN | op::GET_CHILDREN2 => {
            let path = r.string()?;
            if r.bool()? {
                return Ok(code::UNIMPLEMENTED);
            }
            Ok(read_one(served, op_code, &path, out))
        }
        op::GET_ACL => {
            let path = r.string()?;
            Ok(read_one(served, op_code, &path, out))
        }
        op::MULTI_READ => multi_read(served, &mut r, out),
        op::GET_ALL_CHILDREN_NUMBER => {
            let path = r.string()?;
            match node(&served.tree, &path) {
                Err(code) => Ok(code),
                Ok(id) => {
                    let below = served.tree.descendants(id).saturating_sub(1);
                    out.i32(below as i32);
                    Ok(code::OK)
                }
            }
        }
        op::GET_EPHEMERALS => {
            // This session owns none: the snapshot's own sessions are gone.
            out.i32(0);
            Ok(code::OK)
        }
        op::WHO_AM_I => {
            out.i32(1).s("ip").s("127.0.0.1");
            Ok(code::OK)
        }
        op::CHECK_WATCHES | op::REMOVE_WATCHES | op::ADD_WATCH => Ok(code::UNIMPLEMENTED),
        _ => Ok(code::NOT_READ_ONLY),
    }
}

fn node(tree: &Tree, path: &str) -> Result<NodeId, i32> {
    if !path.starts_with('/') || (path.len() > 1 && path.ends_with('/')) || path.contains("//") {
        return Err(code::BAD_ARGUMENTS);
    }
    tree.lookup(path).ok_or(code::NO_NODE)
}

/// One read: its reply body, or its error code.
fn read_one(served: &Served, op_code: i32, path: &str, out: &mut JuteWriter) -> i32 {
    let tree = &served.tree;
    let id = match node(tree, path) {
        Ok(id) => id,
        Err(code) => return code,
    };
    match op_code {
        op::GET_DATA => {
            out.buf(tree.data(id));
            write_stat(served, id, out);
        }
        op::EXISTS => write_stat(served, id, out),
        op::GET_CHILDREN | op::GET_CHILDREN2 => {
            let children = tree.children(id);
            out.i32(children.len() as i32);
            for &c in children {
                out.s(tree.name(c));
            }
            if op_code == op::GET_CHILDREN2 {
                write_stat(served, id, out);
            }
        }
        op::GET_ACL => {
            let acl = tree.acl(id);
            out.i32(acl.len() as i32);
            for a in acl {
                out.i32(a.perms).s(&a.scheme).s(&a.id);
            }
            write_stat(served, id, out);
        }
        _ => return code::UNIMPLEMENTED,
    }
    code::OK
}

/// The client's Stat: the real ephemeralOwner (containers and TTL nodes included, which a
/// server would mask) unless `masked`, and cversion as clients see it.
fn write_stat(served: &Served, id: NodeId, out: &mut JuteWriter) {
    let tree = &served.tree;
    let s = tree.stat(id);
    out.i64(s.czxid).i64(s.mzxid).i64(s.ctime).i64(s.mtime);
    out.i32(s.version).i32(tree.client_cversion(id)).i32(s.aversion);
    let owner = match NodeKind::of_owner(s.ephemeral_owner) {
        NodeKind::Container | NodeKind::Ttl(_) if served.masked => 0,
        _ => s.ephemeral_owner,
    };
    out.i64(owner);
    out.i32(tree.data(id).map_or(0, |d| d.len() as i32));
    out.i32(tree.children(id).len() as i32);
    out.i64(s.pzxid);
}

/// multiRead: (MultiHeader, request)* up to a done header; each read answered on its own
/// (a failed one as an error result), then the done header.
fn multi_read(served: &Served, r: &mut JuteReader<&[u8]>, out: &mut JuteWriter) -> Decoded<i32> {
    loop {
        let sub_op = r.i32()?;
        let done = r.bool()?;
        r.i32()?;
        if done {
            break;
        }
        let path = r.string()?;
        if sub_op != op::GET_CHILDREN && sub_op != op::GET_DATA {
            return Ok(code::BAD_ARGUMENTS);
        }
        r.bool()?; // the watch flag, which multiRead ignores
        let mut one = JuteWriter::default();
        match read_one(served, sub_op, &path, &mut one) {
            code::OK => {
                out.i32(sub_op).bool(false).i32(0);
                out.0.extend_from_slice(&one.0);
            }
            err => {
                out.i32(-1).bool(false).i32(err).i32(err);
            }
        }
    }
    out.i32(-1).bool(true).i32(-1);
    Ok(code::OK)
}

/// The reply to a connect request: the session the client asked to resume, or a new one.
pub fn connect_reply(frame: &[u8], new_session: i64) -> Vec<u8> {
    let mut r = JuteReader::new(frame);
    let requested = (|| -> Decoded<(i32, i64)> {
        r.i32()?;
        r.i64()?;
        let timeout = r.i32()?;
        let session = r.i64()?;
        Ok((timeout, session))
    })();
    let (timeout, session) = match requested {
        Ok((timeout, session)) if session != 0 => (timeout, session),
        Ok((timeout, _)) => (timeout, new_session),
        Err(_) => (10_000, new_session),
    };
    let mut body = JuteWriter::default();
    body.i32(0)
        .i32(timeout.clamp(4_000, 600_000))
        .i64(session)
        .buf(Some(&[0u8; 16]))
        .bool(false);
    let mut framed = (body.0.len() as i32).to_be_bytes().to_vec();
    framed.extend_from_slice(&body.0);
    framed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::snapfile::open_acl;
    use crate::snapshot::tree::{ROOT, StatPersisted};

    fn served() -> Served {
        let mut tree = Tree::with_root(StatPersisted::default(), None, 0);
        let acl = tree.intern_acl(open_acl());
        let a = tree.insert(ROOT, "a", b"x", acl, StatPersisted::default()).unwrap();
        tree.insert(a, "b", b"", acl, StatPersisted::default()).unwrap();
        Served {
            tree,
            zxid: 0x42,
            masked: false,
        }
    }

    fn request(xid: i32, op_code: i32, body: impl FnOnce(&mut JuteWriter)) -> Vec<u8> {
        let mut out = JuteWriter::default();
        out.i32(xid).i32(op_code);
        body(&mut out);
        out.0
    }

    /// (xid, zxid, err, body) of one framed reply.
    fn reply(bytes: &[u8]) -> (i32, i64, i32, Vec<u8>) {
        let mut r = JuteReader::new(bytes);
        let len = r.i32().unwrap() as usize;
        assert_eq!(len, bytes.len() - 4);
        let (xid, zxid, err) = (r.i32().unwrap(), r.i64().unwrap(), r.i32().unwrap());
        (xid, zxid, err, bytes[20..].to_vec())
    }

    #[test]
    fn get_children_and_errors_carry_the_tree_zxid() {
        let s = served();
        let mut out = Vec::new();
        answer(
            &s,
            &request(7, op::GET_CHILDREN, |o| {
                o.s("/a").bool(false);
            }),
            &mut out,
        );
        let (xid, zxid, err, body) = reply(&out);
        assert_eq!((xid, zxid, err), (7, 0x42, 0));
        assert_eq!(body, [0, 0, 0, 1, 0, 0, 0, 1, b'b']);
        out.clear();
        answer(
            &s,
            &request(8, op::GET_DATA, |o| {
                o.s("/nope").bool(false);
            }),
            &mut out,
        );
        assert_eq!(reply(&out).2, code::NO_NODE);
        out.clear();
        answer(
            &s,
            &request(9, 1, |o| {
                o.s("/c");
            }),
            &mut out,
        );
        assert_eq!(reply(&out).2, code::NOT_READ_ONLY, "a create is refused");
        out.clear();
        answer(
            &s,
            &request(10, op::GET_DATA, |o| {
                o.s("/a").bool(true);
            }),
            &mut out,
        );
        assert_eq!(reply(&out).2, code::UNIMPLEMENTED, "a watch is refused");
    }

    #[test]
    fn multi_read_answers_each_read_and_marks_failures() {
        let s = served();
        let mut out = Vec::new();
        let frame = request(3, op::MULTI_READ, |o| {
            o.i32(op::GET_DATA).bool(false).i32(-1).s("/a").bool(false);
            o.i32(op::GET_CHILDREN).bool(false).i32(-1).s("/gone").bool(false);
            o.i32(-1).bool(true).i32(-1);
        });
        assert_eq!(answer(&s, &frame, &mut out), After::Continue);
        let (_, _, err, body) = reply(&out);
        assert_eq!(err, 0);
        let mut r = JuteReader::new(&body[..]);
        assert_eq!(
            (r.i32().unwrap(), r.bool().unwrap(), r.i32().unwrap()),
            (op::GET_DATA, false, 0)
        );
        assert_eq!(r.buffer().unwrap(), b"x");
        for _ in 0..17 {
            r.i32().unwrap(); // the Stat: 68 bytes
        }
        assert_eq!(
            (r.i32().unwrap(), r.bool().unwrap(), r.i32().unwrap()),
            (-1, false, code::NO_NODE)
        );
        assert_eq!(r.i32().unwrap(), code::NO_NODE);
        assert_eq!((r.i32().unwrap(), r.bool().unwrap(), r.i32().unwrap()), (-1, true, -1));
    }

    #[test]
    fn connect_keeps_a_resumed_session_and_clamps_the_timeout() {
        let mut req = JuteWriter::default();
        req.i32(0).i64(0).i32(1000).i64(0x99).buf(Some(&[0; 16])).bool(false);
        let reply = connect_reply(&req.0, 0x1);
        let mut r = JuteReader::new(&reply[..]);
        r.i32().unwrap();
        assert_eq!((r.i32().unwrap(), r.i32().unwrap(), r.i64().unwrap()), (0, 4000, 0x99));
    }
}
