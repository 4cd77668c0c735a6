//! zkCli's quota commands: `setquota -n|-b|-N|-B VALUE path`, `listquota path`,
//! `delquota [-n|-b|-N|-B] path`, on the znodes zkCli keeps under /zookeeper/quota (the format
//! is in `zk::quota`). Unlike zkCli, a quota that is not there is an error (exit 1).

use std::io::Write;

use clap::{ArgGroup, Args};
use serde::Serialize;
use zookeeper_client as zk;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::table::{Align, Table};
use crate::output::{Render, Reply};
use crate::path::parent_of;
use crate::shell::Shell;
use crate::zk::quota::{
    QUOTA_ROOT, Track, create_parents, exists, is, limits_node, no_quota, plain_node, quota_node, read_limits,
    refuse_nested, stats_node,
};
use crate::zk::write::WriteOp;

/// A limit: a whole number above 0.
fn parse_limit(text: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        Ok(_) => Err(format!("'{text}' is not a limit: give a number above 0")),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// Set a quota on a znode's subtree, in the znodes zkCli uses (/zookeeper/quota/<path>/
/// zookeeper_limits): -n nodes and -b bytes are soft limits (the server logs a warning
/// when they are passed), -N and -B hard ones (creates and sets beyond them fail, on servers
/// started with enforceQuota=true). Limits not given keep their value.
///
/// The node must exist, and no node above or below it may have a quota of its own (as zkCli
/// refuses). The server keeps the usage in zookeeper_stats.
///
/// Example: setquota -n 1000 -B 10485760 /app
#[derive(Debug, Args)]
#[command(
    about = "Set a node-count or byte quota on a subtree (zkCli's znodes)",
    group(ArgGroup::new("limit").required(true).multiple(true))
)]
pub struct SetQuota {
    /// Soft limit on the number of nodes
    #[arg(short = 'n', long = "count", value_name = "N", group = "limit", allow_negative_numbers = true, value_parser = parse_limit)]
    pub count: Option<i64>,
    /// Soft limit on the bytes of data
    #[arg(short = 'b', long = "bytes", value_name = "BYTES", group = "limit", allow_negative_numbers = true, value_parser = parse_limit)]
    pub bytes: Option<i64>,
    /// Hard limit on the number of nodes
    #[arg(short = 'N', long = "count-hard", value_name = "N", group = "limit", allow_negative_numbers = true, value_parser = parse_limit)]
    pub count_hard: Option<i64>,
    /// Hard limit on the bytes of data
    #[arg(short = 'B', long = "bytes-hard", value_name = "BYTES", group = "limit", allow_negative_numbers = true, value_parser = parse_limit)]
    pub bytes_hard: Option<i64>,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// Show a znode's quota and what its subtree uses (from /zookeeper/quota). Exit 1 when the
/// node has no quota (zkCli exits 0).
///
/// Example: listquota /app
#[derive(Debug, Args)]
#[command(about = "Show a subtree's quota and what it uses")]
pub struct ListQuota {
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// Remove a znode's quota: with -n, -b, -N or -B only those limits (the others stay);
/// without, the whole quota (its znodes, and the empty ones above them). Exit 1 when the
/// node has no quota.
///
/// Example: delquota -n /app
#[derive(Debug, Args)]
#[command(about = "Remove a subtree's quota, or some of its limits")]
pub struct DelQuota {
    /// Remove the soft limit on nodes only
    #[arg(short = 'n', long = "count")]
    pub count: bool,
    /// Remove the soft limit on bytes only
    #[arg(short = 'b', long = "bytes")]
    pub bytes: bool,
    /// Remove the hard limit on nodes only
    #[arg(short = 'N', long = "count-hard")]
    pub count_hard: bool,
    /// Remove the hard limit on bytes only
    #[arg(short = 'B', long = "bytes-hard")]
    pub bytes_hard: bool,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// A quota and its usage.
#[derive(Debug, Serialize)]
pub struct Quota {
    pub path: String,
    pub limits: Track,
    /// Nodes and bytes of the subtree as the server counts them (`count`, `bytes`).
    pub usage: Usage,
}

#[derive(Debug, Serialize)]
pub struct Usage {
    pub count: i64,
    pub bytes: i64,
}

/// `setquota`, `delquota`: the quota as it now is (None once removed whole).
#[derive(Debug, Serialize)]
pub struct QuotaChanged {
    pub path: String,
    pub limits: Option<Track>,
}

impl Render for QuotaChanged {}

fn limit_cell(value: i64) -> String {
    if value < 0 { "-".to_string() } else { value.to_string() }
}

impl Render for Quota {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut table = Table::new(&[
            ("", Align::Left),
            ("USED", Align::Right),
            ("LIMIT", Align::Right),
            ("HARD LIMIT", Align::Right),
        ]);
        let limits = &self.limits;
        table.row(vec![
            "nodes".into(),
            self.usage.count.to_string(),
            limit_cell(limits.count),
            limit_cell(limits.count_hard_limit),
        ]);
        table.row(vec![
            "bytes".into(),
            self.usage.bytes.to_string(),
            limit_cell(limits.bytes),
            limit_cell(limits.byte_hard_limit),
        ]);
        writeln!(out, "{}", self.path)?;
        table.write(out, "", true)
    }
}

/// The quota'd path, resolved and checked: quotas live at /zookeeper/quota of the whole tree,
/// which a chrooted session cannot name.
fn quota_target(shell: &Shell, op: &'static str, input: &str) -> anyhow::Result<String> {
    shell.refuse_in_txn(&format!("{op} cannot be part of a transaction"))?;
    let path = shell.resolve(input)?;
    if let Some(chroot) = shell.zk().profile().chroot() {
        return Err(ShellError::refused(
            op,
            path,
            format!("quotas live under {QUOTA_ROOT}, out of reach of the chroot {chroot}: connect without it"),
        ));
    }
    if path == "/" || path == QUOTA_ROOT || path.starts_with(&format!("{QUOTA_ROOT}/")) {
        return Err(ShellError::usage(format!("{op} {path}: cannot set a quota there")));
    }
    Ok(path)
}

impl Run for SetQuota {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        const OP: &str = "setquota";
        let path = quota_target(shell, OP, &self.path)?;
        let client = shell.zk().client().await?;
        if exists(shell.zk(), &client, OP, &path).await?.is_none() {
            return Err(ShellError::refused(OP, path, "no such node"));
        }
        refuse_nested(shell.zk(), &client, &path).await?;
        let change = |mut track: Track| {
            track.count = self.count.unwrap_or(track.count);
            track.bytes = self.bytes.unwrap_or(track.bytes);
            track.count_hard_limit = self.count_hard.unwrap_or(track.count_hard_limit);
            track.byte_hard_limit = self.bytes_hard.unwrap_or(track.byte_hard_limit);
            track
        };
        let limits = match read_limits(shell.zk(), &client, OP, &path).await? {
            Some((track, version)) => {
                let track = change(track);
                let op = WriteOp::Set {
                    path: limits_node(&path),
                    data: track.limits_text().into_bytes(),
                    version: Some(version),
                };
                shell.zk().apply(&op).await?;
                track
            }
            None => {
                let track = change(Track::default());
                create_parents(shell.zk(), &client, &quota_node(&path)).await?;
                // Limits first, then stats: creating the stats node is what makes the server
                // count the subtree's usage into it.
                let ops = [
                    plain_node(&limits_node(&path), track.limits_text().into_bytes()),
                    plain_node(&stats_node(&path), Track::empty_stats_text().as_bytes().to_vec()),
                ];
                shell.zk().commit(OP, &ops).await?;
                track
            }
        };
        Ok(Reply::value(QuotaChanged {
            path,
            limits: Some(limits),
        }))
    }
}

impl Run for ListQuota {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        const OP: &str = "listquota";
        let path = quota_target(shell, OP, &self.path)?;
        let client = shell.zk().client().await?;
        let Some((limits, _)) = read_limits(shell.zk(), &client, OP, &path).await? else {
            return Err(no_quota(OP, &path));
        };
        let stats = stats_node(&path);
        let usage = match shell.zk().call(OP, &stats, client.get_data(&stats)).await {
            Ok((data, _)) => Track::parse(&String::from_utf8_lossy(&data)).unwrap_or_default(),
            Err(err) if is(&err, &zk::Error::NoNode) => Track::default(),
            Err(err) => return Err(err),
        };
        Ok(Reply::value(Quota {
            path,
            limits,
            usage: Usage {
                count: usage.count,
                bytes: usage.bytes,
            },
        }))
    }
}

