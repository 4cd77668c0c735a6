//! Applying logged transactions to a tree as ZooKeeper's DataTree does on restore: creates
//! set the parent's cversion and pzxid from the txn, deletes move pzxid forward, a session's
//! close removes its ephemerals, a failed multi changes nothing. Snapshots are fuzzy (written
//! while the tree changed), so a replayed txn may find its effect already there: such
//! conflicts are skipped, as the server skips them.

use std::collections::{BTreeMap, HashMap};

use super::tree::{CONTAINER_OWNER, NodeId, NodeKind, StatPersisted, Tree};
use super::txn::{CreateKind, Txn, TxnHeader, op};

/// A tree with the sessions it knows and who owns which ephemerals.
pub struct State {
    pub tree: Tree,
    /// Session id -> timeout (ms).
    pub sessions: BTreeMap<i64, i32>,
    ephemerals: HashMap<i64, Vec<NodeId>>,
}

impl State {
    pub fn new(tree: Tree, sessions: BTreeMap<i64, i32>) -> State {
        let mut ephemerals: HashMap<i64, Vec<NodeId>> = HashMap::new();
        for (owner, ids) in tree.ephemerals() {
            ephemerals.insert(owner, ids);
        }
        State {
            tree,
            sessions,
            ephemerals,
        }
    }

    /// Applies one transaction.
    pub fn apply(&mut self, h: &TxnHeader, txn: &Txn) {
        match txn {
            Txn::Create {
                path,
                data,
                acl,
                kind,
                parent_cversion,
            } => {
                let owner = match *kind {
                    CreateKind::Plain { ephemeral: true } => h.client_id,
                    CreateKind::Plain { ephemeral: false } => 0,
                    CreateKind::Container => CONTAINER_OWNER,
                    CreateKind::Ttl(ttl) => (0xffu64 << 56) as i64 | (ttl & 0x0000_00ff_ffff_ffff),
                };
                let acl = self.tree.intern_acl(acl.clone());
                self.create(h, path, data, acl, owner, *parent_cversion);
            }
            Txn::Delete { path } => self.delete(path, h.zxid),
            Txn::SetData { path, data, version } => {
                if let Some(id) = self.tree.lookup(path) {
                    self.tree.set_data(id, data);
                    let stat = self.tree.stat_mut(id);
                    stat.mtime = h.time;
                    stat.mzxid = h.zxid;
                    stat.version = *version;
                }
            }
            Txn::SetAcl { path, acl, version } => {
                if let Some(id) = self.tree.lookup(path) {
                    let acl = self.tree.intern_acl(acl.clone());
                    self.tree.set_acl(id, acl);
                    self.tree.stat_mut(id).aversion = *version;
                }
            }
            Txn::Multi(subs) => {
                if subs.iter().any(|(code, _)| *code == op::ERROR) {
                    return;
                }
                for (code, sub) in subs {
                    let sub_header = TxnHeader { op: *code, ..*h };
                    self.apply(&sub_header, sub);
                }
            }
            Txn::CreateSession { timeout } => {
                self.sessions.insert(h.client_id, *timeout);
            }
            Txn::CloseSession { paths } => {
                self.sessions.remove(&h.client_id);
                for path in paths {
                    self.delete(path, h.zxid);
                }
                let owned = self.ephemerals.remove(&h.client_id).unwrap_or_default();
                for id in owned {
                    if self.tree.parent(id).is_some() {
                        let path = self.tree.path(id);
                        self.delete(&path, h.zxid);
                    }
                }
            }
            Txn::Check { .. } | Txn::Error { .. } | Txn::Unknown => {}
        }
    }

    fn create(&mut self, h: &TxnHeader, path: &str, data: &[u8], acl: u32, owner: i64, parent_cversion: i32) {
        let Some((parent_path, name)) = split(path) else { return };
        let Some(parent) = self.tree.lookup(parent_path) else {
            return;
        };
        if let Some(existing) = self.tree.lookup(path) {
            // Already in the fuzzy snapshot: the server refreshes its ACL and, for a plain
            // create, brings the parent's cversion forward.
            self.tree.set_acl(existing, acl);
            if h.op == op::CREATE {
                self.bump_cversion(parent, parent_cversion, h.zxid);
            }
            return;
        }
        self.bump_cversion(parent, parent_cversion, h.zxid);
        let stat = StatPersisted {
            czxid: h.zxid,
            mzxid: h.zxid,
            ctime: h.time,
            mtime: h.time,
            version: 0,
            cversion: 0,
            aversion: 0,
            ephemeral_owner: owner,
            pzxid: h.zxid,
        };
        if let Some(id) = self.tree.insert(parent, name, data, acl, stat)
            && let NodeKind::Ephemeral(session) = NodeKind::of_owner(owner)
        {
            self.ephemerals.entry(session).or_default().push(id);
        }
    }

