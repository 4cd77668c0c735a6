//! `stat path` and `exists path`: a znode's metadata, or whether it is there at all.

use clap::Args;

use crate::cli::OutputArg;
use crate::errors::ZkError;
use crate::outcome::Outcome;
use crate::session::Session;

/// Print a znode's stat.
///
/// czxid/mzxid/pzxid are the transaction ids that created it, last changed its data, and last
/// changed its children; version counts data changes, cversion child changes, aclVersion ACL
/// changes; ephemeralOwner is the owning session of an ephemeral node (0 otherwise).
///
/// Example: stat /config
#[derive(Debug, Args)]
pub struct StatArgs {
    /// Znode path
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

/// Tell whether a znode exists: exit 0 if it does, 1 if not.
///
/// Example: exists /locks/job-42 && echo busy
#[derive(Debug, Args)]
pub struct ExistsArgs {
    /// Znode path
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute_stat(args: StatArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let client = session.client().await?;
    match session.call("stat", &path, client.check_stat(&path)).await? {
        Some(stat) => Ok(Outcome::Stat { path, stat }),
        None => Err(ZkError::new("stat", path, zookeeper_client::Error::NoNode).into()),
    }
}

pub async fn execute_exists(args: ExistsArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let client = session.client().await?;
    let stat = session.call("exists", &path, client.check_stat(&path)).await?;
    Ok(Outcome::Exists { path, stat })
}
