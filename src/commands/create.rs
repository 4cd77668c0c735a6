//! `create [-s] [-e] [-c] [-t ttl] [-p] path [data] [acl]`: make a znode, print its path.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde::Serialize;
use zookeeper_client::{Acls, CreateMode};

use crate::cli::parse_duration;
use crate::commands::Run;
use crate::commands::data_input::DataInput;
use crate::errors::ShellError;
use crate::output::{Render, Reply};
use crate::path::parent_of;
use crate::shell::Shell;
use crate::zk::acl::parse_acl;
use crate::zk::write::{NewNode, WriteOp};

/// Create a znode.
///
/// Persistent by default. -e makes it ephemeral (it goes when this session ends), -s sequential
/// (ZooKeeper appends a 10-digit counter to the name; the printed path has it), -c a container
/// (removed by the server once its last child goes), -t a persistent node with a time-to-live
/// (the server needs extendedTypesEnabled=true). -p creates missing parents as persistent nodes.
/// -b takes the data as base64 (as `get -b` prints it), for bytes that are not text.
///
/// Example: create -s -e /election/candidate- "host-1"
#[derive(Debug, Args)]
#[command(
    about = "Create a znode (persistent unless -e/-s/-c/-t) and print its path",
    visible_alias = "mk"
)]
pub struct Create {
    /// Sequential: the server appends a monotonically increasing 10-digit counter
    #[arg(short = 's', long)]
    pub sequential: bool,
    /// Ephemeral: deleted when this session ends
    #[arg(short = 'e', long)]
    pub ephemeral: bool,
    /// Container: deleted by the server after its last child is deleted
    #[arg(short = 'c', long, conflicts_with_all = ["ephemeral", "ttl"])]
    pub container: bool,
    /// Time to live of a persistent node without children, 1ms to ~34 years (e.g. 10s, 5m; bare
    /// number = ms as in zkCli)
    #[arg(
        short = 't',
        long,
        value_parser = parse_ttl,
        value_name = "TTL",
        conflicts_with = "ephemeral",
        allow_negative_numbers = true
    )]
    pub ttl: Option<Duration>,
    /// Create missing parent nodes (persistent, empty)
    #[arg(short = 'p', long)]
    pub parents: bool,
    #[command(flatten)]
    pub data: DataInput,
    /// ACL as zkCli writes it (e.g. world:anyone:cdrwa); default world:anyone:cdrwa
    #[arg(long = "acl", value_name = "ACL")]
    pub acl_option: Option<String>,
    /// Znode path (absolute, or relative to the current node)
    #[arg(index = 1, add = crate::completion::path_completer())]
    pub path: String,
    /// ACL, zkCli style: scheme:id:perms[,scheme:id:perms...]
    #[arg(index = 3)]
    pub acl: Option<String>,
}

/// The longest TTL ZooKeeper takes, in ms: it keeps the TTL in the low 40 bits of the node's
/// ephemeralOwner (EphemeralType.TTL.maxValue(), about 34 years).
const MAX_TTL_MS: u128 = 0xff_ffff_ffff;

/// zkCli's -t takes milliseconds; zksh also accepts units. The server refuses a TTL outside
/// 1 ms..=MAX_TTL_MS with a bare BADARGUMENTS, so the range is checked here, as a usage error.
fn parse_ttl(text: &str) -> Result<Duration, String> {
    if text.trim_start().starts_with('-') {
        return Err(format!("a TTL must be positive ('{text}')"));
    }
    let ttl = if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        let ms: u64 = text.parse().map_err(|_| format!("'{text}' is not a TTL"))?;
        Duration::from_millis(ms)
    } else {
        parse_duration(text)?
    };
    match ttl.as_millis() {
        0 => Err(format!("a TTL must be at least 1ms ('{text}')")),
        ms if ms > MAX_TTL_MS => Err(format!(
            "'{text}' is longer than ZooKeeper's longest TTL ({MAX_TTL_MS} ms, about 34 years)"
        )),
        _ => Ok(ttl),
    }
}

/// `create`: the created path (sequential names included), so scripts can use it.
#[derive(Debug, Serialize)]
pub struct Created {
    pub path: String,
}

impl Render for Created {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.path)
    }
}

impl Run for Create {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        if path == "/" {
            return Err(ShellError::usage("create /: the root always exists"));
        }
        let data = self.data.read("create", &path, shell)?;
        let acls = match (&self.acl, &self.acl_option) {
            (Some(_), Some(_)) => return Err(ShellError::usage("create: give the ACL once (positional or --acl)")),
            (Some(text), None) | (None, Some(text)) => parse_acl(text)?,
            (None, None) => Acls::anyone_all().to_vec(),
        };
        let mode = match (self.container, self.ephemeral, self.sequential) {
            // Parsed (so `zksh -s h create -s -c /x` reads both -s right) but refused here,
            // with the reason: ZooKeeper has no sequential container mode.
            (true, _, true) => {
                return Err(ShellError::usage(format!(
                    "create {path}: a container (-c) cannot be sequential (-s): ZooKeeper has no such mode"
                )));
            }
            (true, _, false) => CreateMode::Container,
            (false, true, true) => CreateMode::EphemeralSequential,
            (false, true, false) => CreateMode::Ephemeral,
            (false, false, true) => CreateMode::PersistentSequential,
            (false, false, false) => CreateMode::Persistent,
        };
        if self.parents {
            shell.refuse_in_txn("create -p cannot be part of a transaction (create the parents first)")?;
            create_parents(shell, &path).await?;
        }
        let op = WriteOp::Create(NewNode {
            path,
            data,
            mode,
            acls,
            ttl: self.ttl,
        });
        Ok(shell.submit(op).await?.reply(|applied| {
            Reply::value(Created {
                path: applied.created.unwrap_or(applied.path),
            })
        }))
    }
}

/// `create -p`: the missing parents of `path`, as empty persistent nodes.
async fn create_parents(shell: &Shell, path: &str) -> anyhow::Result<()> {
    let parent = parent_of(path);
    if parent == "/" {
        return Ok(());
    }
    let client = shell.zk().client().await?;
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    shell
        .zk()
        .call("create -p", parent, client.mkdir(parent, &options))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn ttl_takes_milliseconds_or_units() {
        assert_eq!(parse_ttl("1500"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_ttl("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_ttl("soon").is_err());
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("0.5ms").is_err(), "rounds down to 0 ms on the wire");
        assert!(parse_ttl("-5").is_err());
        assert_eq!(parse_ttl("1099511627775"), Ok(Duration::from_millis(1_099_511_627_775)));
        assert!(parse_ttl("1099511627776").is_err());
        assert!(parse_ttl("99999999999999999999999").is_err());
    }

    #[test]
    fn created_prints_the_path() {
        insta::assert_snapshot!(both(&Created { path: "/app/job-0000000007".into() }), @r#"
        --- text
        /app/job-0000000007
        --- json
        {"path":"/app/job-0000000007"}
        "#);
    }
}