    fn bump_cversion(&mut self, parent: NodeId, cversion: i32, zxid: i64) {
        let stat = self.tree.stat_mut(parent);
        let cversion = if cversion == -1 { stat.cversion + 1 } else { cversion };
        if cversion > stat.cversion {
            stat.cversion = cversion;
            stat.pzxid = zxid;
        }
    }

    fn delete(&mut self, path: &str, zxid: i64) {
        let Some((parent_path, _)) = split(path) else { return };
        let Some(parent) = self.tree.lookup(parent_path) else {
            return;
        };
        let stat = self.tree.stat_mut(parent);
        if zxid > stat.pzxid {
            stat.pzxid = zxid;
        }
        let Some(id) = self.tree.lookup(path) else { return };
        if let NodeKind::Ephemeral(session) = NodeKind::of_owner(self.tree.stat(id).ephemeral_owner)
            && let Some(owned) = self.ephemerals.get_mut(&session)
        {
            owned.retain(|&e| e != id);
        }
        self.tree.remove(id);
    }
}

/// `/a/b` -> (`/a`, `b`); `/a` -> (`/`, `a`); None for the root or a relative path.
fn split(path: &str) -> Option<(&str, &str)> {
    let slash = path.rfind('/')?;
    let name = &path[slash + 1..];
    if name.is_empty() {
        return None;
    }
    Some((if slash == 0 { "/" } else { &path[..slash] }, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::snapfile::open_acl;
    use crate::snapshot::tree::ROOT;

    fn header(zxid: i64, op: i32) -> TxnHeader {
        TxnHeader {
            client_id: 0x77,
            cxid: 1,
            zxid,
            time: 1000 + zxid,
            op,
        }
    }

    fn create(path: &str, kind: CreateKind, parent_cversion: i32) -> Txn {
        Txn::Create {
            path: path.into(),
            data: b"d".to_vec(),
            acl: open_acl(),
            kind,
            parent_cversion,
        }
    }

    fn state() -> State {
        let mut tree = Tree::with_root(StatPersisted::default(), None, 0);
        tree.intern_acl(open_acl());
        State::new(tree, BTreeMap::new())
    }

    #[test]
    fn creates_set_parent_cversion_and_kinds() {
        let mut s = state();
        s.apply(
            &header(2, op::CREATE),
            &create("/a", CreateKind::Plain { ephemeral: false }, 1),
        );
        s.apply(
            &header(3, op::CREATE_CONTAINER),
            &create("/a/c", CreateKind::Container, 1),
        );
        s.apply(&header(4, op::CREATE_TTL), &create("/a/t", CreateKind::Ttl(5000), 2));
        let a = s.tree.lookup("/a").unwrap();
        assert_eq!((s.tree.stat(a).cversion, s.tree.stat(a).pzxid), (2, 4));
        let t = s.tree.lookup("/a/t").unwrap();
        assert_eq!(NodeKind::of_owner(s.tree.stat(t).ephemeral_owner), NodeKind::Ttl(5000));
        // Replaying an older create (fuzzy snapshot) leaves the parent alone.
        s.apply(&header(3, op::CREATE2), &create("/a/c", CreateKind::Container, 1));
        assert_eq!(s.tree.stat(a).cversion, 2);
    }

    #[test]
    fn close_session_removes_its_ephemerals_and_failed_multi_nothing() {
        let mut s = state();
        s.apply(&header(2, op::CREATE_SESSION), &Txn::CreateSession { timeout: 4000 });
        s.apply(
            &header(3, op::CREATE),
            &create("/e", CreateKind::Plain { ephemeral: true }, 1),
        );
        assert_eq!(s.sessions.get(&0x77), Some(&4000));
        let failed = Txn::Multi(vec![
            (op::CREATE, create("/m", CreateKind::Plain { ephemeral: false }, 2)),
            (op::ERROR, Txn::Error { code: -110 }),
        ]);
        s.apply(&header(4, op::MULTI), &failed);
        assert_eq!(s.tree.lookup("/m"), None);
        s.apply(&header(5, op::CLOSE_SESSION), &Txn::CloseSession { paths: vec![] });
        assert_eq!(s.tree.lookup("/e"), None);
        assert_eq!(s.tree.stat(ROOT).pzxid, 5);
        assert!(s.sessions.is_empty());
    }
}
