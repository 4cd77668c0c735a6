//! `find [path] [tests] [--print0 | --exec CMD...]`: the nodes of a subtree that pass every
//! test, streamed from the tree engine as they are walked.

mod exec;
mod predicates;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use serde::Serialize;
use zookeeper_client::Stat;

use crate::cli::OutputFormat;
use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply, RowStream};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::glob::Roots;
use crate::tree::{DEFAULT_PARALLEL, Walk, WalkOptions};
use exec::Exec;
pub use predicates::{Age, NodeType, Tests};

/// Find the nodes of a subtree that pass every test given, as GNU find does for files.
///
/// Walks the path (the current node by default) and everything below it, depth first,
/// siblings sorted, and prints the full path of each node that passes all the tests: one per
/// line, or NUL-terminated with --print0 (for xargs -0). With no test, every node matches.
/// Finding nothing is not an error (exit 0); nodes the server would not let us read are
/// named in an error at the end (exit 1). The path may be a glob (`find '/services/*/config'`):
/// each match is searched, and a glob that matches nothing is an error (exit 1).
///
/// --type, --min-size, --max-size, --mtime and --ephemeral-owner need each node's stat, which
/// costs reading its data too; --name, --regex, --min-children and --max-depth do not.
/// ZooKeeper does not tell a client which nodes are containers or TTL nodes: they look
/// persistent.
///
/// --exec runs a local command (no shell) for each match, one at a time, in order, instead of
/// printing the path: `{}` in any word becomes the path, or the path is added at the end when
/// no word has `{}`. Everything after --exec belongs to the command, so it comes last. A
/// command that fails or cannot start does not stop the walk; the run then ends with an error
/// naming how many failed (exit 1).
///
/// Example: find /services --type ephemeral --mtime -1h --exec echo stale: {}
#[derive(Debug, Args)]
#[command(about = "Find znodes by name, path regex, type, size, age, owner or children")]
pub struct Find {
    /// Znode path to search, itself included (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
    #[command(flatten)]
    pub tests: Tests,
    /// Go at most N levels below the path (0: the node itself only)
    #[arg(short = 'd', long, value_name = "N")]
    pub max_depth: Option<usize>,
    /// End each path with a NUL byte instead of a newline (for xargs -0; text output only)
    #[arg(long, conflicts_with = "exec")]
    pub print0: bool,
    /// Read requests in flight at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Run CMD [ARGS...] for each match instead of printing it ({} is the path); must come last
    #[arg(long, value_name = "CMD", num_args = 1.., allow_hyphen_values = true)]
    pub exec: Option<Vec<String>>,
}

/// One node found: its full path, and its stat when the tests read it.
#[derive(Debug, Serialize)]
pub struct Found {
    pub path: String,
    #[serde(
        serialize_with = "crate::output::stat::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub stat: Option<Stat>,
    /// `--print0`: the path ends with NUL, not a newline.
    #[serde(skip)]
    pub nul: bool,
}

impl Render for Found {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(self.path.as_bytes())?;
        out.write_all(if self.nul { b"\0" } else { b"\n" })
    }
}

impl Run for Find {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        if self.print0 && shell.output_format() == OutputFormat::Json {
            return Err(ShellError::usage(
                "find: --print0 ends text lines with NUL; it does not go with -o json (NDJSON rows)",
            ));
        }
        let predicates = self.tests.compile()?;
        let mut roots = Roots::new(shell, "find", self.path.as_deref().unwrap_or(".")).await?;
        // Nodes at the depth limit come without their children listed: a child count then
        // comes from the stat.
        let count_from_stat = self.max_depth.is_some() && self.tests.min_children.is_some();
        let options = WalkOptions {
            parallel: self.parallel,
            data: predicates.need_stat() || count_from_stat,
            max_depth: self.max_depth,
            root_may_vanish: roots.is_pattern(),
        };
        let (zk, client) = (shell.zk().clone(), shell.zk().client().await?);
        let nul = self.print0;
        let mut exec = self.exec.map(Exec::new);
        let root = roots.shown().to_string();
        // On a terminal, after a second: how many nodes so far, and how fast.
        let seen = Arc::new(AtomicUsize::new(0));
        let line = ProgressLine::walking(Arc::clone(&seen), format!("find {}", roots.shown()));
        Ok(Reply::Stream(
            RowStream::spawn("find", root.clone(), "node", move |rows| async move {
                let mut refused = 0usize;
                while let Some(start) = roots.next().await? {
                    let mut walk = Walk::start(&zk, client.clone(), "find", &start, options.clone());
                    while let Some(batch) = walk.next_batch().await? {
                        seen.fetch_add(batch.len(), Ordering::Relaxed);
                        let mut found = Vec::new();
                        for visit in batch {
                            refused += usize::from(visit.refused.is_some());
                            let stat = visit.node.map(|(_, stat)| stat);
                            if !predicates.matches(&visit.path, visit.children, stat.as_ref()) {
                                continue;
                            }
                            match exec.as_mut() {
                                Some(exec) => exec.run(&visit.path).await,
                                None => found.push(Found {
                                    path: visit.path,
                                    stat,
                                    nul,
                                }),
                            }
                        }
                        if !rows.send_all(found).await {
                            return Ok(Vec::new());
                        }
                    }
                }
                if let Some(err) = roots.unseen() {
                    return Err(err);
                }
                let mut problems = Vec::new();
                if refused > 0 {
                    let (nodes, them) = if refused == 1 {
                        ("node", "it")
                    } else {
                        ("nodes", "them")
                    };
                    problems.push(format!(
                        "{refused} {nodes} could not be read (not authorized): what is below {them} was not searched"
                    ));
                }
                problems.extend(exec.as_ref().and_then(Exec::summary));
                if problems.is_empty() {
                    Ok(Vec::new())
                } else {
                    Err(ShellError::refused("find", root, problems.join("; ")))
                }
            })
            .with_progress(line),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;
    use crate::output::stat::sample_stat;

    #[test]
    fn a_found_node_is_its_path_or_a_row_with_its_stat() {
        let plain = Found {
            path: "/app/lock-1".into(),
            stat: None,
            nul: false,
        };
        insta::assert_snapshot!(both(&plain), @r#"
        --- text
        /app/lock-1
        --- json
        {"path":"/app/lock-1"}
        "#);
        let with_stat = Found {
            path: "/app/config".into(),
            stat: Some(sample_stat()),
            nul: false,
        };
        insta::assert_snapshot!(both(&with_stat), @r#"
        --- text
        /app/config
        --- json
        {"path":"/app/config","stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3}}
        "#);
        let nul = Found {
            path: "/a b".into(),
            stat: None,
            nul: true,
        };
        assert_eq!(crate::output::rendered(&nul, OutputFormat::Text), "/a b\0");
    }
}
