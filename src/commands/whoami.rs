//! `whoami`: the identities the server holds for this session (ZooKeeper's WhoAmI request).

use std::io::Write;

use clap::Args;
use serde::Serialize;
use zookeeper_client as zk;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// Show the identities the server holds for this session, as zkCli's whoami.
///
/// ZooKeeper matches ACLs against these: the client's address (scheme ip) from the start,
/// plus one per credential added with addauth, ZKSH_AUTH or --auth-file (digest: the user
/// name), a SASL login or a TLS client certificate. Asked of the server itself (its WhoAmI
/// request, ZooKeeper 3.7 and later), so it shows what the server accepted, never a secret.
///
/// Example: whoami -o json
#[derive(Debug, Args)]
#[command(about = "Show the identities (scheme and user) the server holds for this session")]
pub struct WhoAmI {}

/// One identity: its scheme and the user (or address) within it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Identity {
    pub scheme: String,
    pub user: String,
}

/// `whoami`: the JSON is the bare array of identities.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Identities(pub Vec<Identity>);

impl Render for Identities {
    // zkCli's layout: a header, then `scheme: user` per identity.
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "Auth scheme: User")?;
        for identity in &self.0 {
            writeln!(out, "{}: {}", identity.scheme, identity.user)?;
        }
        Ok(())
    }
}

impl Run for WhoAmI {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let client = shell.zk().client().await?;
        let users = match shell.zk().call("whoami", "/", client.list_auth_users()).await {
            Ok(users) => users,
            Err(err) if is_unimplemented(&err) => {
                return Err(ShellError::refused(
                    "whoami",
                    "",
                    "the server does not know the WhoAmI request (it needs ZooKeeper 3.7 or later)",
                ));
            }
            Err(err) => return Err(err),
        };
        let mut identities: Vec<Identity> = users
            .iter()
            .map(|u| Identity {
                scheme: u.scheme().to_string(),
                user: u.user().to_string(),
            })
            .collect();
        identities.sort_by(|a, b| (&a.scheme, &a.user).cmp(&(&b.scheme, &b.user)));
        Ok(Reply::value(Identities(identities)))
    }
}

fn is_unimplemented(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<crate::errors::ZkError>()
            .is_some_and(|e| matches!(e.source, zk::Error::Unimplemented))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn identities_read_as_zkclis() {
        let ids = Identities(vec![
            Identity {
                scheme: "digest".into(),
                user: "alice".into(),
            },
            Identity {
                scheme: "ip".into(),
                user: "127.0.0.1".into(),
            },
        ]);
        insta::assert_snapshot!(both(&ids), @r#"
        --- text
        Auth scheme: User
        digest: alice
        ip: 127.0.0.1
        --- json
        [{"scheme":"digest","user":"alice"},{"scheme":"ip","user":"127.0.0.1"}]
        "#);
    }
}
