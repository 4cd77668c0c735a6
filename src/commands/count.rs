//! `count [path]`: the nodes and data bytes of a subtree, the node included (walked); and
//! zkCli's `getAllChildrenNumber path`: the number of nodes below it, the node excluded, as
//! the server counts them (one request).

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::commands::walked::{Unreadable, reading, start_walk, value_reply};
use crate::output::{Render, Reply, human_bytes};
use crate::shell::Shell;
use crate::tree::DEFAULT_PARALLEL;
use crate::tree::totals::{Totals, node_size};

/// Count the nodes of a subtree (the node itself included) and the bytes of data they hold.
///
/// The subtree is read once, with its data; memory stays flat however large it is. A node
/// the server will not let you read counts as one node of 0 bytes: the count is printed,
/// then an error says how many could not be read (exit 1).
///
/// Example: count /app
#[derive(Debug, Args)]
#[command(about = "Count the nodes and data bytes of a subtree")]
pub struct Count {
    /// Read requests in flight at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// Print the number of nodes below a znode (the node itself not counted), as zkCli's
/// getAllChildrenNumber does: the server's own count, in one request.
///
/// The server counts every node below, those you may not read included (it checks READ on
/// the node named only). `count` walks the tree instead and also sums the data.
///
/// Example: getAllChildrenNumber /app
#[derive(Debug, Args)]
#[command(
    about = "Print the number of nodes below a znode (the server's count)",
    visible_alias = "get-all-children-number"
)]
pub struct GetAllChildrenNumber {
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// `count`.
#[derive(Debug, Serialize)]
pub struct Counted {
    pub path: String,
    pub nodes: u64,
    pub bytes: u64,
}

impl Render for Counted {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let nodes = if self.nodes == 1 { "node" } else { "nodes" };
        if self.bytes < 1024 {
            let bytes = if self.bytes == 1 { "byte" } else { "bytes" };
            writeln!(out, "{} {nodes}, {} {bytes}", self.nodes, self.bytes)
        } else {
            writeln!(
                out,
                "{} {nodes}, {} ({} bytes)",
                self.nodes,
                human_bytes(self.bytes),
                self.bytes
            )
        }
    }
}

/// `getAllChildrenNumber`: the number alone, as zkCli prints it.
#[derive(Debug, Serialize)]
pub struct Descendants {
    pub path: String,
    pub descendants: u64,
}

impl Render for Descendants {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.descendants)
    }
}

impl Run for Count {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let options = reading(self.parallel, true);
        let (path, mut walk, _line) = start_walk(shell, "count", self.path.as_deref(), options).await?;
        let mut totals = Totals::default();
        let mut closed = Vec::new();
        let mut unreadable = Unreadable::default();
        while let Some(batch) = walk.next_batch().await? {
            for visit in batch {
                unreadable.see(&visit);
                totals.visit(node_size(visit), &mut closed);
            }
            // Only the root's total is wanted: the subtrees below it are done with.
            closed.clear();
        }
        totals.finish(&mut closed);
        let (nodes, bytes) = closed.last().map_or((0, 0), |root| (root.nodes, root.bytes));
        let outcome = unreadable.outcome("count", &path, "not counted");
        Ok(value_reply(
            "count",
            path.clone(),
            Counted { path, nodes, bytes },
            outcome,
        ))
    }
}

impl Run for GetAllChildrenNumber {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let (path, client) = shell.target(&self.path).await?;
        let descendants = shell
            .zk()
            .call("getAllChildrenNumber", &path, client.count_descendants_number(&path))
            .await?;
        Ok(Reply::value(Descendants {
            path,
            descendants: descendants as u64,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn counts_read_as_sentences() {
        let big = Counted {
            path: "/app".into(),
            nodes: 1001,
            bytes: 53541,
        };
        insta::assert_snapshot!(both(&big), @r#"
        --- text
        1001 nodes, 52.3 KiB (53541 bytes)
        --- json
        {"bytes":53541,"nodes":1001,"path":"/app"}
        "#);
        let small = Counted {
            path: "/app/x".into(),
            nodes: 1,
            bytes: 120,
        };
        insta::assert_snapshot!(both(&small), @r#"
        --- text
        1 node, 120 bytes
        --- json
        {"bytes":120,"nodes":1,"path":"/app/x"}
        "#);
    }

    #[test]
    fn descendants_are_the_number_alone() {
        let descendants = Descendants {
            path: "/app".into(),
            descendants: 1000,
        };
        insta::assert_snapshot!(both(&descendants), @r#"
        --- text
        1000
        --- json
        {"descendants":1000,"path":"/app"}
        "#);
    }
}
