//! `tree [-d DEPTH] [path]`: a subtree drawn as a tree, each node with its data size and
//! child count, streamed from the tree engine as it is walked.

use std::io::Write;

use clap::Args;
use colored::Colorize;
use serde::Serialize;

use crate::commands::Run;
use crate::commands::walked::{Unreadable, reading, start_walk};
use crate::output::{Render, Reply, RowStream, human_bytes};
use crate::path::base_name;
use crate::shell::Shell;
use crate::snapshot::tree::NodeKind;
use crate::tree::totals::{child_count, data_length};
use crate::tree::{DEFAULT_PARALLEL, Visit, WalkOptions};

/// Draw a subtree: each node's name with its data size and number of children; ephemeral
/// nodes are marked.
///
/// The drawing starts at once and memory stays flat however large the tree (siblings
/// sorted, nodes deleted during the walk skipped). -d limits the levels drawn below the
/// node (0: the node alone); a node at the limit whose children are not drawn ends in `…`.
/// A node the server will not let you read shows `(not authorized)`, and the command then
/// ends with an error (exit 1).
///
/// With -o json: one line per node (NDJSON), {"path", "depth", "dataLength",
/// "numChildren", "ephemeralOwner"}, without the drawing (null where the node could not be
/// read).
///
/// Example: tree -d 2 /app
#[derive(Debug, Args)]
#[command(about = "Draw a subtree with data sizes and child counts")]
pub struct Tree {
    /// Levels to draw below the node (0: the node alone)
    #[arg(short = 'd', long = "depth", value_name = "DEPTH", allow_negative_numbers = true,
          value_parser = crate::cli::parse_depth)]
    pub depth: Option<usize>,
    /// Read requests in flight at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// One node of the drawing.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeRow {
    pub path: String,
    pub depth: usize,
    pub data_length: Option<u64>,
    pub num_children: Option<u64>,
    pub ephemeral_owner: Option<i64>,
    /// The drawing before the name: `│   ├── `.
    #[serde(skip)]
    pub prefix: String,
    /// Its children exist but are not drawn (the depth limit).
    #[serde(skip)]
    pub cut: bool,
}

impl TreeRow {
    fn new(visit: Visit, prefix: String, limit: Option<usize>) -> TreeRow {
        let stat = visit.node.as_ref().map(|(_, stat)| stat);
        let num_children = child_count(&visit);
        TreeRow {
            cut: limit == Some(visit.depth) && num_children.is_some_and(|n| n > 0),
            data_length: stat.map(|_| data_length(&visit)),
            ephemeral_owner: stat.map(|stat| stat.ephemeral_owner),
            num_children,
            prefix,
            depth: visit.depth,
            path: visit.path,
        }
    }
}

impl Render for TreeRow {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let name = if self.depth == 0 {
            self.path.as_str()
        } else {
            base_name(&self.path)
        };
        let children = self.num_children.unwrap_or(0);
        let name = if children > 0 {
            name.blue().bold().to_string()
        } else {
            name.to_string()
        };
        let details = match self.data_length {
            None => "not authorized".red().to_string(),
            Some(bytes) => {
                let mut details = human_bytes(bytes);
                match children {
                    0 => {}
                    1 => details.push_str(", 1 child"),
                    n => details.push_str(&format!(", {n} children")),
                }
                if let Some(owner) = self.ephemeral_owner.filter(|owner| *owner != 0) {
                    // On a snapshot an owner may also mark a container or a TTL node.
                    let kind = match crate::snapshot::serve::kind_on_snapshot(owner) {
                        Some(NodeKind::Container) => "container",
                        Some(NodeKind::Ttl(_)) => "TTL",
                        _ => "ephemeral",
                    };
                    details.push_str(&format!(", {}", kind.yellow()));
                }
                details
            }
        };
        let cut = if self.cut { " …" } else { "" };
        writeln!(out, "{}{name}  ({details}){cut}", self.prefix)
    }
}

/// The drawing's left margin: whether the node on the current branch at each depth was the
/// last of its siblings (a last one leaves a blank column below it, others a `│`).
#[derive(Debug, Default)]
pub struct Drawing {
    last: Vec<bool>,
}

