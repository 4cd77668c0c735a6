//! Quotas as zkCli keeps them: znodes under /zookeeper/quota mirroring the quota'd path, with
//! `zookeeper_limits` (what is allowed) and `zookeeper_stats` (what is used, kept by the
//! server) holding StatsTrack text: `count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1`.
//! -1 means "no limit". The text is written exactly as zkCli 3.8 writes it, so zkCli, Kazoo
//! and the server read ours and we read theirs. Also the reads and checks the quota commands
//! share (zkCli's rule of one quota per line from the root down).

use serde::Serialize;
use zookeeper_client::{Client, Error as ClientError, Stat};

use crate::errors::{ShellError, ZkError};
use crate::path::parent_of;
use crate::tree::{Walk, WalkOptions};
use crate::zk::Zk;
use crate::zk::write::{NewNode, WriteOp};

/// The root of the quota tree.
pub const QUOTA_ROOT: &str = "/zookeeper/quota";
const LIMITS: &str = "zookeeper_limits";
const STATS: &str = "zookeeper_stats";

/// Where the quota of `path` lives: `/zookeeper/quota<path>`.
pub fn quota_node(path: &str) -> String {
    format!("{QUOTA_ROOT}{path}")
}

pub fn limits_node(path: &str) -> String {
    format!("{QUOTA_ROOT}{path}/{LIMITS}")
}

pub fn stats_node(path: &str) -> String {
    format!("{QUOTA_ROOT}{path}/{STATS}")
}

/// Whether a node of the quota tree is a limits node: the quota'd path it belongs to.
pub fn quota_of(node: &str) -> Option<&str> {
    node.strip_prefix(QUOTA_ROOT)?.strip_suffix(&format!("/{LIMITS}"))
}

/// A quota's four numbers (or the usage's two, the hard limits then -1); -1 is "none".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Track {
    /// Soft limit on nodes (a warning in the server's log when passed), or nodes used.
    pub count: i64,
    /// Soft limit on bytes of data, or bytes used.
    pub bytes: i64,
    /// Hard limit on nodes: creates beyond it fail (when the server enforces quotas).
    #[serde(rename = "countHardLimit")]
    pub count_hard_limit: i64,
    /// Hard limit on bytes.
    #[serde(rename = "byteHardLimit")]
    pub byte_hard_limit: i64,
}

impl Default for Track {
    fn default() -> Track {
        Track {
            count: -1,
            bytes: -1,
            count_hard_limit: -1,
            byte_hard_limit: -1,
        }
    }
}

impl Track {
    /// Reads StatsTrack text (any of its forms: 3.4's `count=1,bytes=2`, 3.7+'s with hard
    /// limits); None when it is not that.
    pub fn parse(text: &str) -> Option<Track> {
        let mut track = Track::default();
        for pair in text.trim().split([',', ';']).filter(|p| !p.is_empty()) {
            let mut parts = pair.split('=');
            let key = parts.next()?;
            let value = match parts.next() {
                None | Some("") => -1,
                Some(value) => value.parse().ok()?,
            };
            match key {
                "count" => track.count = value,
                "bytes" => track.bytes = value,
                "countHardLimit" => track.count_hard_limit = value,
                "byteHardLimit" => track.byte_hard_limit = value,
                // Later servers add more (bytesPerSec...): kept out, never an error.
                _ => {}
            }
        }
        Some(track)
    }

    /// A limits node's text, as zkCli 3.8 writes it (its odd `=` before the hard limits
    /// included: its parser and ours both expect it).
    pub fn limits_text(&self) -> String {
        format!(
            "count={},bytes={}=;byteHardLimit={};countHardLimit={}",
            self.count, self.bytes, self.byte_hard_limit, self.count_hard_limit
        )
    }

    /// A stats node's first text (the server replaces it with the real usage).
    pub fn empty_stats_text() -> &'static str {
        "count=0,bytes=0"
    }

    /// Whether no limit is left.
    pub fn is_unlimited(&self) -> bool {
        self.count < 0 && self.bytes < 0 && self.count_hard_limit < 0 && self.byte_hard_limit < 0
    }

    /// The text zkCli prints: StatsTrack's own form.
    pub fn zkcli_text(&self, with_hard_limits: bool) -> String {
        if with_hard_limits {
            self.limits_text()
        } else {
            format!("count={},bytes={}", self.count, self.bytes)
        }
    }
}

