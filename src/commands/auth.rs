//! `addauth scheme credential`: add an identity to this session.

use clap::Args;

use crate::commands::Run;
use crate::output::Reply;
use crate::shell::Shell;

/// Add credentials to this session, as zkCli's addauth.
///
/// ZooKeeper checks ACLs against every identity a session has added. With the digest scheme
/// the credential is user:password. zksh re-applies the credentials after reconnecting and on
/// a new session after an expiry. Lines with addauth never go to the history file.
///
/// Example: addauth digest alice:secret
#[derive(Debug, Args)]
#[command(
    about = "Add credentials to this session (re-applied after reconnects)",
    visible_alias = "add-auth"
)]
pub struct AddAuth {
    /// Auth scheme (digest, ...)
    pub scheme: String,
    /// Credential, e.g. user:password for digest
    pub credential: String,
}

impl Run for AddAuth {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        shell.zk().add_auth(&self.scheme, self.credential.into_bytes()).await?;
        Ok(Reply::done())
    }
}
