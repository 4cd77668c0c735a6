//! `config [-s] [-c]`: the ensemble's dynamic configuration (/zookeeper/config), its members
//! parsed into a table; and the parser `reconfig` and anything else that lists members use.

use std::io::Write;

use clap::Args;
use serde::Serialize;
use zookeeper_client::Stat;

use crate::commands::Run;
use crate::output::stat::render_stat;
use crate::output::table::{Align, Table};
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// The node the ensemble keeps its membership in (outside any chroot).
pub const CONFIG_NODE: &str = "/zookeeper/config";

/// Show the ensemble's configuration: its members, their ports and roles (/zookeeper/config).
///
/// Each `server.N=host:quorum:election[:role][;[clientHost:]clientPort]` line becomes a row:
/// id, host, quorum and election ports, role (participant or observer) and the address
/// clients connect to; `version` is the configuration's version, the one `reconfig -v`
/// expects. A standalone server, or a 3.4 one, has no dynamic configuration: the list is
/// empty. -s adds the node's stat, -c prints only the members' client addresses as a connect
/// string (zkCli's config -c). The node is read outside any chroot of the connect string.
///
/// Example: config -o json
#[derive(Debug, Args)]
#[command(about = "Show the ensemble's members, ports and roles (/zookeeper/config)")]
pub struct Config {
    /// Also print the stat of /zookeeper/config
    #[arg(short = 's', long)]
    pub stat: bool,
    /// Print only the members' client addresses, as a connect string
    #[arg(short = 'c', long = "connect-string")]
    pub connect_string: bool,
}

/// Whether a member votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Participant,
    Observer,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Observer => "observer",
        }
    }
}

/// One `server.N=` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: u64,
    pub host: String,
    pub quorum_port: u16,
    pub election_port: u16,
    pub role: Role,
    /// `host:port` clients connect to; None when the line names no client port.
    pub client: Option<String>,
}

/// The parsed configuration.
#[derive(Debug, Clone, Serialize)]
pub struct EnsembleConfig {
    pub members: Vec<Member>,
    /// As the node shows it (hex): what `reconfig -v` takes.
    pub version: Option<String>,
    /// Lines that are neither a member nor the version, kept as they are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
}

impl EnsembleConfig {
    /// Parses the node's text; a line that does not parse is kept in `other`.
    pub fn parse(text: &str) -> EnsembleConfig {
        let mut config = EnsembleConfig {
            members: Vec::new(),
            version: None,
            other: Vec::new(),
        };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(version) = line.strip_prefix("version=") {
                config.version = Some(version.to_string());
            } else if let Some(member) = parse_member(line) {
                config.members.push(member);
            } else {
                config.other.push(line.to_string());
            }
        }
        config
    }

    /// The members' client addresses, comma-separated (a connect string).
    pub fn connect_string(&self) -> String {
        let clients: Vec<&str> = self.members.iter().filter_map(|m| m.client.as_deref()).collect();
        clients.join(",")
    }

    pub fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.members.is_empty() {
            writeln!(out, "no dynamic configuration (a standalone server?)")?;
        } else {
            let mut table = Table::new(&[
                ("id", Align::Right),
                ("host", Align::Left),
                ("quorum", Align::Right),
                ("election", Align::Right),
                ("role", Align::Left),
                ("client", Align::Left),
            ]);
            for m in &self.members {
                table.row(vec![
                    m.id.to_string(),
                    m.host.clone(),
                    m.quorum_port.to_string(),
                    m.election_port.to_string(),
                    m.role.label().to_string(),
                    m.client.clone().unwrap_or_else(|| "-".into()),
                ]);
            }
            table.write(out, "", true)?;
        }
        if let Some(version) = &self.version {
            writeln!(out, "version {version}")?;
        }
        for line in &self.other {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// `server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181` (role, client part and client host
/// optional; hosts may be bracketed IPv6 addresses).
fn parse_member(line: &str) -> Option<Member> {
    let (key, value) = line.split_once('=')?;
    let id = key.trim().strip_prefix("server.")?.parse().ok()?;
    let (peer, client) = match value.split_once(';') {
        Some((peer, client)) => (peer.trim(), Some(client.trim())),
        None => (value.trim(), None),
    };
    let (host, rest) = split_host(peer)?;
    let mut fields = rest.split(':');
    let quorum_port = fields.next()?.parse().ok()?;
    let election_port = fields.next()?.parse().ok()?;
    let role = match fields.next() {
        None | Some("participant") => Role::Participant,
        Some("observer") => Role::Observer,
        Some(_) => return None,
    };
    let client = client.filter(|c| !c.is_empty()).map(|c| {
        if c.contains(':') {
            c.to_string()
        } else {
            // A port alone: clients reach it on every address of the member's host.
            format!("{host}:{c}")
        }
    });
    Some(Member {
        id,
        host: host.to_string(),
        quorum_port,
        election_port,
        role,
        client,
    })
}

/// `host:rest` or `[v6]:rest`.
fn split_host(peer: &str) -> Option<(&str, &str)> {
    if let Some(bracketed) = peer.strip_prefix('[') {
        let (host, rest) = bracketed.split_once(']')?;
        return Some((host, rest.strip_prefix(':')?));
    }
    peer.split_once(':')
}

/// `config`: the parsed configuration, its stat with -s.
#[derive(Debug, Serialize)]
pub struct ConfigShown {
    #[serde(flatten)]
    pub config: EnsembleConfig,
    #[serde(
        serialize_with = "crate::output::stat::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub stat: Option<Stat>,
    #[serde(skip)]
    pub connect_string_only: bool,
}

impl Render for ConfigShown {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.connect_string_only {
            return writeln!(out, "{}", self.config.connect_string());
        }
        self.config.write_table(out)?;
        if let Some(stat) = &self.stat {
            render_stat(stat, out)?;
        }
        Ok(())
    }
}