/// The node's stat, or None when it is absent.
pub async fn exists(zk: &Zk, client: &Client, op: &'static str, path: &str) -> anyhow::Result<Option<Stat>> {
    zk.call(op, path, client.check_stat(path)).await
}

/// The node's limits and the version of its limits node; None when it has no quota.
pub async fn read_limits(
    zk: &Zk,
    client: &Client,
    op: &'static str,
    path: &str,
) -> anyhow::Result<Option<(Track, i32)>> {
    let node = limits_node(path);
    let (data, stat) = match zk.call(op, &node, client.get_data(&node)).await {
        Ok(found) => found,
        Err(err) if is(&err, &ClientError::NoNode) => return Ok(None),
        Err(err) => return Err(err),
    };
    let text = String::from_utf8_lossy(&data);
    let track = Track::parse(&text)
        .ok_or_else(|| ShellError::refused(op, node.clone(), format!("not a quota: '{}'", text.trim())))?;
    Ok(Some((track, stat.version)))
}

/// Whether `err` is ZooKeeper's `which`.
pub fn is(err: &anyhow::Error, which: &ClientError) -> bool {
    ZkError::is(err, which)
}

/// The refusal (exit 1) when a node has no quota: zkCli says so and exits 0.
pub fn no_quota(op: &'static str, path: &str) -> anyhow::Error {
    ShellError::refused(op, path, "no quota is set on it")
}

/// zkCli's rule: one quota on any line from the root down.
pub async fn refuse_nested(zk: &Zk, client: &Client, path: &str) -> anyhow::Result<()> {
    const OP: &str = "setquota";
    let mut above = parent_of(path);
    while above != "/" {
        if exists(zk, client, OP, &limits_node(above)).await?.is_some() {
            return Err(ShellError::refused(OP, path, format!("{above} above it has a quota")));
        }
        above = parent_of(above);
    }
    let own = quota_node(path);
    if exists(zk, client, OP, &own).await?.is_none() {
        return Ok(());
    }
    let mut walk = Walk::start(zk, client.clone(), OP, &own, WalkOptions::default());
    while let Some(visit) = walk.next().await? {
        if let Some(below) = quota_of(&visit.path).filter(|below| *below != path) {
            return Err(ShellError::refused(OP, path, format!("{below} below it has a quota")));
        }
    }
    Ok(())
}

/// Creates the quota tree's nodes down to `node` (those missing).
pub async fn create_parents(zk: &Zk, client: &Client, node: &str) -> anyhow::Result<()> {
    let mut at = String::new();
    for part in node.split('/').filter(|p| !p.is_empty()) {
        at.push('/');
        at.push_str(part);
        if exists(zk, client, "setquota", &at).await?.is_some() {
            continue;
        }
        match zk.apply(&plain_node(&at, Vec::new())).await {
            Err(err) if !is(&err, &ClientError::NodeExists) => return Err(err),
            _ => {}
        }
    }
    Ok(())
}

/// A persistent node open to all, as zkCli creates the quota tree's nodes.
pub fn plain_node(path: &str, data: Vec<u8>) -> WriteOp {
    WriteOp::Create(NewNode::persistent(path, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_what_zkcli_writes() {
        let zkcli = "count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1";
        let track = Track::parse(zkcli).unwrap();
        assert_eq!(
            track,
            Track {
                count: 5,
                bytes: -1,
                count_hard_limit: -1,
                byte_hard_limit: 100
            }
        );
        assert_eq!(track.limits_text(), zkcli);
        let old = Track::parse("count=2,bytes=8").unwrap();
        assert_eq!((old.count, old.bytes, old.count_hard_limit), (2, 8, -1));
        assert_eq!(Track::parse("count=x"), None);
        assert_eq!(quota_of("/zookeeper/quota/a/b/zookeeper_limits"), Some("/a/b"));
        assert_eq!(quota_of("/zookeeper/quota/a/zookeeper_stats"), None);
    }
}