impl Drawing {
    /// The prefix of the next node in walk order.
    pub fn prefix(&mut self, depth: usize, last: bool) -> String {
        self.last.truncate(depth);
        let mut prefix = String::new();
        if depth > 0 {
            // Depth 0 is the root, drawn without a margin; columns start with its children.
            for ancestor_last in self.last.iter().skip(1) {
                prefix.push_str(if *ancestor_last { "    " } else { "│   " });
            }
            prefix.push_str(if last { "└── " } else { "├── " });
        }
        self.last.push(last);
        prefix
    }
}

impl Run for Tree {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let limit = self.depth;
        let options = WalkOptions {
            max_depth: limit,
            ..reading(self.parallel, true)
        };
        let (path, mut walk, line) = start_walk(shell, "tree", self.path.as_deref(), options).await?;
        let root = path.clone();
        Ok(Reply::Stream(
            RowStream::spawn("tree", path, "node", move |rows| async move {
                let mut drawing = Drawing::default();
                let mut unreadable = Unreadable::default();
                while let Some(batch) = walk.next_batch().await? {
                    // The walk lists the root's children even at a limit of 0.
                    for visit in batch.into_iter().filter(|v| limit.is_none_or(|max| v.depth <= max)) {
                        unreadable.see(&visit);
                        let prefix = drawing.prefix(visit.depth, visit.last);
                        if !rows.send(TreeRow::new(visit, prefix, limit)).await {
                            return Ok(Vec::new());
                        }
                    }
                }
                unreadable.outcome("tree", &root, "not drawn")?;
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

    fn row(path: &str, depth: usize, bytes: Option<u64>, children: u64, owner: i64, prefix: &str) -> TreeRow {
        TreeRow {
            path: path.into(),
            depth,
            data_length: bytes,
            num_children: bytes.map(|_| children),
            ephemeral_owner: bytes.map(|_| owner),
            prefix: prefix.into(),
            cut: false,
        }
    }

    #[test]
    fn the_margin_follows_the_branch() {
        let mut drawing = Drawing::default();
        let walk = [
            (0, true),
            (1, false),
            (2, false),
            (3, true),
            (2, true),
            (1, true),
            (2, true),
        ];
        let prefixes: Vec<String> = walk.iter().map(|(d, last)| drawing.prefix(*d, *last)).collect();
        assert_eq!(
            prefixes,
            ["", "├── ", "│   ├── ", "│   │   └── ", "│   └── ", "└── ", "    └── ",]
        );
    }

    #[test]
    fn rows_show_size_children_and_marks() {
        let root = row("/app", 0, Some(0), 3, 0, "");
        insta::assert_snapshot!(both(&root), @r#"
        --- text
        /app  (0 B, 3 children)
        --- json
        {"dataLength":0,"depth":0,"ephemeralOwner":0,"numChildren":3,"path":"/app"}
        "#);
        let config = row("/app/config", 1, Some(120), 0, 0, "├── ");
        insta::assert_snapshot!(both(&config), @r#"
        --- text
        ├── config  (120 B)
        --- json
        {"dataLength":120,"depth":1,"ephemeralOwner":0,"numChildren":0,"path":"/app/config"}
        "#);
        let lock = row("/app/locks/l1", 2, Some(5), 0, 0x1000a2b3c, "│   └── ");
        insta::assert_snapshot!(both(&lock), @r#"
        --- text
        │   └── l1  (5 B, ephemeral)
        --- json
        {"dataLength":5,"depth":2,"ephemeralOwner":4295633724,"numChildren":0,"path":"/app/locks/l1"}
        "#);
        let secret = row("/app/secret", 1, None, 0, 0, "├── ");
        insta::assert_snapshot!(both(&secret), @r#"
        --- text
        ├── secret  (not authorized)
        --- json
        {"dataLength":null,"depth":1,"ephemeralOwner":null,"numChildren":null,"path":"/app/secret"}
        "#);
        let cut = TreeRow {
            cut: true,
            ..row("/app/services", 1, Some(2048), 1, 0, "└── ")
        };
        insta::assert_snapshot!(both(&cut), @r#"
        --- text
        └── services  (2.0 KiB, 1 child) …
        --- json
        {"dataLength":2048,"depth":1,"ephemeralOwner":0,"numChildren":1,"path":"/app/services"}
        "#);
    }
}
