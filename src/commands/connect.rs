//! `connect [TARGET]`: switch the shell to another connect string (or reconnect to the last
//! one) without leaving it, as zkCli's connect.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::output::{Render, Reply};
use crate::shell::Shell;
use crate::shell::target::Switched;
use crate::zk::remote::target_profile;

/// Connect the shell to another ZooKeeper, or reconnect, without leaving it (zkCli's connect).
///
/// TARGET is a connect string, host:port[,host:port...][/chroot]; left out, zksh opens a new
/// session on the last one (after `close`, say). The new session is opened first: when no
/// server of TARGET answers, nothing changes and the error says where the shell still is
/// (exit 3). Then the old session is closed in order (its ephemeral nodes go at once), the
/// shell's watches and locks stop (they belonged to it, and say so), and the current node
/// goes back to /. Timeouts, -r and the credentials of ZKSH_AUTH or --auth-file carry over;
/// credentials added with addauth carry over only to the same connect string. A transaction
/// block must be committed or aborted first.
///
/// Example: connect 127.0.0.1:2182/app
#[derive(Debug, Args)]
#[command(about = "Switch to another server (host:port[/chroot]) or reconnect, staying in the shell")]
pub struct Connect {
    /// Connect string: host:port[,host:port...][/chroot]; the last one when left out
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,
}

/// What `connect` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    pub server: String,
    pub session_id: i64,
    pub session_id_hex: String,
    /// The session closed for the new one, as hex.
    pub closed_session: Option<String>,
    pub watches_stopped: usize,
    pub locks_released: usize,
    /// Credentials added with addauth that were not carried to another connect string.
    pub addauth_dropped: usize,
}

impl Connected {
    pub fn new(server: String, switched: &Switched) -> Connected {
        Connected {
            server,
            session_id: switched.session_id,
            session_id_hex: format!("0x{:x}", switched.session_id),
            closed_session: switched.closed_session.map(|id| format!("0x{id:x}")),
            watches_stopped: switched.watches_stopped,
            locks_released: switched.locks_released,
            addauth_dropped: switched.credentials_dropped,
        }
    }
}

impl Render for Connected {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        write!(out, "connected to {} (session {})", self.server, self.session_id_hex)?;
        if let Some(old) = &self.closed_session {
            write!(out, "; session {old} closed")?;
        }
        writeln!(out)?;
        stopped_lines(out, self.watches_stopped, self.locks_released)?;
        if self.addauth_dropped > 0 {
            writeln!(
                out,
                "{} addauth credential{} not carried to the new server (addauth again where needed)",
                self.addauth_dropped,
                plural(self.addauth_dropped)
            )?;
        }
        Ok(())
    }
}

/// What stopped with the old session, one line each (none when nothing did).
pub fn stopped_lines(out: &mut dyn Write, watches: usize, locks: usize) -> std::io::Result<()> {
    if watches > 0 {
        writeln!(
            out,
            "{watches} watch{} of the old session stopped",
            if watches == 1 { "" } else { "es" }
        )?;
    }
    if locks > 0 {
        writeln!(out, "{locks} lock{} of the old session released", plural(locks))?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Run for Connect {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let current = shell.zk().profile();
        let profile = match &self.target {
            Some(target) => target_profile(target, &current)?,
            None => (*current).clone(),
        };
        let server = profile.server.clone();
        let switched = shell.connect_to(profile).await?;
        Ok(Reply::value(Connected::new(server, &switched)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn connected_says_what_stopped() {
        let switched = Switched {
            session_id: 0x100,
            closed_session: Some(0xff),
            watches_stopped: 2,
            locks_released: 1,
            credentials_dropped: 1,
        };
        insta::assert_snapshot!(both(&Connected::new("127.0.0.1:2182/app".into(), &switched)), @r#"
        --- text
        connected to 127.0.0.1:2182/app (session 0x100); session 0xff closed
        2 watches of the old session stopped
        1 lock of the old session released
        1 addauth credential not carried to the new server (addauth again where needed)
        --- json
        {"addauthDropped":1,"closedSession":"0xff","locksReleased":1,"server":"127.0.0.1:2182/app","sessionId":256,"sessionIdHex":"0x100","watchesStopped":2}
        "#);
    }
}
