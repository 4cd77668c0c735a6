//! `reconfig --add|--remove|--members|--file [-v version]`: zkCli's dynamic reconfiguration
//! of the ensemble, with the server's refusals said in words an operator can act on.

use std::io::Write;

use clap::Args;
use serde::Serialize;
use zookeeper_client::{self as zk, EnsembleUpdate};

use crate::commands::Run;
use crate::commands::config::{CONFIG_NODE, ConfigShown, EnsembleConfig};
use crate::errors::{ShellError, ZkError};
use crate::output::{Render, Reply};
use crate::shell::Shell;

/// zkCli spells the options with one dash; clap would read `-add` as `-a -d -d`.
pub const ZKCLI_SPELLINGS: &[(&str, &str)] = &[
    ("-add", "--add"),
    ("-remove", "--remove"),
    ("-members", "--members"),
    ("-file", "--file"),
];

/// Change the ensemble's membership (dynamic reconfiguration, ZooKeeper 3.5+).
///
/// --add and --remove change it incrementally (both may be given); --members or --file
/// replace it whole. A server is `server.N=host:quorumPort:electionPort[:role];[clientHost:]clientPort`
/// (`N=` alone is taken as `server.N=`); several are separated by commas or given as repeated
/// options. --file reads the `server.N=` lines of a config file. -v applies the change only if
/// the configuration is still at that version (as `config` shows it, hex). zkCli's spellings
/// `-add`, `-remove`, `-members` and `-file` are accepted.
///
/// The servers must run with reconfigEnabled=true, and the caller must be allowed to write
/// /zookeeper/config: a superuser (the servers' zookeeper.DigestAuthenticationProvider.superDigest,
/// then `addauth digest super:…`), or servers with skipACL=yes. The new configuration is
/// printed as `config` prints it.
///
/// Example: reconfig --remove 3 && reconfig --add 'server.3=10.0.0.3:2888:3888;2181'
#[derive(Debug, Args)]
#[command(about = "Add or remove ensemble members (dynamic reconfiguration)")]
pub struct Reconfig {
    /// Servers to add: server.N=host:quorum:election[:role];[host:]clientPort
    #[arg(long, value_name = "SERVERS", conflicts_with_all = ["members", "file"])]
    pub add: Vec<String>,
    /// Ids of servers to remove (comma-separated or repeated)
    #[arg(long, value_name = "IDS", conflicts_with_all = ["members", "file"])]
    pub remove: Vec<String>,
    /// The whole new membership (server.N=... lines, comma-separated or repeated)
    #[arg(long, value_name = "SERVERS", conflicts_with = "file")]
    pub members: Vec<String>,
    /// A config file whose server.N= lines are the whole new membership
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// Apply only if the configuration is at this version (hex, as `config` shows it)
    #[arg(short = 'v', long, value_name = "VERSION")]
    pub version: Option<String>,
    /// Also print the stat of /zookeeper/config
    #[arg(short = 's', long)]
    pub stat: bool,
}

/// The configuration the ensemble committed, shown as `config` shows it.
#[derive(Debug, Serialize)]
pub struct Reconfigured {
    pub committed: bool,
    #[serde(flatten)]
    pub config: ConfigShown,
}

impl Render for Reconfigured {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "Committed new configuration:")?;
        self.config.render_text(out)
    }
}

/// Items of repeated, comma-separated options, `N=` completed to `server.N=`.
fn servers(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with(|c: char| c.is_ascii_digit()) && s.contains('=') {
                format!("server.{s}")
            } else {
                s.to_string()
            }
        })
        .collect()
}

fn ids(values: &[String]) -> anyhow::Result<Vec<String>> {
    let ids: Vec<String> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().trim_start_matches("server.").to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(bad) = ids.iter().find(|id| id.parse::<u64>().is_err()) {
        return Err(ShellError::usage(format!(
            "reconfig --remove: '{bad}' is not a server id (a number, as in server.3)"
        )));
    }
    Ok(ids)
}

/// The `server.N=` lines of a config file.
fn file_members(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ShellError::usage(format!("reconfig --file {}: {e}", path.display())))?;
    let members: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("server."))
        .map(str::to_string)
        .collect();
    if members.is_empty() {
        return Err(ShellError::usage(format!(
            "reconfig --file {}: no server.N= lines in it",
            path.display()
        )));
    }
    Ok(members)
}

fn parse_version(version: Option<&str>) -> anyhow::Result<Option<i64>> {
    let Some(text) = version else { return Ok(None) };
    let digits = text.trim_start_matches("0x");
    i64::from_str_radix(digits, 16).map(Some).map_err(|_| {
        ShellError::usage(format!(
            "reconfig -v: '{text}' is not a configuration version (hex, as `config` shows it)"
        ))
    })
}

