//! `addauth scheme [credential]`: add an identity to this session, the credential prompted
//! for (echo off) when it is left out.

use clap::Args;

use crate::commands::Run;
use crate::commands::digest::read_secret;
use crate::errors::ShellError;
use crate::output::Reply;
use crate::shell::Shell;
use crate::zk::auth::is_user_password;

/// Add credentials to this session, as zkCli's addauth.
///
/// ZooKeeper checks ACLs against every identity a session has added. With the digest scheme
/// the credential is user:password. Leave the credential out and zksh asks for it with echo
/// off (or reads the first line of a piped stdin), so it shows neither on screen nor in ps.
/// zksh re-applies the credentials after reconnecting and on a new session after an expiry.
/// Lines with addauth never go to the history file. Credentials can also come from the
/// ZKSH_AUTH variable or --auth-file (see `zksh --help`); `whoami` shows what the server
/// made of them.
///
/// Example: addauth digest
#[derive(Debug, Args)]
#[command(
    about = "Add credentials to this session (prompted when left out; re-applied after reconnects)",
    visible_alias = "add-auth"
)]
pub struct AddAuth {
    /// Auth scheme (digest, ...)
    pub scheme: String,
    /// Credential, e.g. user:password for digest; prompted for (echo off) when left out
    pub credential: Option<String>,
}

impl Run for AddAuth {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        if self.scheme.is_empty() || self.scheme.contains(':') {
            return Err(ShellError::usage(
                "addauth: give the scheme and the credential apart (addauth digest, then the credential)",
            ));
        }
        let credential = match self.credential {
            Some(credential) => credential,
            None => {
                let what = if self.scheme == "digest" {
                    "user:password"
                } else {
                    "credential"
                };
                let typed = read_secret(shell, "addauth", what, &format!("{} {what}: ", self.scheme))?;
                if typed.is_empty() {
                    return Err(ShellError::usage(format!("addauth: no {what} given")));
                }
                typed
            }
        };
        if self.scheme == "digest" && !is_user_password(&credential) {
            return Err(ShellError::usage(
                "addauth: a digest credential is user:password (the value is not shown here)",
            ));
        }
        shell.zk().add_auth(&self.scheme, credential.into_bytes()).await?;
        Ok(Reply::done())
    }
}
