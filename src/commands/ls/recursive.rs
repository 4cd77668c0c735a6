//! `ls -R`: a subtree (or the subtree of each match of a pattern) streamed from the tree
//! engine as full paths, with -l each node's stat.

use std::io::Write;

use serde::Serialize;
use zookeeper_client::Stat;

use crate::commands::ls::Ls;
use crate::errors::ShellError;
use crate::output::stat::readable_time;
use crate::output::{Render, Reply, RowStream};
use crate::shell::Shell;
use crate::tree::glob::{self, Matches, Target};
use crate::tree::{Walk, WalkOptions};

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

/// Where `ls -R` starts: one node, or each match of a pattern.
enum Roots {
    One(Option<String>),
    Many(Box<Matches>),
}

impl Roots {
    async fn next(&mut self) -> anyhow::Result<Option<String>> {
        match self {
            Roots::One(root) => Ok(root.take()),
            Roots::Many(matches) => matches.next().await,
        }
    }
}

/// `ls -R`: the subtree streamed as it is walked; for a pattern, the subtree of each match in
/// turn, a match inside a subtree already listed being part of it. A node the server would
/// not let us read is listed, and the run ends with an error naming how many there were.
pub(super) async fn list_recursive(ls: Ls, shell: &mut Shell, input: &str) -> anyhow::Result<Reply> {
    let mut roots = match glob::target(shell, "ls -R", input).await? {
        Target::One(path) => Roots::One(Some(path)),
        Target::Many(matches) => Roots::Many(matches),
    };
    let shown = match &roots {
        Roots::One(path) => path.clone().unwrap_or_default(),
        Roots::Many(matches) => matches.shown().to_string(),
    };
    let (zk, client) = (shell.zk().clone(), shell.zk().client().await?);
    let options = WalkOptions {
        parallel: ls.parallel,
        data: ls.long,
        // A match may go between the expansion and its walk; a path typed must be there.
        root_may_vanish: matches!(roots, Roots::Many(_)),
        ..WalkOptions::default()
    };
    Ok(Reply::Stream(RowStream::spawn(
        "ls -R",
        shown.clone(),
        "node",
        move |rows| async move {
            let mut refused = 0usize;
            let mut listed: Option<String> = None;
            while let Some(root) = roots.next().await? {
                if listed.as_deref().is_some_and(|above| is_below(&root, above)) {
                    continue;
                }
                let mut walk = Walk::start(&zk, client.clone(), "ls -R", &root, options.clone());
                while let Some(batch) = walk.next_batch().await? {
                    refused += batch.iter().filter(|visit| visit.refused.is_some()).count();
                    let entries = batch.into_iter().map(|visit| TreeEntry {
                        path: visit.path,
                        stat: visit.node.map(|(_, stat)| stat),
                    });
                    if !rows.send_all(entries).await {
                        return Ok(Vec::new());
                    }
                }
                listed = Some(root);
            }
            if let Roots::Many(matches) = &roots
                && let Some(err) = matches.unseen()
            {
                return Err(err);
            }
            if refused > 0 {
                let nodes = if refused == 1 { "node" } else { "nodes" };
                return Err(ShellError::refused(
                    "ls -R",
                    shown,
                    format!("{refused} {nodes} could not be read (not authorized): what is below them is not listed"),
                ));
            }
            Ok(Vec::new())
        },
    )))
}

/// Whether `path` is `above` or below it.
fn is_below(path: &str, above: &str) -> bool {
    above == "/" || path == above || path.strip_prefix(above).is_some_and(|rest| rest.starts_with('/'))
}
