//! `ls -R`: a subtree (or the subtree of each match of a pattern) streamed from the tree
//! engine as full paths, with -l each node's stat.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use zookeeper_client::Stat;

use crate::commands::ls::{Ls, write_long_row};
use crate::errors::ShellError;
use crate::output::{Render, Reply, RowStream};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::glob::Roots;
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
            // A line per node of a million-node walk: no formatting machinery.
            None => {
                out.write_all(self.path.as_bytes())?;
                out.write_all(b"\n")
            }
            Some(stat) => write_long_row(out, stat, &self.path),
        }
    }
}

/// `ls -R`: the subtree streamed as it is walked; for a pattern, the subtree of each match in
/// turn, a match inside a subtree already listed being part of it. A node the server would
/// not let us read is listed, and the run ends with an error naming how many there were.
pub(super) async fn list_recursive(ls: Ls, shell: &mut Shell, input: &str) -> anyhow::Result<Reply> {
    let mut roots = Roots::new(shell, "ls -R", input).await?;
    let shown = roots.shown().to_string();
    let (zk, client) = (shell.zk().clone(), shell.zk().client().await?);
    let options = WalkOptions {
        parallel: ls.parallel,
        data: ls.long,
        // A match may go between the expansion and its walk; a path typed must be there.
        root_may_vanish: roots.is_pattern(),
        ..WalkOptions::default()
    };
    // On a terminal, after a second: how many nodes so far, and how fast.
    let seen = Arc::new(AtomicUsize::new(0));
    let line = ProgressLine::walking(Arc::clone(&seen), format!("ls -R {shown}"));
    let stream = RowStream::spawn("ls -R", shown.clone(), "node", move |rows| async move {
        let mut refused = 0usize;
        while let Some(root) = roots.next().await? {
            let mut walk = Walk::start(&zk, client.clone(), "ls -R", &root, options.clone());
            while let Some(batch) = walk.next_batch().await? {
                refused += batch.iter().filter(|visit| visit.refused.is_some()).count();
                seen.fetch_add(batch.len(), Ordering::Relaxed);
                let entries = batch.into_iter().map(|visit| TreeEntry {
                    path: visit.path,
                    stat: visit.node.map(|(_, stat)| stat),
                });
                if !rows.send_all(entries).await {
                    return Ok(Vec::new());
                }
            }
        }
        if let Some(err) = roots.unseen() {
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
    });
    Ok(Reply::Stream(stream.with_progress(line)))
}
