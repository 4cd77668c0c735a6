//! `ls [-s] [-l] [-w] [-R] [path]`: a znode's children, sorted; with -R the whole subtree,
//! streamed from the tree engine.

use std::io::{IsTerminal, Write};

use clap::Args;
use colored::Colorize;
use serde::Serialize;
use zookeeper_client::Stat;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::stat::{readable_time, render_stat};
use crate::output::{Render, Reply, RowStream};
use crate::path::child_path;
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::{DEFAULT_PARALLEL, Walk, WalkOptions};
use crate::watch::oneshot::NodeRead;

/// List a znode's children, one per line, sorted.
///
/// -s adds the parent's stat; -l shows each child's data size, child count, last
/// modification time, and an 'e' mark for ephemeral nodes.
///
/// -R lists the node and everything below it as full paths (zkCli's ls -R): the node
/// first, parents before children, siblings sorted. Output starts at once and memory stays
/// flat however large the tree; nodes deleted during the walk are skipped.
///
/// Example: ls -R /app > paths.txt
#[derive(Debug, Args)]
#[command(about = "List a znode's children, sorted", visible_alias = "dir")]
pub struct Ls {
    /// Also print the node's stat
    #[arg(short = 's', long)]
    pub stat: bool,
    /// Leave a one-shot watch: the next change prints an event (re-arm by repeating)
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Long listing: size, children, mtime, ephemeral mark per child
    #[arg(short = 'l', long)]
    pub long: bool,
    /// The whole subtree, as full paths (depth first, sorted)
    #[arg(short = 'R', long, conflicts_with_all = ["stat", "watch"])]
    pub recursive: bool,
    /// Read requests in flight at once (with -R)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// `ls`, `ls -s`.
#[derive(Debug, Serialize)]
pub struct Children {
    pub path: String,
    pub children: Vec<String>,
    #[serde(
        serialize_with = "crate::output::stat::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub stat: Option<Stat>,
}

impl Render for Children {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for child in &self.children {
            writeln!(out, "{child}")?;
        }
        if let Some(stat) = &self.stat {
            render_stat(stat, out)?;
        }
        Ok(())
    }
}

/// `ls -l`.
#[derive(Debug, Serialize)]
pub struct LongListing {
    pub path: String,
    pub children: Vec<ChildEntry>,
    /// A header row names the columns for a reader at a terminal; a pipe gets rows only.
    #[serde(skip)]
    pub header: bool,
}

/// One child in `ls -l`.
#[derive(Debug, Serialize)]
pub struct ChildEntry {
    pub name: String,
    /// None when the child vanished between the listing and the stat.
    #[serde(serialize_with = "crate::output::stat::serialize_opt")]
    pub stat: Option<Stat>,
}

impl Render for LongListing {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.header {
            let time_width = readable_time(0).chars().count();
            let header = format!(
                "{} {:>9} {:>6}  {:<time_width$}  {}",
                "t", "bytes", "kids", "modified", "name"
            );
            writeln!(out, "{}", header.bold())?;
        }
        for entry in &self.children {
            match &entry.stat {
                Some(stat) => writeln!(
                    out,
                    "{} {:>9} {:>6}  {}  {}",
                    if stat.ephemeral_owner != 0 { "e" } else { "-" },
                    stat.data_length,
                    stat.num_children,
                    readable_time(stat.mtime),
                    entry.name.blue()
                )?,
                None => writeln!(out, "? {:>9} {:>6}  {:29}  {} (vanished)", "-", "-", "-", entry.name)?,
            }
        }
        Ok(())
    }
}

/// One node of `ls -R`: its full path, and its stat with -l.
#[derive(Debug, Serialize)]
pub struct TreeEntry {
    pub path: String,
    #[serde(
        serialize_with = "crate::output::stat::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub stat: Option<Stat>,
}

impl Render for TreeEntry {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match &self.stat {
            None => writeln!(out, "{}", self.path),
            Some(stat) => writeln!(
                out,
                "{} {:>9} {:>6}  {}  {}",
                if stat.ephemeral_owner != 0 { "e" } else { "-" },
                stat.data_length,
                stat.num_children,
                readable_time(stat.mtime),
                self.path
            ),
        }
    }
}

