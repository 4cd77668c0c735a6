//! `stat [-w] path`: a znode's metadata.

use std::io::Write;

use clap::Args;
use serde::Serialize;
use zookeeper_client::Stat as ZkStat;

use zookeeper_client::Client;

use crate::commands::Run;
use crate::commands::each::{Labeled, Read, stream_each, watch_each};
use crate::errors::ZkError;
use crate::output::stat::render_stat;
use crate::output::{Document, Render, Reply};
use crate::shell::Shell;
use crate::tree::glob::{self, Target};
use crate::watch::oneshot::NodeRead;

/// Print a znode's stat.
///
/// czxid/mzxid/pzxid are the transaction ids that created it, last changed its data, and last
/// changed its children; version counts data changes, cversion child changes, aclVersion ACL
/// changes; ephemeralOwner is the owning session of an ephemeral node (0 otherwise).
///
/// The path may be a glob (*, ?, [a-c] within a name, ** any number of levels, \* a
/// plain star; quote it in a system shell): each match's stat comes under a 'path:' header
/// (one JSON document each), and -w leaves a watch on every match. A glob that matches nothing
/// fails (exit 1).
///
/// Example: stat /config
///
/// Example: stat '/services/*/config'
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
    /// Znode path, or a glob matching any number of them
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

impl WatchedNode {
    /// The stat of `path` (None when absent), leaving a one-shot watch with `-w`.
    pub async fn read_stat(
        &self,
        op: &'static str,
        shell: &Shell,
        path: &str,
    ) -> anyhow::Result<(String, Option<ZkStat>)> {
        let read = NodeRead::new(shell, op, path, self.watch).await?;
        let stat = read.stat().await?;
        Ok((read.path, stat))
    }

    /// Runs `stat` or `exists` on the node, or on each match of a pattern: `one` makes the
    /// reply for one node, `row` the row for a match (which exists).
    pub async fn each<R: Document + 'static>(
        &self,
        op: &'static str,
        shell: &Shell,
        one: impl FnOnce(String, Option<ZkStat>) -> anyhow::Result<Reply>,
        row: impl FnMut(bool, String, ZkStat) -> R + Send + 'static,
    ) -> anyhow::Result<Reply> {
        let matches = match glob::target(shell, op, &self.path).await? {
            Target::One(path) => {
                let (path, stat) = self.read_stat(op, shell, &path).await?;
                return one(path, stat);
            }
            Target::Many(matches) => *matches,
        };
        if self.watch {
            let read = async |shell: &Shell, path: &str| match self.read_stat(op, shell, path).await? {
                (_, Some(stat)) => Ok(stat),
                (path, None) => Err(ZkError::new(op, path, zookeeper_client::Error::NoNode).into()),
            };
            return watch_each(shell, matches, read, row).await;
        }
        let read = |client: &Client, path: &str| -> Read<ZkStat> {
            let request = client.check_stat(path);
            Box::pin(async move { request.await?.ok_or(zookeeper_client::Error::NoNode) })
        };
        Ok(stream_each(matches, read, row))
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
        let one = |path: String, stat| match stat {
            Some(stat) => Ok(Reply::value(NodeStat { path, stat })),
            None => Err(ZkError::new("stat", path, zookeeper_client::Error::NoNode).into()),
        };
        let row = |first, path: String, stat| Labeled {
            path: path.clone(),
            first,
            inner: NodeStat { path, stat },
        };
        self.node.each("stat", shell, one, row).await
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