impl Run for DelQuota {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        const OP: &str = "delquota";
        let path = quota_target(shell, OP, &self.path)?;
        let client = shell.zk().client().await?;
        let Some((mut track, version)) = read_limits(shell.zk(), &client, OP, &path).await? else {
            return Err(no_quota(OP, &path));
        };
        if self.count || self.bytes || self.count_hard || self.bytes_hard {
            let cleared = |flag: bool, value: i64| if flag { -1 } else { value };
            track.count = cleared(self.count, track.count);
            track.bytes = cleared(self.bytes, track.bytes);
            track.count_hard_limit = cleared(self.count_hard, track.count_hard_limit);
            track.byte_hard_limit = cleared(self.bytes_hard, track.byte_hard_limit);
            let op = WriteOp::Set {
                path: limits_node(&path),
                data: track.limits_text().into_bytes(),
                version: Some(version),
            };
            shell.zk().apply(&op).await?;
            return Ok(Reply::value(QuotaChanged {
                path,
                limits: Some(track),
            }));
        }
        let mut ops = vec![WriteOp::Delete {
            path: limits_node(&path),
            version: Some(version),
        }];
        if exists(shell.zk(), &client, OP, &stats_node(&path)).await?.is_some() {
            ops.push(WriteOp::Delete {
                path: stats_node(&path),
                version: None,
            });
        }
        shell.zk().commit(OP, &ops).await?;
        // The quota tree's nodes left empty above it go too, as zkCli trims them.
        let mut node = quota_node(&path);
        while node != QUOTA_ROOT {
            let children = shell.zk().call(OP, &node, client.list_children(&node)).await?;
            if !children.is_empty() {
                break;
            }
            let op = WriteOp::Delete {
                path: node.clone(),
                version: None,
            };
            match shell.zk().apply(&op).await {
                Err(err) if !is(&err, &zk::Error::NoNode) && !is(&err, &zk::Error::NotEmpty) => return Err(err),
                _ => {}
            }
            node = parent_of(&node).to_string();
        }
        Ok(Reply::value(QuotaChanged { path, limits: None }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn a_quota_reads_as_a_small_table() {
        let quota = Quota {
            path: "/app".into(),
            limits: Track {
                count: 5,
                bytes: -1,
                count_hard_limit: -1,
                byte_hard_limit: 100,
            },
            usage: Usage { count: 2, bytes: 2 },
        };
        insta::assert_snapshot!(both(&quota), @r#"
        --- text
        /app
               USED  LIMIT  HARD LIMIT
        nodes     2      5           -
        bytes     2      -         100
        --- json
        {"limits":{"byteHardLimit":100,"bytes":-1,"count":5,"countHardLimit":-1},"path":"/app","usage":{"bytes":2,"count":2}}
        "#);
    }

    #[test]
    fn limits_are_numbers_above_zero() {
        assert_eq!(parse_limit("10"), Ok(10));
        assert!(parse_limit("-3").is_err());
        assert!(parse_limit("0").is_err());
        assert!(parse_limit("abc").is_err());
    }
}
