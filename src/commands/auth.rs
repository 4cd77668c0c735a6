//! `addauth scheme credential`: add an identity to this session.

use clap::Args;

use crate::cli::OutputArg;
use crate::outcome::Outcome;
use crate::session::Session;

/// Add credentials to this session, as zkCli's addauth.
///
/// ZooKeeper checks ACLs against every identity a session has added. With the digest scheme
/// the credential is user:password. zksh re-applies the credentials after reconnecting and on
/// a new session after an expiry. Lines with addauth never go to the history file.
///
/// Example: addauth digest alice:secret
#[derive(Debug, Args)]
pub struct AddAuthArgs {
    /// Auth scheme (digest, ...)
    pub scheme: String,
    /// Credential, e.g. user:password for digest
    pub credential: String,
    #[command(flatten)]
    pub out: OutputArg,
}

pub async fn execute(args: AddAuthArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    session.add_auth(&args.scheme, args.credential.into_bytes()).await?;
    Ok(Outcome::Done)
}
