//! `du [-d DEPTH] [--bytes] [path]`: nodes and data bytes of a subtree, and with -d of every
//! subtree down to that depth, children before their parent, in one streaming pass.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::commands::walked::{Unreadable, reading};
use crate::output::{Render, Reply, RowStream, human_bytes};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::glob::Roots;
use crate::tree::totals::{Subtree, Totals, node_size};
use crate::tree::{DEFAULT_PARALLEL, Walk, WalkOptions};

/// Show how big a subtree is: its data bytes, its number of nodes (itself included), its
/// path, as `du -s` does for a directory.
///
/// -d N also lists every subtree down to N levels below the node, each after everything
/// inside it (children before their parent, as GNU du prints them), so the node's own line
/// comes last. The whole subtree is read once, its data included (sizes need it); memory
/// stays flat and lines come out as soon as each subtree is done.
///
/// Bytes are shown in binary units (`52.3 KiB`); --bytes gives exact numbers for sort and
/// awk. With -o json: one line per subtree (NDJSON), {"path", "nodes", "bytes"}, bytes
/// exact. A node the server will not let you read counts as one node of 0 bytes, and the
/// command ends with an error (exit 1). The path may be a glob (`du '/services/*'`): each
/// match is measured on its own.
///
/// Example: du -d 1 --bytes /app | sort -n
#[derive(Debug, Args)]
#[command(about = "Nodes and data bytes of a subtree (and its subtrees with -d)")]
pub struct Du {
    /// Also list the subtrees down to this many levels below the node
    #[arg(short = 'd', long = "depth", value_name = "DEPTH", allow_negative_numbers = true,
          value_parser = crate::cli::parse_depth)]
    pub depth: Option<usize>,
    /// Exact byte counts instead of KiB/MiB
    #[arg(long)]
    pub bytes: bool,
    /// Read requests in flight at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// One subtree: `  52.3 KiB      1001  /app`.
#[derive(Debug, Serialize)]
pub struct DuRow {
    pub path: String,
    pub nodes: u64,
    pub bytes: u64,
    /// Bytes as an exact number in text (--bytes).
    #[serde(skip)]
    pub exact: bool,
}

impl Render for DuRow {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let bytes = if self.exact {
            self.bytes.to_string()
        } else {
            human_bytes(self.bytes)
        };
        writeln!(out, "{bytes:>10}  {:>9}  {}", self.nodes, self.path)
    }
}

/// The rows `du -d depth` prints for the subtrees the walk just closed.
pub fn rows_of(closed: &mut Vec<Subtree>, depth: usize, exact: bool) -> Vec<DuRow> {
    closed
        .drain(..)
        .filter(|subtree| subtree.depth <= depth)
        .map(|subtree| DuRow {
            path: subtree.path,
            nodes: subtree.nodes,
            bytes: subtree.bytes,
            exact,
        })
        .collect()
}

impl Run for Du {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let mut roots = Roots::new(shell, "du", self.path.as_deref().unwrap_or(".")).await?;
        let options = WalkOptions {
            root_may_vanish: roots.is_pattern(),
            ..reading(self.parallel, true)
        };
        let (zk, client) = (shell.zk().clone(), shell.zk().client().await?);
        let shown = roots.shown().to_string();
        let (depth, exact) = (self.depth.unwrap_or(0), self.bytes);
        // On a terminal, after a second: how many nodes so far, and how fast.
        let seen = Arc::new(AtomicUsize::new(0));
        let line = ProgressLine::walking(Arc::clone(&seen), format!("du {}", roots.shown()));
        Ok(Reply::Stream(
            RowStream::spawn("du", shown.clone(), "subtree", move |rows| async move {
                let mut unreadable = Unreadable::default();
                // Each match of a pattern is a subtree of its own, as each argument is to du.
                while let Some(root) = roots.next().await? {
                    let mut walk = Walk::start(&zk, client.clone(), "du", &root, options.clone());
                    let mut totals = Totals::default();
                    let mut closed = Vec::new();
                    let mut walk_over = false;
                    while !walk_over {
                        match walk.next_batch().await? {
                            Some(batch) => {
                                seen.fetch_add(batch.len(), Ordering::Relaxed);
                                for visit in batch {
                                    unreadable.see(&visit);
                                    totals.visit(node_size(visit), &mut closed);
                                }
                            }
                            None => {
                                totals.finish(&mut closed);
                                walk_over = true;
                            }
                        }
                        if !rows.send_all(rows_of(&mut closed, depth, exact)).await {
                            return Ok(Vec::new());
                        }
                    }
                }
                if let Some(err) = roots.unseen() {
                    return Err(err);
                }
                unreadable.outcome("du", &shown, "not counted")?;
                Ok(Vec::new())
            })
            .with_progress(line),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;
    use crate::tree::totals::tests::walk_of;

    #[test]
    fn rows_in_units_and_exact() {
        let row = DuRow {
            path: "/app".into(),
            nodes: 1001,
            bytes: 53541,
            exact: false,
        };
        insta::assert_snapshot!(both(&row), @r#"
        --- text
          52.3 KiB       1001  /app
        --- json
        {"bytes":53541,"nodes":1001,"path":"/app"}
        "#);
        let exact = DuRow { exact: true, ..row };
        insta::assert_snapshot!(both(&exact), @r#"
        --- text
             53541       1001  /app
        --- json
        {"bytes":53541,"nodes":1001,"path":"/app"}
        "#);
    }

    #[test]
    fn depth_picks_the_subtrees_listed_children_first() {
        let walk = walk_of(&[
            ("/r", 0),
            ("/r/a", 10),
            ("/r/a/x", 100),
            ("/r/a/x/deep", 1000),
            ("/r/b", 7),
        ]);
        for (depth, want) in [
            (0, vec![("/r", 5, 1117)]),
            (1, vec![("/r/a", 3, 1110), ("/r/b", 1, 7), ("/r", 5, 1117)]),
            (
                9,
                vec![
                    ("/r/a/x/deep", 1, 1000),
                    ("/r/a/x", 2, 1100),
                    ("/r/a", 3, 1110),
                    ("/r/b", 1, 7),
                    ("/r", 5, 1117),
                ],
            ),
        ] {
            let mut totals = Totals::default();
            let mut closed = Vec::new();
            let mut rows = Vec::new();
            for node in walk.clone() {
                totals.visit(node, &mut closed);
                rows.extend(rows_of(&mut closed, depth, true));
            }
            totals.finish(&mut closed);
            rows.extend(rows_of(&mut closed, depth, true));
            let got: Vec<(&str, u64, u64)> = rows.iter().map(|r| (r.path.as_str(), r.nodes, r.bytes)).collect();
            assert_eq!(got, want, "-d {depth}");
        }
    }
}
