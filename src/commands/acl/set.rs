//! `setAcl [-s] [-v version] path acl`: replace a znode's ACL.

use clap::Args;
use zookeeper_client::Client;

use crate::commands::Run;
use crate::commands::acl::recursive::set_subtree;
use crate::commands::stat::NodeStat;
use crate::errors::ZkError;
use crate::output::Reply;
use crate::shell::Shell;
use crate::tree::DEFAULT_PARALLEL;
use crate::zk::acl::parse_acl;

/// Replace a znode's ACL (zkCli's setAcl).
///
/// The ACL is scheme:id:perms, comma-separated: world:anyone, digest:USER:HASH (make the hash
/// with `digest USER`), ip:ADDRESS[/BITS], auth: (the identities this session added), and
/// sasl:PRINCIPAL or x509:DN, passed to the server as written. Permissions are letters from
/// cdrwa. Setting an ACL needs ADMIN on the node; each change increments its aclVersion, and
/// with -v the change happens only if the aclVersion is still VERSION. -s prints the new
/// stat. setAcl cannot be part of a transaction (ZooKeeper's multi has no setACL).
///
/// -R sets the ACL on the node and every node below it (walked as `tree` walks, setACL
/// requests pipelined, parents before children, so the walk reads each node before its ACL
/// changes). Nodes the server refuses are listed, then counted in an error (exit 1); nodes
/// whose children could not be listed are counted too, and what is below them is unchanged.
///
/// Example: setAcl /config digest:alice:XUS5Bm4vZr6tkZtEKUwGyFyEzFM=:cdrwa,world:anyone:r
///
/// Example: setAcl -R /app world:anyone:r
#[derive(Debug, Args)]
#[command(
    about = "Replace a znode's ACL, optionally only at a given aclVersion",
    visible_alias = "set-acl"
)]
pub struct SetAcl {
    /// Print the new stat
    #[arg(short = 's', long, conflicts_with = "recursive")]
    pub stat: bool,
    /// Only change the ACL if the node's aclVersion is VERSION
    #[arg(
        short = 'v',
        long,
        value_name = "VERSION",
        allow_negative_numbers = true,
        conflicts_with = "recursive"
    )]
    pub version: Option<i32>,
    /// Set the ACL on every node of the subtree
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Requests in flight at once (with -R)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    /// The new ACL: scheme:id:perms[,scheme:id:perms...]
    pub acl: String,
}

impl Run for SetAcl {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        shell.refuse_in_txn("setAcl cannot be part of a transaction (ZooKeeper's multi has no setACL)")?;
        let acls = parse_acl(&self.acl)?;
        if self.recursive {
            return set_subtree(shell, &self.path, acls, self.parallel).await;
        }
        let (path, client) = shell.target(&self.path).await?;
        let request = client.set_acl(&path, &acls, self.version);
        let stat = match shell.zk().call_versioned("setAcl", &path, self.version, request).await {
            Ok(stat) => stat,
            Err(err) => return Err(with_actual_version(err, shell, &client, &path).await),
        };
        Ok(match self.stat {
            true => Reply::value(NodeStat { path, stat }),
            false => Reply::done(),
        })
    }
}

/// A version mismatch names the aclVersion the node has, so the user need not look it up.
async fn with_actual_version(err: anyhow::Error, shell: &Shell, client: &Client, path: &str) -> anyhow::Error {
    match err.downcast::<ZkError>() {
        Ok(refusal) if matches!(refusal.source, zookeeper_client::Error::BadVersion) => {
            match tokio::time::timeout(shell.zk().request_timeout(), client.check_stat(path)).await {
                Ok(Ok(Some(stat))) => refusal.with_actual_version(stat.aversion).into(),
                _ => refusal.into(),
            }
        }
        Ok(other) => other.into(),
        Err(err) => err,
    }
}
