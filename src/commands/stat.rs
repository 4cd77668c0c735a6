//! `stat [-w] path`: a znode's metadata.

use std::io::Write;

use clap::Args;
use serde::Serialize;
use zookeeper_client::Stat as ZkStat;

use crate::commands::Run;
use crate::errors::ZkError;
use crate::output::stat::render_stat;
use crate::output::{Render, Reply};
use crate::shell::Shell;
use crate::watch::oneshot::NodeRead;

/// Print a znode's stat.
///
/// czxid/mzxid/pzxid are the transaction ids that created it, last changed its data, and last
/// changed its children; version counts data changes, cversion child changes, aclVersion ACL
/// changes; ephemeralOwner is the owning session of an ephemeral node (0 otherwise).
///
/// Example: stat /config
#[derive(Debug, Args)]
#[command(about = "Print a znode's stat: zxids, times, versions, owner, sizes")]
pub struct Stat {
    #[command(flatten)]
    pub node: WatchedNode,
}

/// A node to read, maybe leaving a one-shot watch: the arguments of `stat` and `exists`.
#[derive(Debug, Args)]
pub struct WatchedNode {
    /// Leave a one-shot watch: the next change prints an event (re-arm by repeating)
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

impl WatchedNode {
    /// The resolved path and its stat (None when absent), leaving a one-shot watch with `-w`.
    pub async fn read_stat(&self, op: &'static str, shell: &Shell) -> anyhow::Result<(String, Option<ZkStat>)> {
        let read = NodeRead::new(shell, op, &self.path, self.watch).await?;
        let stat = read.stat().await?;
        Ok((read.path, stat))
    }
}

/// `stat`, `set -s`: a node's path and stat.
#[derive(Debug, Serialize)]
pub struct NodeStat {
    pub path: String,
    #[serde(serialize_with = "crate::output::stat::serialize")]
    pub stat: ZkStat,
}

impl Render for NodeStat {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        render_stat(&self.stat, out)
    }
}

impl Run for Stat {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        match self.node.read_stat("stat", shell).await? {
            (path, Some(stat)) => Ok(Reply::value(NodeStat { path, stat })),
            (path, None) => Err(ZkError::new("stat", path, zookeeper_client::Error::NoNode).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::OutputFormat;
    use crate::output::rendered;
    use crate::output::stat::{readable_time, sample_stat};

    #[test]
    fn a_stat_reads_like_zkclis() {
        let node = NodeStat {
            path: "/config".into(),
            stat: sample_stat(),
        };
        // Local times depend on the machine's zone: placeholders keep the snapshot stable.
        let text = rendered(&node, OutputFormat::Text)
            .replace(&readable_time(sample_stat().ctime), "<ctime>")
            .replace(&readable_time(sample_stat().mtime), "<mtime>");
        insta::assert_snapshot!(text, @"
        cZxid = 0x1a
        ctime = <ctime>
        mZxid = 0x2b
        mtime = <mtime>
        pZxid = 0x2c
        cversion = 1
        dataVersion = 3
        aclVersion = 0
        ephemeralOwner = 0x0
        dataLength = 5
        numChildren = 2
        ");
        insta::assert_snapshot!(rendered(&node, OutputFormat::Json), @r#"{"path":"/config","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}"#);
    }
}
