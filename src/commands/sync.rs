//! `sync path`: make the connected server catch up with the leader.

use clap::Args;

use crate::cli::OutputArg;
use crate::outcome::Outcome;
use crate::session::Session;

/// Ask the connected server to catch up with the leader before the next read.
///
/// ZooKeeper reads are served by the server you are connected to and may lag the leader
/// slightly; sync closes that gap for reads that must see the latest write.
///
/// Example: sync /config
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(args: SyncArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    let client = session.client().await?;
    session.call("sync", &path, client.sync(&path)).await?;
    Ok(Outcome::Done)
}
