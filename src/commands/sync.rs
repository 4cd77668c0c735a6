//! `sync path`: make the connected server catch up with the leader.

use clap::Args;

use crate::commands::Run;
use crate::output::Reply;
use crate::shell::Shell;

/// Ask the connected server to catch up with the leader before the next read.
///
/// ZooKeeper reads are served by the server you are connected to and may lag the leader
/// slightly; sync closes that gap for reads that must see the latest write.
///
/// Example: sync /config
#[derive(Debug, Args)]
#[command(about = "Make the connected server catch up with the leader for a path")]
pub struct Sync {
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

impl Run for Sync {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let (path, client) = shell.target(&self.path).await?;
        shell.zk().call("sync", &path, client.sync(&path)).await?;
        Ok(Reply::done())
    }
}
