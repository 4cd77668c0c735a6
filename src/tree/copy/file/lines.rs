//! The export file's three kinds of line, as JSON: the header (what the file is, where and
//! when it was read), one line per node, and the end line (counts, zxid range seen). Turning
//! a record into its line and back lives here; the file's framing in `write` and `read`.

use std::cmp::Ordering;

use base64::Engine;
use serde::{Deserialize, Serialize};
use zookeeper_client::Stat;

use crate::output::stat::rfc3339;
use crate::tree::{AclEntry, NodeRecord};

/// The `format` a header names: a file without it is not an export.
pub const FORMAT: &str = "zksh-export";
/// The version written, and the newest one read.
pub const VERSION: u32 = 1;

/// The first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The connect string read from, without credentials (zksh never puts them there).
    pub source: String,
    /// The subtree's root on the source; node paths are relative to it.
    pub root: String,
    /// When the read began, RFC 3339.
    pub time: String,
    /// Ephemeral nodes were kept (marked `"ephemeral": true`); else they were skipped.
    #[serde(default)]
    pub include_ephemeral: bool,
}

impl Header {
    pub fn new(source: &str, root: &str, include_ephemeral: bool) -> Header {
        Header {
            format: FORMAT.to_string(),
            version: VERSION,
            source: source.to_string(),
            root: root.to_string(),
            time: rfc3339(chrono::Utc::now().timestamp_millis()),
            include_ephemeral,
        }
    }
}

/// The last line: `{"end": {...}}`. A file without it was cut short, even when the cut fell
/// between two lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trailer {
    pub nodes: u64,
    pub ephemerals_skipped: u64,
    /// Nodes written with a redacted ACL entry (`--allow-redacted`).
    pub redacted: u64,
    /// The lowest and highest czxid, mzxid or pzxid among the nodes: known only once every
    /// node was read, so it is here rather than in the header.
    pub zxids: Option<ZxidRange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZxidRange {
    pub min: i64,
    pub max: i64,
}

#[derive(Serialize)]
struct EndOut<'a> {
    end: &'a Trailer,
}

/// A node line or the end line, as read: which one it is shows in the keys present.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineIn {
    pub path: Option<String>,
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub acl: Vec<AclIn>,
    pub stat: Option<StatIn>,
    pub end: Option<Trailer>,
}

#[derive(Serialize, Deserialize)]
pub struct AclIn {
    pub scheme: String,
    pub id: String,
    pub perms: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// A stat as written: DESIGN.md's names, times as RFC 3339 with milliseconds (or the
/// number of milliseconds, for a time outside chrono's range).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatIn {
    czxid: i64,
    mzxid: i64,
    pzxid: i64,
    ctime: TimeIn,
    mtime: TimeIn,
    version: i32,
    cversion: i32,
    acl_version: i32,
    ephemeral_owner: i64,
    data_length: i32,
    num_children: i32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TimeIn {
    Text(String),
    Millis(i64),
}

impl TimeIn {
    fn millis(&self) -> Result<i64, String> {
        match self {
            TimeIn::Millis(ms) => Ok(*ms),
            TimeIn::Text(text) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(time) => Ok(time.timestamp_millis()),
                Err(_) => text.parse().map_err(|_| format!("{text:?} is not an RFC 3339 time")),
            },
        }
    }
}

#[derive(Serialize)]
struct NodeOut<'a> {
    path: &'a str,
    data: String,
    acl: Vec<AclIn>,
    #[serde(serialize_with = "crate::output::stat::serialize")]
    stat: &'a Stat,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ephemeral: bool,
}

/// The header line, without its newline.
pub fn header_line(header: &Header) -> String {
    serde_json::to_string(header).unwrap_or_default()
}

/// A node's line, without its newline.
pub fn node_line(record: &NodeRecord) -> String {
    let line = NodeOut {
        path: &record.rel,
        data: base64::engine::general_purpose::STANDARD.encode(&record.data),
        acl: record
            .acl
            .iter()
            .map(|entry| AclIn {
                scheme: entry.scheme.clone(),
                id: entry.id.clone(),
                perms: entry.perms.clone(),
                redacted: entry.redacted,
            })
            .collect(),
        stat: &record.stat,
        ephemeral: record.is_ephemeral(),
    };
    // Strings, numbers and a stat: nothing here can fail to serialize.
    serde_json::to_string(&line).unwrap_or_default()
}

/// The end line, without its newline.
pub fn end_line(trailer: &Trailer) -> String {
    serde_json::to_string(&EndOut { end: trailer }).unwrap_or_default()
}

impl LineIn {
    /// The node this line describes; an error says what is wrong with it.
    pub fn into_record(self) -> Result<NodeRecord, String> {
        let rel = self.path.ok_or("a node line without \"path\"")?;
        if rel.starts_with('/') || rel.ends_with('/') || rel.contains("//") {
            return Err(format!("{rel:?} is not a path relative to the export's root"));
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(&self.data)
            .map_err(|_| format!("the data of {} is not valid base64", shown(&rel)))?;
        let stat = self.stat.ok_or_else(|| format!("{} has no \"stat\"", shown(&rel)))?;
        if stat.data_length as usize != data.len() {
            return Err(format!(
                "the data of {} is {} bytes, its stat says {}",
                shown(&rel),
                data.len(),
                stat.data_length
            ));
        }
        let stat = Stat {
            czxid: stat.czxid,
            mzxid: stat.mzxid,
            pzxid: stat.pzxid,
            ctime: stat.ctime.millis()?,
            mtime: stat.mtime.millis()?,
            version: stat.version,
            cversion: stat.cversion,
            aversion: stat.acl_version,
            ephemeral_owner: stat.ephemeral_owner,
            data_length: stat.data_length,
            num_children: stat.num_children,
        };
        let acl = self
            .acl
            .into_iter()
            .map(|entry| AclEntry {
                scheme: entry.scheme,
                id: entry.id,
                perms: entry.perms,
                redacted: entry.redacted,
            })
            .collect();
        Ok(NodeRecord { rel, data, acl, stat })
    }
}

/// A relative path as a message shows it: the root is `the root`.
pub fn shown(rel: &str) -> String {
    if rel.is_empty() {
        "the root".to_string()
    } else {
        rel.to_string()
    }
}

/// The walk's order of relative paths: parents before children, siblings sorted by name
/// (so `a` < `a/z` < `a-b`: the order both sides of a merge come in).
pub fn walk_order(a: &str, b: &str) -> Ordering {
    // The root splits into one empty name, which sorts before every real one.
    a.split('/').cmp(b.split('/'))
}

/// The parent of a relative path ("" for a child of the root); None for the root.
pub fn parent_rel(rel: &str) -> Option<&str> {
    if rel.is_empty() {
        return None;
    }
    Some(rel.rfind('/').map_or("", |i| &rel[..i]))
}

/// Whether `rel` is `ancestor` or below it.
pub fn within_rel(rel: &str, ancestor: &str) -> bool {
    ancestor.is_empty() || rel == ancestor || rel.strip_prefix(ancestor).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_order_puts_a_subtree_before_the_next_sibling() {
        let mut paths = vec!["a-b", "a/z", "", "a", "b", "a/b/c"];
        paths.sort_by(|a, b| walk_order(a, b));
        assert_eq!(paths, ["", "a", "a/b/c", "a/z", "a-b", "b"]);
        assert_eq!(parent_rel("a/b"), Some("a"));
        assert_eq!(parent_rel("a"), Some(""));
        assert_eq!(parent_rel(""), None);
        assert!(within_rel("a/b", "a") && within_rel("a", "") && !within_rel("ab", "a"));
    }
}
