//! The logged transactions that touched a path (or a subtree), in order, between two points:
//! who (session), when, what (ZooKeeper's operation name), and with `with_data` the node's
//! data before and after, from a tree replayed alongside.

use std::path::Path;

use super::apply::State;
use super::point::Point;
use super::replay::{self, DataDir};
use super::txn::{Txn, TxnHeader, op, op_name};
use super::txnlog::LogReader;

/// One change to one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub time: i64,
    pub zxid: i64,
    pub session: i64,
    pub op: &'static str,
    pub path: String,
    /// The version a setData or setACL wrote, or a check expected.
    pub version: Option<i32>,
    /// The size of the data a create or setData wrote.
    pub data_length: Option<usize>,
    /// Part of a multi.
    pub in_multi: bool,
    /// With data: the node's data before and after (None: absent).
    pub before: Option<Vec<u8>>,
    pub after: Option<Vec<u8>>,
}

/// What to list.
#[derive(Debug, Clone)]
pub struct Query {
    pub path: String,
    pub recursive: bool,
    pub since: Option<Point>,
    pub until: Point,
    pub with_data: bool,
}

impl Query {
    fn touches(&self, path: &str) -> bool {
        path == self.path
            || (self.recursive
                && (self.path == "/" || path.strip_prefix(&self.path).is_some_and(|rest| rest.starts_with('/'))))
    }

    fn started(&self, h: &TxnHeader) -> bool {
        match self.since {
            None | Some(Point::Latest) => true,
            Some(Point::Zxid(z)) => h.zxid >= z,
            Some(Point::Time(t)) => h.time >= t,
        }
    }

    fn ended(&self, h: &TxnHeader) -> bool {
        match self.until {
            Point::Latest => false,
            Point::Zxid(z) => h.zxid > z,
            Point::Time(t) => h.time > t,
        }
    }
}

/// Sends each change to `emit` in zxid order, until it returns false. `source` is a data
/// dir or a snapshot file (the logs beside it are read).
pub fn scan(source: &Path, query: &Query, mut emit: impl FnMut(Change) -> bool) -> anyhow::Result<()> {
    let dir = if source.is_file() {
        source.parent().unwrap_or(Path::new("."))
    } else {
        source
    };
    let data = DataDir::scan(dir)?;
    // The data before a change needs the tree as it was: replayed from the newest snapshot
    // before the first change asked for, and kept in step with the logs.
    let mut state = None;
    let mut from = i64::MIN;
    if query.with_data {
        let base = match query.since {
            Some(Point::Zxid(z)) => Point::Zxid(z - 1),
            Some(Point::Time(t)) => Point::Time(t - 1),
            _ => Point::Zxid(data.snapshots.first().map_or(0, |(z, _)| *z)),
        };
        let replayed = replay::open(dir, base, false)?;
        from = replayed.zxid;
        state = Some(State::new(replayed.tree, replayed.sessions));
    }
    for (start, path) in &data.logs {
        if data.logs.iter().any(|(next, _)| next > start && *next <= from + 1) {
            continue;
        }
        let mut log = LogReader::open(path)?;
        while let Some(entry) = log.next_entry()? {
            let h = entry.header;
            if h.zxid <= from {
                continue;
            }
            if query.ended(&h) {
                return Ok(());
            }
            let wanted = query.started(&h);
            let mut changes = Vec::new();
            if wanted {
                collect(query, &h, &entry.txn, false, &mut changes);
            }
            if let Some(state) = state.as_mut() {
                for c in &mut changes {
                    c.before = state
                        .tree
                        .lookup(&c.path)
                        .and_then(|id| state.tree.data(id).map(<[u8]>::to_vec));
                }
                state.apply(&h, &entry.txn);
                for c in &mut changes {
                    c.after = state
                        .tree
                        .lookup(&c.path)
                        .map(|id| state.tree.data(id).unwrap_or_default().to_vec());
                }
            }
            for c in changes {
                if !emit(c) {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

fn collect(query: &Query, h: &TxnHeader, txn: &Txn, in_multi: bool, out: &mut Vec<Change>) {
    let change = |code: i32, path: &str, version: Option<i32>, data_length: Option<usize>| Change {
        time: h.time,
        zxid: h.zxid,
        session: h.client_id,
        op: op_name(code),
        path: path.to_string(),
        version,
        data_length,
        in_multi,
        before: None,
        after: None,
    };
    match txn {
        // A failed multi changed nothing.
        Txn::Multi(subs) if !subs.iter().any(|(code, _)| *code == op::ERROR) => {
            for (code, sub) in subs {
                let sub_header = TxnHeader { op: *code, ..*h };
                collect(query, &sub_header, sub, true, out);
            }
        }
        Txn::CloseSession { paths } => {
            for path in paths.iter().filter(|p| query.touches(p)) {
                out.push(change(h.op, path, None, None));
            }
        }
        Txn::Create { path, data, .. } if query.touches(path) => out.push(change(h.op, path, None, Some(data.len()))),
        Txn::SetData { path, data, version } if query.touches(path) => {
            out.push(change(h.op, path, Some(*version), Some(data.len())))
        }
        Txn::SetAcl { path, version, .. } | Txn::Check { path, version } if query.touches(path) => {
            out.push(change(h.op, path, Some(*version), None))
        }
        Txn::Delete { path } if query.touches(path) => out.push(change(h.op, path, None, None)),
        _ => {}
    }
}
