//! `ls [-s] [-l] [-w] [-R] [path]`: a znode's children, sorted; with -R the whole subtree,
//! streamed from the tree engine (`recursive.rs`).

mod recursive;

use std::io::{IsTerminal, Write};

use clap::Args;
use colored::Colorize;
use serde::Serialize;
use std::sync::Arc;

use zookeeper_client::{self as zk, Client, Stat};

use crate::commands::Run;
use crate::commands::each::{Labeled, Read, stream_each, watch_each};
use crate::output::stat::{readable_time, render_stat};
use crate::output::{Render, Reply};
use crate::path::child_path;
use crate::shell::Shell;
use crate::tree::DEFAULT_PARALLEL;
use crate::tree::glob::{self, Matches, Target};
use crate::watch::oneshot::NodeRead;

/// List a znode's children, one per line, sorted.
///
/// -s adds the parent's stat; -l shows each child's data size, child count, last
/// modification time, and an 'e' mark for ephemeral nodes. On a snapshot (zksh --snapshot)
/// the mark is the real node type: 'c' container, 't' TTL (a live server shows both as
/// persistent, '-').
///
/// -R lists the node and everything below it as full paths (zkCli's ls -R): the node
/// first, parents before children, siblings sorted. Output starts at once and memory stays
/// flat however large the tree; nodes deleted during the walk are skipped.
///
/// The path may be a glob, matched against the live tree (quote it in a system shell): *,
/// ? and [a-c] within a name, ** any number of levels, \* a plain star. Several matches
/// are listed each under a 'path:' header, a blank line between (one JSON document each); -w
/// leaves a watch on every match; -R walks each match (a match inside one already walked is
/// not listed twice). A glob that matches nothing fails (exit 1).
///
/// Example: ls -R /app > paths.txt
///
/// Example: ls '/app/**/locks'
#[derive(Debug, Args)]
#[command(about = "List a znode's children, sorted", visible_alias = "dir")]
pub struct Ls {
    /// Also print the node's stat
    #[arg(short = 's', long)]
    pub stat: bool,
    /// Leave a one-shot watch: the next change prints an event (re-arm by repeating)
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Long listing: size, children, mtime, type mark per child (e, or on a snapshot c, t)
    #[arg(short = 'l', long)]
    pub long: bool,
    /// The whole subtree, as full paths (depth first, sorted)
    #[arg(short = 'R', long, conflicts_with_all = ["stat", "watch"])]
    pub recursive: bool,
    /// Read requests in flight at once (with -R)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Znode path, or a glob matching any number of them (default: the current node)
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

/// One row of a long listing (`ls -l`, `ls -R -l`): ephemeral mark, data size, child count,
/// modification time, then `name`.
pub(crate) fn write_long_row(out: &mut dyn Write, stat: &Stat, name: impl std::fmt::Display) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {:>9} {:>6}  {}  {name}",
        type_mark(stat.ephemeral_owner),
        stat.data_length,
        stat.num_children,
        readable_time(stat.mtime),
    )
}

/// `e` ephemeral, `-` persistent; on a snapshot also `c` container and `t` TTL (the type
/// `stat` shows there).
fn type_mark(owner: i64) -> &'static str {
    use crate::snapshot::tree::NodeKind;
    match crate::snapshot::serve::kind_on_snapshot(owner) {
        Some(NodeKind::Container) => "c",
        Some(NodeKind::Ttl(_)) => "t",
        Some(NodeKind::Persistent) => "-",
        Some(NodeKind::Ephemeral(_)) => "e",
        None if owner != 0 => "e",
        None => "-",
    }
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
                Some(stat) => write_long_row(out, stat, entry.name.blue())?,
                None => writeln!(out, "? {:>9} {:>6}  {:29}  {} (vanished)", "-", "-", "-", entry.name)?,
            }
        }
        Ok(())
    }
}

/// `ls` of one node, or of one match: its children, with -l each child's stat.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Listing {
    Plain(Children),
    Long(LongListing),
}

impl Render for Listing {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Listing::Plain(children) => children.render_text(out),
            Listing::Long(listing) => listing.render_text(out),
        }
    }
}

/// The stats of a node's children, the requests all sent before the first reply is awaited
/// (the client sends each when its future is made): one round trip, not one per child.
async fn child_stats(client: &Client, parent: &str, names: Vec<String>) -> Result<Vec<ChildEntry>, zk::Error> {
    let requests: Vec<_> = names
        .iter()
        .map(|name| client.check_stat(&child_path(parent, name)))
        .collect();
    let mut entries = Vec::with_capacity(names.len());
    for (name, request) in names.into_iter().zip(requests) {
        entries.push(ChildEntry {
            name,
            stat: request.await?,
        });
    }
    Ok(entries)
}

impl Ls {
    /// The listing of `children` (sorted here), as the flags ask.
    async fn listing(
        &self,
        client: &Client,
        path: String,
        mut children: Vec<String>,
        stat: Stat,
    ) -> Result<Listing, zk::Error> {
        children.sort_unstable();
        if !self.long {
            return Ok(Listing::Plain(Children {
                path,
                children,
                stat: self.stat.then_some(stat),
            }));
        }
        let children = child_stats(client, &path, children).await?;
        Ok(Listing::Long(LongListing {
            path,
            children,
            header: std::io::stdout().is_terminal(),
        }))
    }

    /// `ls` of one node, leaving a watch with -w.
    async fn one(&self, shell: &Shell, path: &str) -> anyhow::Result<Listing> {
        let read = NodeRead::new(shell, "ls", path, self.watch).await?;
        let (children, stat) = read.children().await?;
        let listing = self.listing(&read.client, read.path.clone(), children, stat);
        shell.zk().call("ls -l", &read.path, listing).await
    }

    /// `ls` of each match of a pattern, each listing under a `path:` header.
    async fn many(self, shell: &Shell, matches: Matches) -> anyhow::Result<Reply> {
        let row = |first, path: String, listing| Labeled {
            path,
            first,
            inner: listing,
        };
        if self.watch {
            let read = async |shell: &Shell, path: &str| self.one(shell, path).await;
            return watch_each(shell, matches, read, row).await;
        }
        let ls = Arc::new(self);
        let read = move |client: &Client, path: &str| -> Read<Listing> {
            let (ls, client, path) = (Arc::clone(&ls), client.clone(), path.to_string());
            let request = client.get_children(&path);
            Box::pin(async move {
                let (children, stat) = request.await?;
                ls.listing(&client, path, children, stat).await
            })
        };
        Ok(stream_each(matches, read, row))
    }
}

impl Run for Ls {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let input = self.path.clone().unwrap_or_else(|| ".".to_string());
        if self.recursive {
            return recursive::list_recursive(self, shell, &input).await;
        }
        match glob::target(shell, "ls", &input).await? {
            Target::One(path) => Ok(Reply::value(self.one(shell, &path).await?)),
            Target::Many(matches) => self.many(shell, *matches).await,
        }
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
