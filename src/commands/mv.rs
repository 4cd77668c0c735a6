//! `mv SRC DST [-r]`: a node moved in one atomic multi (its delete checks the version that
//! was read, so a change meanwhile refuses it); a subtree, or anything moved to another
//! cluster, copied and then deleted from the source.

use std::time::Instant;

use clap::Args;
use serde::Serialize;
use zookeeper_client::CreateMode;

use crate::commands::Run;
use crate::commands::cp::{
    End, WriteFlags, apply_options, read_node, read_source, refuse_nested, with_source_tally, write_bulk,
};
use crate::errors::{ShellError, ZkError};
use crate::output::{Render, Reply};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::{DEFAULT_PARALLEL, count_to_delete, delete_subtree};
use crate::zk::write::{NewNode, WriteOp};

const OP: &str = "mv";

/// Move (rename) a znode, or a subtree with -r, with its data and ACLs.
///
/// One node within a cluster moves in one transaction: created at DST with its data and ACL
/// and deleted at SRC together, or not at all (refused if it changed since it was read). A
/// node with children needs -r: the subtree is copied (as cp -r, refusing nodes that differ
/// at DST), then deleted from SRC once the copy is complete; stopped part way, it says how
/// far it got. Either end may be on another cluster (zk://host:port/path); then even one
/// node is copied, then deleted. Moving a subtree into itself is refused.
///
/// Example: mv /app/config-new /app/config
#[derive(Debug, Args)]
#[command(about = "Move a znode (atomically) or a subtree, here or to another cluster")]
pub struct Mv {
    /// Move the whole subtree (copied, then deleted from SRC)
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// Requests in flight at once (with -r)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Source: a path, zk://host:port/path or PROFILE:/path
    #[arg(add = crate::completion::path_completer())]
    pub src: String,
    /// Destination: a path, zk://host:port/path or PROFILE:/path
    #[arg(add = crate::completion::path_completer())]
    pub dst: String,
}

/// What `mv` moved.
#[derive(Debug, Serialize)]
pub struct Moved {
    pub from: String,
    pub to: String,
    /// Nodes now at the destination (created, or already there and identical).
    pub moved: usize,
}

impl Render for Moved {}

impl Run for Mv {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        shell.refuse_in_txn("mv cannot be part of a transaction")?;
        crate::zk::remote::refuse_snapshot_write(OP, &self.src)?;
        crate::zk::remote::refuse_snapshot_write(OP, &self.dst)?;
        let src = End::locate(shell, &self.src).await?;
        let dst = End::locate(shell, &self.dst).await?;
        refuse_nested(OP, &src, &dst, false)?;
        if src.path == "/" || crate::path::is_zookeeper_own(&src.path) {
            return Err(ShellError::usage(format!(
                "mv {}: refusing to move the root or ZooKeeper's own tree",
                src.path
            )));
        }
        let client = src.client().await?;
        let Some(stat) = src.zk.call(OP, &src.path, client.check_stat(&src.path)).await? else {
            return Err(ZkError::new(OP, src.path.as_str(), zookeeper_client::Error::NoNode).into());
        };
        if stat.num_children > 0 && !self.recursive {
            return Err(ShellError::refused(
                OP,
                &src.path,
                format!("it has {} children: mv -r moves the whole subtree", stat.num_children),
            ));
        }
        if stat.num_children == 0 && !src.remote && !dst.remote {
            return move_node(shell, &src, &dst).await;
        }
        move_tree(shell, src, dst, self.parallel).await
    }
}

/// One node, one transaction: create at DST, delete at SRC if still at the version read.
async fn move_node(shell: &Shell, src: &End, dst: &End) -> anyhow::Result<Reply> {
    let client = src.client().await?;
    let record = read_node(&src.zk, &client, &src.path).await?;
    if record.has_redacted_acl() {
        return Err(ShellError::refused(
            OP,
            &src.path,
            "its ACL came back redacted (read it as a user with ADMIN permission); a redacted ACL is never written",
        ));
    }
    let Some(acls) = record
        .acl
        .iter()
        .map(|entry| entry.to_acl())
        .collect::<Option<Vec<_>>>()
    else {
        return Err(ShellError::refused(OP, &src.path, "its ACL could not be read back"));
    };
    let ops = [
        WriteOp::Create(NewNode {
            path: dst.path.clone(),
            data: record.data,
            mode: CreateMode::Persistent,
            acls,
            ttl: None,
        }),
        WriteOp::Delete {
            path: src.path.clone(),
            version: Some(record.stat.version),
        },
    ];
    shell.zk().commit(OP, &ops).await?;
    Ok(Reply::value(Moved {
        from: src.shown.clone(),
        to: dst.shown.clone(),
        moved: 1,
    }))
}

/// A subtree (or a node to another cluster): copied, then deleted from the source once the
/// copy is complete.
async fn move_tree(shell: &mut Shell, src: End, dst: End, parallel: usize) -> anyhow::Result<Reply> {
    let flags = WriteFlags {
        overwrite: false,
        dry_run: false,
        parallel,
    };
    let (records, reading) = read_source(&src, true, parallel).await?;
    let report = write_bulk(shell, &dst, apply_options(OP, &flags, false), records).await;
    let report = with_source_tally(report?, reading).await?;
    if report.refused > 0 || report.below_refused > 0 || report.ephemeral > 0 {
        let mut why = format!(
            "the copy to {} is incomplete ({} refused, {} below refused, {} ephemeral): {} was not deleted",
            dst.shown, report.refused, report.below_refused, report.ephemeral, src.shown
        );
        if let Some(first) = report.refused_nodes.first() {
            why.push_str(&format!("; first refused: {} ({})", first.path, first.reason));
        }
        return Err(ShellError::refused(OP, &src.shown, why));
    }
    let moved = report.created + report.skipped;
    let started = Instant::now();
    let client = src.client().await?;
    let progress = if src.remote {
        crate::progress::Progress::default()
    } else {
        shell.start_bulk(OP, &src.path, "deleted from the source (the copy is complete)")
    };
    let deleted = async {
        let total = count_to_delete(&src.zk, &client, &src.path, parallel, true, &Default::default()).await?;
        progress.recount(total);
        let _line = ProgressLine::start_since(
            progress.clone(),
            format!("{OP} {} (deleting the source)", src.shown),
            started,
        );
        delete_subtree(&src.zk, &client, &src.path, parallel, &progress).await
    }
    .await;
    shell.finish_bulk();
    deleted.map_err(|err| err.context(format!("{OP}: the copy at {} is complete", dst.shown)))?;
    Ok(Reply::value(Moved {
        from: src.shown,
        to: dst.shown,
        moved,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn moved_is_silent_in_text_and_counts_in_json() {
        let moved = Moved {
            from: "/a".into(),
            to: "/b".into(),
            moved: 3,
        };
        insta::assert_snapshot!(both(&moved), @r#"
        --- text
        --- json
        {"from":"/a","moved":3,"to":"/b"}
        "#);
    }
}