impl Run for Config {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let client = shell.zk().client().await?;
        let (data, stat) = shell.zk().call("config", CONFIG_NODE, client.get_config()).await?;
        let config = EnsembleConfig::parse(&String::from_utf8_lossy(&data));
        Ok(Reply::value(ConfigShown {
            config,
            stat: self.stat.then_some(stat),
            connect_string_only: self.connect_string,
        }))
    }
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::output::both;
    use crate::output::stat::sample_stat;

    const THREE: &str = "server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\n\
        server.2=10.0.0.2:2888:3888;2181\n\
        server.3=[::1]:2888:3888:observer\n\
        version=100000003\n";

    #[test]
    fn members_are_parsed_with_their_roles_and_client_addresses() {
        let config = EnsembleConfig::parse(THREE);
        assert_eq!(config.members.len(), 3);
        assert_eq!(config.members[1].client.as_deref(), Some("10.0.0.2:2181"));
        assert_eq!(config.members[2].host, "::1");
        assert_eq!(config.members[2].role, Role::Observer);
        assert_eq!(config.version.as_deref(), Some("100000003"));
        assert_eq!(config.connect_string(), "0.0.0.0:2181,10.0.0.2:2181");
    }

    #[test]
    fn a_line_that_is_no_member_is_kept() {
        let config = EnsembleConfig::parse("server.x=nonsense\nversion=1\n");
        assert!(config.members.is_empty());
        assert_eq!(config.other, vec!["server.x=nonsense".to_string()]);
    }

    #[test]
    fn the_table_and_its_json() {
        let shown = ConfigShown {
            config: EnsembleConfig::parse(THREE),
            stat: None,
            connect_string_only: false,
        };
        assert_snapshot!(both(&shown), @r#"
        --- text
        id  host      quorum  election  role         client
         1  10.0.0.1    2888      3888  participant  0.0.0.0:2181
         2  10.0.0.2    2888      3888  participant  10.0.0.2:2181
         3  ::1         2888      3888  observer     -
        version 100000003
        --- json
        {"members":[{"client":"0.0.0.0:2181","electionPort":3888,"host":"10.0.0.1","id":1,"quorumPort":2888,"role":"participant"},{"client":"10.0.0.2:2181","electionPort":3888,"host":"10.0.0.2","id":2,"quorumPort":2888,"role":"participant"},{"client":null,"electionPort":3888,"host":"::1","id":3,"quorumPort":2888,"role":"observer"}],"version":"100000003"}
        "#);
    }

    #[test]
    fn with_stat_and_empty() {
        let shown = ConfigShown {
            config: EnsembleConfig::parse(""),
            stat: Some(sample_stat()),
            connect_string_only: false,
        };
        assert_snapshot!(both(&shown), @r#"
        --- text
        no dynamic configuration (a standalone server?)
        cZxid = 0x1a
        ctime = 2025-11-25 14:01:17.123 +00:00
        mZxid = 0x2b
        mtime = 2025-11-25 14:01:40.456 +00:00
        pZxid = 0x2c
        cversion = 1
        dataVersion = 3
        aclVersion = 0
        ephemeralOwner = 0x0
        dataLength = 5
        numChildren = 2
        --- json
        {"members":[],"stat":{"aclVersion":0,"ctime":"2025-11-25T14:01:17.123Z","cversion":1,"czxid":26,"dataLength":5,"ephemeralOwner":0,"mtime":"2025-11-25T14:01:40.456Z","mzxid":43,"numChildren":2,"pzxid":44,"version":3},"version":null}
        "#);
    }
}
