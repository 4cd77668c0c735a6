//! `session`: what this shell's ZooKeeper session is: id, timeout, state, server, credentials.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use colored::Colorize;
use serde::Serialize;

use crate::commands::Run;
use crate::events::ConnState;
use crate::output::human_duration;
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// Show this shell's ZooKeeper session.
///
/// A session is what ZooKeeper keeps for one client: an id, a timeout negotiated at connect
/// time (the server clamps the asked-for value between 2 and 20 ticks), the ephemeral nodes
/// and watches that live and die with it, and the identities added with addauth. It survives
/// reconnects to any server of the ensemble until the timeout passes without contact. Shown
/// here: the session id (hex, as ephemeralOwner shows it), the negotiated timeout, the
/// connection state (CONNECTED, SUSPENDED, READ_ONLY...), whether the server is read-only,
/// the connect string, the current node, and how many credentials of each scheme it presents
/// (ZKSH_AUTH, --auth-file, addauth; never the secrets; `whoami` asks the server). The client is not told which server of the ensemble it talks to.
///
/// Example: session -o json
#[derive(Debug, Args)]
#[command(about = "Show the session: id, negotiated timeout, state, server, credentials")]
pub struct Session {}

/// What the client knows about its session.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub session_id: i64,
    /// The id as ephemeralOwner shows it.
    pub session_id_hex: String,
    /// As negotiated with the server.
    #[serde(rename = "timeoutMs", serialize_with = "millis")]
    pub timeout: Duration,
    #[serde(serialize_with = "state_label")]
    pub state: ConnState,
    /// Connected to a read-only server (writes are refused).
    pub read_only: bool,
    /// Whether -r allowed a read-only server.
    pub read_only_allowed: bool,
    /// The connect string (hosts and chroot).
    pub server: String,
    pub cwd: String,
    /// Credentials presented (ZKSH_AUTH, --auth-file, addauth): how many per scheme, never
    /// the secrets.
    pub credentials: std::collections::BTreeMap<String, usize>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn state_label<S: serde::Serializer>(state: &ConnState, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(state.label())
}

impl Render for SessionInfo {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let credentials = if self.credentials.is_empty() {
            "none".to_string()
        } else {
            let list: Vec<String> = self
                .credentials
                .iter()
                .map(|(scheme, n)| format!("{scheme} ({n})"))
                .collect();
            list.join(", ")
        };
        let readonly = match (self.read_only, self.read_only_allowed) {
            (true, _) => "yes: connected to a read-only server, writes are refused",
            (false, true) => "no (read-only servers allowed by -r)",
            (false, false) => "no",
        };
        let rows: [(&str, String); 7] = [
            ("session id", self.session_id_hex.clone()),
            ("timeout", human_duration(self.timeout)),
            ("state", self.state.label().to_string()),
            ("read-only", readonly.to_string()),
            ("server", self.server.clone()),
            ("current node", self.cwd.clone()),
            ("credentials", credentials),
        ];
        for (key, value) in rows {
            writeln!(out, "{} {value}", format!("{key:<13}").cyan())?;
        }
        writeln!(
            out,
            "(ZooKeeper does not tell a client which server of the ensemble it is connected to)"
        )
    }
}

impl Run for Session {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let client = shell.zk().client().await?;
        let state = ConnState::from_session(client.state());
        let id = client.session_id().0;
        Ok(Reply::value(SessionInfo {
            session_id: id,
            session_id_hex: format!("0x{id:x}"),
            timeout: client.session_timeout(),
            state,
            read_only: state == ConnState::ReadOnly,
            read_only_allowed: shell.zk().profile().readonly,
            server: shell.zk().profile().server.clone(),
            cwd: shell.cwd().to_string(),
            credentials: shell.zk().connection().credential_counts().into_iter().collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn session_table_and_document() {
        let info = SessionInfo {
            session_id: 0x1000a2b3c,
            session_id_hex: "0x1000a2b3c".into(),
            timeout: Duration::from_secs(10),
            state: ConnState::Connected,
            read_only: false,
            read_only_allowed: true,
            server: "127.0.0.1:2181/app".into(),
            cwd: "/services".into(),
            credentials: [("digest".to_string(), 2)].into_iter().collect(),
        };
        insta::assert_snapshot!(both(&info), @r#"
        --- text
        session id    0x1000a2b3c
        timeout       10s
        state         CONNECTED
        read-only     no (read-only servers allowed by -r)
        server        127.0.0.1:2181/app
        current node  /services
        credentials   digest (2)
        (ZooKeeper does not tell a client which server of the ensemble it is connected to)
        --- json
        {"credentials":{"digest":2},"cwd":"/services","readOnly":false,"readOnlyAllowed":true,"server":"127.0.0.1:2181/app","sessionId":4295633724,"sessionIdHex":"0x1000a2b3c","state":"CONNECTED","timeoutMs":10000}
        "#);
    }
}
