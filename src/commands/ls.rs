//! `ls [-s] [-l] [path]`: a znode's children, sorted.

use clap::Args;

use crate::cli::OutputArg;
use crate::commands::watch::read_maybe_watched;
use crate::outcome::{ChildEntry, Outcome};
use crate::path::child_path;
use crate::session::Session;
use crate::watch::OneshotKind;

/// List a znode's children, one per line, sorted.
///
/// -s adds the parent's stat; -l shows each child's data size, child count, last
/// modification time, and an 'e' mark for ephemeral nodes.
///
/// Example: ls -l /services
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Also print the node's stat
    #[arg(short = 's', long)]
    pub stat: bool,
    /// Leave a one-shot watch: the next change prints an event (re-arm by repeating)
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Long listing: size, children, mtime, ephemeral mark per child
    #[arg(short = 'l', long)]
    pub long: bool,
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(args: LsArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(args.path.as_deref().unwrap_or("."))?;
    let client = session.client().await?;
    let (mut children, stat) = read_maybe_watched(
        session,
        "ls",
        &path,
        OneshotKind::Children,
        args.watch,
        || client.get_children(&path),
        || async {
            client
                .get_and_watch_children(&path)
                .await
                .map(|(children, stat, w)| ((children, stat), w))
        },
    )
    .await?;
    children.sort_unstable();
    if !args.long {
        return Ok(Outcome::Children {
            path,
            children,
            stat: args.stat.then_some(stat),
        });
    }
    // The client sends each request when the future is made, so building them all first
    // pipelines the stats instead of paying one round trip per child.
    let requests: Vec<_> = children
        .iter()
        .map(|name| client.check_stat(&child_path(&path, name)))
        .collect();
    let mut entries = Vec::with_capacity(children.len());
    for (name, request) in children.into_iter().zip(requests) {
        let stat = session.call("ls -l", &child_path(&path, &name), request).await?;
        entries.push(ChildEntry { name, stat });
    }
    Ok(Outcome::LongChildren { path, entries })
}