/// `ls -R`: the subtree streamed as it is walked. A node the server would not let us read
/// is listed, and the run ends with an error naming how many there were.
async fn list_recursive(ls: Ls, shell: &mut Shell) -> anyhow::Result<Reply> {
    let (path, client) = shell.target(ls.path.as_deref().unwrap_or(".")).await?;
    let options = WalkOptions {
        parallel: ls.parallel,
        data: ls.long,
        ..WalkOptions::default()
    };
    let mut walk = Walk::start(shell.zk(), client, "ls -R", &path, options);
    // On a terminal, after a second: how many nodes so far, and how fast.
    let line = ProgressLine::walking(walk.seen(), format!("ls -R {path}"));
    let root = path.clone();
    let stream = RowStream::spawn("ls -R", path, "node", move |rows| async move {
        let mut refused = 0usize;
        while let Some(batch) = walk.next_batch().await? {
            for visit in batch {
                refused += usize::from(visit.refused.is_some());
                let entry = TreeEntry {
                    path: visit.path,
                    stat: visit.node.map(|(_, stat)| stat),
                };
                if !rows.send(entry).await {
                    return Ok(Vec::new());
                }
            }
        }
        if refused > 0 {
            let nodes = if refused == 1 { "node" } else { "nodes" };
            return Err(ShellError::refused(
                "ls -R",
                root,
                format!("{refused} {nodes} could not be read (not authorized): what is below them is not listed"),
            ));
        }
        Ok(Vec::new())
    });
    Ok(Reply::Stream(stream.with_progress(line)))
}

impl Run for Ls {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        if self.recursive {
            return list_recursive(self, shell).await;
        }
        let read = NodeRead::new(shell, "ls", self.path.as_deref().unwrap_or("."), self.watch).await?;
        let (mut children, stat) = read.children().await?;
        let path = read.path.clone();
        children.sort_unstable();
        if !self.long {
            return Ok(Reply::value(Children {
                path,
                children,
                stat: self.stat.then_some(stat),
            }));
        }
        // The client sends each request when the future is made, so building them all first
        // pipelines the stats instead of paying one round trip per child.
        let client = &read.client;
        let requests: Vec<_> = children
            .iter()
            .map(|name| client.check_stat(&child_path(&path, name)))
            .collect();
        let mut entries = Vec::with_capacity(children.len());
        for (name, request) in children.into_iter().zip(requests) {
            let stat = shell.zk().call("ls -l", &child_path(&path, &name), request).await?;
            entries.push(ChildEntry { name, stat });
        }
        Ok(Reply::value(LongListing {
            path,
            children: entries,
            header: std::io::stdout().is_terminal(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::OutputFormat;
    use crate::output::stat::sample_stat;
    use crate::output::{both, rendered};

    #[test]
    fn children_one_per_line() {
        let plain = Children {
            path: "/app".into(),
            children: vec!["a".into(), "b".into()],
            stat: None,
        };
        insta::assert_snapshot!(both(&plain), @r#"
        --- text
        a
        b
        --- json
        {"children":["a","b"],"path":"/app"}
        "#);
        let with_stat = Children {
            stat: Some(sample_stat()),
            ..plain
        };
        insta::assert_snapshot!(rendered(&with_stat, OutputFormat::Json), @r#"{"children":["a","b"],"path":"/app","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}"#);
    }

    #[test]
    fn long_listing_marks_ephemerals_and_vanished_children() {
        let header = LongListing {
            path: "/app".into(),
            children: vec![],
            header: true,
        };
        insta::assert_snapshot!(rendered(&header, OutputFormat::Text), @"t     bytes   kids  modified                        name");
        let ephemeral = Stat {
            ephemeral_owner: 0x1234,
            ..sample_stat()
        };
        let listing = LongListing {
            path: "/app".into(),
            children: vec![
                ChildEntry {
                    name: "config".into(),
                    stat: Some(sample_stat()),
                },
                ChildEntry {
                    name: "lock".into(),
                    stat: Some(ephemeral),
                },
                ChildEntry {
                    name: "gone".into(),
                    stat: None,
                },
            ],
            header: false,
        };
        let text = rendered(&listing, OutputFormat::Text).replace(&readable_time(sample_stat().mtime), "<mtime>");
        insta::assert_snapshot!(text, @"
        -         5      2  <mtime>  config
        e         5      2  <mtime>  lock
        ?         -      -  -                              gone (vanished)
        ");
        insta::assert_snapshot!(rendered(&listing, OutputFormat::Json), @r#"{"children":[{"name":"config","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}},{"name":"lock","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":4660,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}},{"name":"gone","stat":null}],"path":"/app"}"#);
    }
}
