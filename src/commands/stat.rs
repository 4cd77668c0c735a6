//! `stat path` and `exists path`: a znode's metadata, or whether it is there at all.

use clap::Args;

use crate::cli::OutputArg;
use crate::commands::watch::read_maybe_watched;
use crate::errors::ZkError;
use crate::outcome::Outcome;
use crate::session::Session;
use crate::watch::OneshotKind;

/// Print a znode's stat.
///
/// czxid/mzxid/pzxid are the transaction ids that created it, last changed its data, and last
/// changed its children; version counts data changes, cversion child changes, aclVersion ACL
/// changes; ephemeralOwner is the owning session of an ephemeral node (0 otherwise).
///
/// Example: stat /config
#[derive(Debug, Args)]
pub struct StatArgs {
    /// Leave a one-shot watch: the next change prints an event (re-arm by repeating)
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

/// Tell whether a znode exists: exit 0 if it does, 1 if not.
///
/// Example: exists /locks/job-42 && echo busy
#[derive(Debug, Args)]
pub struct ExistsArgs {
    /// Leave a one-shot watch: the next change prints an event (re-arm by repeating)
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

/// The stat (None when absent), leaving a one-shot exists watch with `watch`: it fires on
/// creation too, so it works on a missing node.
async fn read_stat(
    op: &'static str,
    path: &str,
    watch: bool,
    session: &Session,
) -> anyhow::Result<Option<zookeeper_client::Stat>> {
    let client = session.client().await?;
    read_maybe_watched(
        session,
        op,
        path,
        OneshotKind::Exists,
        watch,
        || client.check_stat(path),
        || client.check_and_watch_stat(path),
    )
    .await
}

pub async fn execute_stat(args: StatArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    match read_stat("stat", &path, args.watch, session).await? {
        Some(stat) => Ok(Outcome::Stat { path, stat }),
        None => Err(ZkError::new("stat", path, zookeeper_client::Error::NoNode).into()),
    }
}

pub async fn execute_exists(args: ExistsArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let stat = read_stat("exists", &path, args.watch, session).await?;
    Ok(Outcome::Exists { path, stat })
}
