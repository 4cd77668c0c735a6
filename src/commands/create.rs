//! `create [-s] [-e] [-c] [-t ttl] [-p] path [data] [acl]`: make a znode, print its path.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use zookeeper_client::{self as zk, Acl, Acls, CreateMode};

use crate::cli::{OutputArg, parse_duration};
use crate::commands::data_source::read_data;
use crate::commands::txn::queue;
use crate::errors::{ShellError, ZkError};
use crate::outcome::Outcome;
use crate::path::parent_of;
use crate::session::Session;
use crate::txn::TxnOp;

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
pub struct CreateArgs {
    /// Sequential: the server appends a monotonically increasing 10-digit counter
    #[arg(short = 's', long)]
    pub sequential: bool,
    /// Ephemeral: deleted when this session ends
    #[arg(short = 'e', long)]
    pub ephemeral: bool,
    /// Container: deleted by the server after its last child is deleted
    #[arg(short = 'c', long, conflicts_with_all = ["ephemeral", "ttl"])]
    pub container: bool,
    /// Time to live of a persistent node without children (e.g. 10s, 5m; bare number = ms as in zkCli)
    #[arg(short = 't', long, value_parser = parse_ttl, value_name = "TTL", conflicts_with = "ephemeral")]
    pub ttl: Option<Duration>,
    /// Create missing parent nodes (persistent, empty)
    #[arg(short = 'p', long)]
    pub parents: bool,
    /// Read the data from FILE ('-' for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The data (or the file) is base64: store the decoded bytes
    #[arg(short = 'b', long)]
    pub base64: bool,
    /// ACL as zkCli writes it (e.g. world:anyone:cdrwa); default world:anyone:cdrwa
    #[arg(long = "acl", value_name = "ACL")]
    pub acl_option: Option<String>,
    /// Znode path (absolute, or relative to the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    /// Data ('-' reads stdin); may start with '-'
    #[arg(allow_hyphen_values = true)]
    pub data: Option<String>,
    /// ACL, zkCli style: scheme:id:perms[,scheme:id:perms...]
    pub acl: Option<String>,
    #[command(flatten)]
    pub out: OutputArg,
}

/// zkCli's -t takes milliseconds; zksh also accepts units.
fn parse_ttl(text: &str) -> Result<Duration, String> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        let ms: u64 = text.parse().map_err(|_| format!("'{text}' is not a TTL"))?;
        return Ok(Duration::from_millis(ms));
    }
    parse_duration(text)
}

pub async fn execute(args: CreateArgs, session: &mut Session) -> anyhow::Result<Outcome> {
    let path = session.resolve(&args.path)?;
    if path == "/" {
        return Err(ShellError::usage("create /: the root always exists"));
    }
    let data = read_data(
        "create",
        &path,
        args.data.as_deref(),
        args.file.as_ref(),
        args.base64,
        session,
    )?;
    let acl_text = match (&args.acl, &args.acl_option) {
        (Some(_), Some(_)) => return Err(ShellError::usage("create: give the ACL once (positional or --acl)")),
        (a, b) => a.as_ref().or(b.as_ref()),
    };
    let acls = match acl_text {
        Some(text) => parse_acl(text)?,
        None => Acls::anyone_all().to_vec(),
    };
    let mode = match (args.container, args.ephemeral, args.sequential) {
        // Parsed (so `zksh -s h create -s -c /x` reads both -s right) but refused here, with
        // the reason: ZooKeeper has no sequential container mode.
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
    if session.txn().is_some() {
        if args.parents {
            return Err(ShellError::usage(
                "create -p cannot be part of a transaction (create the parents first)",
            ));
        }
        return queue(
            session,
            TxnOp::Create {
                path,
                data,
                mode,
                acls,
                ttl: args.ttl,
            },
        );
    }
    let mut options = mode.with_acls(Acls::new(&acls));
    if let Some(ttl) = args.ttl {
        options = options.with_ttl(ttl);
    }
    let client = session.client().await?;
    if args.parents {
        let parent = parent_of(&path);
        if parent != "/" {
            let dir_options = CreateMode::Persistent.with_acls(Acls::anyone_all());
            session
                .call("create -p", parent, client.mkdir(parent, &dir_options))
                .await?;
        }
    }
    match session
        .call("create", &path, client.create(&path, &data, &options))
        .await
    {
        Ok((_stat, sequence)) => {
            let created = if args.sequential {
                format!("{path}{sequence}")
            } else {
                path
            };
            Ok(Outcome::Created { path: created })
        }
        Err(err) => Err(explain_create_error(err, &path, args.ttl.is_some())),
    }
}

/// Adds the hint a user needs for the two refusals that are not self-explanatory.
fn explain_create_error(err: anyhow::Error, path: &str, ttl: bool) -> anyhow::Error {
    match err.downcast_ref::<ZkError>().map(|e| &e.source) {
        Some(zk::Error::NoNode) => ShellError::refused(
            "create",
            path,
            format!("parent {} does not exist (use create -p)", parent_of(path)),
        ),
        Some(zk::Error::Unimplemented) if ttl => ShellError::refused(
            "create",
            path,
            "TTL nodes are disabled on this server (set extendedTypesEnabled=true)",
        ),
        _ => err,
    }
}

/// Parses zkCli's ACL syntax: `scheme:id:perms`, comma-separated; perms from `cdrwa`.
pub fn parse_acl(text: &str) -> anyhow::Result<Vec<Acl>> {
    use zookeeper_client::{AuthId, Permission};
    let mut acls = Vec::new();
    for entry in text.split(',').filter(|e| !e.trim().is_empty()) {
        let entry = entry.trim();
        let (rest, perms) = entry
            .rsplit_once(':')
            .ok_or_else(|| ShellError::usage(format!("ACL '{entry}' is not scheme:id:perms")))?;
        let (scheme, id) = rest
            .split_once(':')
            .ok_or_else(|| ShellError::usage(format!("ACL '{entry}' is not scheme:id:perms")))?;
        let mut permission = Permission::NONE;
        for p in perms.chars() {
            permission = permission
                | match p {
                    'c' => Permission::CREATE,
                    'd' => Permission::DELETE,
                    'r' => Permission::READ,
                    'w' => Permission::WRITE,
                    'a' => Permission::ADMIN,
                    other => {
                        return Err(ShellError::usage(format!(
                            "ACL '{entry}': unknown permission '{other}' (use c, d, r, w, a)"
                        )));
                    }
                };
        }
        acls.push(Acl::new(permission, AuthId::new(scheme, id)));
    }
    if acls.is_empty() {
        return Err(ShellError::usage("empty ACL"));
    }
    Ok(acls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_takes_milliseconds_or_units() {
        assert_eq!(parse_ttl("1500"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_ttl("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_ttl("soon").is_err());
    }

    #[test]
    fn acls_parse_like_zkcli() {
        let acls = parse_acl("world:anyone:cdrwa").unwrap();
        assert_eq!(acls.len(), 1);
        assert_eq!(acls[0].scheme(), "world");
        assert_eq!(acls[0].id(), "anyone");
        let acls = parse_acl("digest:u:hash=:r,ip:127.0.0.1:rw").unwrap();
        assert_eq!(acls[0].id(), "u:hash=");
        assert_eq!(acls[1].id(), "127.0.0.1");
        assert!(parse_acl("world:anyone:xyz").is_err());
        assert!(parse_acl("nonsense").is_err());
    }
}