/// The server's refusal, in words that say what to do about it.
fn refusal(err: &zk::Error) -> Option<String> {
    Some(match err {
        zk::Error::ReconfigDisabled => "the ensemble does not allow dynamic reconfiguration \
             (start its servers with reconfigEnabled=true)"
            .into(),
        zk::Error::NoAuth => "not authorized: reconfig writes /zookeeper/config, which needs a superuser \
             (servers started with -Dzookeeper.DigestAuthenticationProvider.superDigest=super:<digest>, \
             then `addauth digest super:<password>`) or servers with skipACL=yes"
            .into(),
        zk::Error::BadVersion => "the configuration is no longer at that version (see `config`)".into(),
        zk::Error::BadArguments(msg) => format!("the server refused the new configuration: {msg}"),
        // KeeperException.Code NEWCONFIGNOQUORUM and RECONFIGINPROGRESS.
        zk::Error::UnexpectedErrorCode(-13) => "no quorum of the new configuration is connected to the leader \
             (start the servers being added first)"
            .into(),
        zk::Error::UnexpectedErrorCode(-14) => "another reconfiguration is in progress; try again".into(),
        _ => return None,
    })
}

impl Run for Reconfig {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let version = parse_version(self.version.as_deref())?;
        let (joining, leaving, whole) = match &self.file {
            Some(path) => (Vec::new(), Vec::new(), file_members(path)?),
            None => (servers(&self.add), ids(&self.remove)?, servers(&self.members)),
        };
        if joining.is_empty() && leaving.is_empty() && whole.is_empty() {
            return Err(ShellError::usage(
                "reconfig: nothing to change (give --add, --remove, --members or --file)",
            ));
        }
        let client = shell.zk().client().await?;
        let request = if whole.is_empty() {
            client.update_ensemble(
                EnsembleUpdate::Incremental {
                    joinings: joining.iter().map(String::as_str),
                    leavings: leaving.iter().map(String::as_str),
                },
                version,
            )
        } else {
            client.update_ensemble(
                EnsembleUpdate::New {
                    ensemble: whole.iter().map(String::as_str),
                },
                version,
            )
        };
        let (data, stat) = match tokio::time::timeout(shell.zk().request_timeout(), request).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(err)) => {
                return Err(match refusal(&err) {
                    Some(message) => ShellError::refused("reconfig", CONFIG_NODE, message),
                    None => ZkError::new("reconfig", CONFIG_NODE, err).into(),
                });
            }
            Err(_) => return Err(shell.zk().deadline_error("reconfig", CONFIG_NODE)),
        };
        Ok(Reply::value(Reconfigured {
            committed: true,
            config: ConfigShown {
                config: EnsembleConfig::parse(&String::from_utf8_lossy(&data)),
                stat: self.stat.then_some(stat),
                connect_string_only: false,
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::output::both;

    #[test]
    fn servers_and_ids_are_split_and_completed() {
        let given = vec!["4=h:1:2;3,server.5=h:4:5;6".to_string(), "server.6=h:7:8".to_string()];
        assert_eq!(
            servers(&given),
            vec!["server.4=h:1:2;3", "server.5=h:4:5;6", "server.6=h:7:8"]
        );
        assert_eq!(
            ids(&["1, 2".to_string(), "server.3".into()]).expect("ids"),
            vec!["1", "2", "3"]
        );
        assert!(ids(&["x".to_string()]).is_err());
    }

    #[test]
    fn versions_are_hex_as_config_shows_them() {
        assert_eq!(parse_version(Some("100000003")).expect("hex"), Some(0x1_0000_0003));
        assert_eq!(parse_version(None).expect("none"), None);
        assert!(parse_version(Some("zz")).is_err());
    }

    #[test]
    fn the_committed_configuration() {
        let done = Reconfigured {
            committed: true,
            config: ConfigShown {
                config: EnsembleConfig::parse("server.1=h:1:2:participant;h:3\nversion=200000001\n"),
                stat: None,
                connect_string_only: false,
            },
        };
        assert_snapshot!(both(&done), @r#"
        --- text
        Committed new configuration:
        id  host  quorum  election  role         client
         1  h          1         2  participant  h:3
        version 200000001
        --- json
        {"committed":true,"members":[{"client":"h:3","electionPort":2,"host":"h","id":1,"quorumPort":1,"role":"participant"}],"version":"200000001"}
        "#);
    }
}
