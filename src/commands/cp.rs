//! `cp SRC DST [-r]`: a node, or a subtree, copied with its data and ACLs within one cluster
//! or to or from another (`zk://host:port/path`); and the glue `import`, `mv` and `mirror`
//! share: where the two ends are, and the writer run as a bulk command (progress line, exact
//! report when stopped) or as a dry run's stream of changes.

use std::time::Instant;

use clap::Args;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zookeeper_client::Client;

use crate::commands::Run;
use crate::errors::{ShellError, ZkError};
use crate::output::{Reply, RowStream};
use crate::path::is_within;
use crate::progress::{BulkRun, Progress, ProgressLine};
use crate::shell::Shell;
use crate::tree::copy::apply::{Apply, ApplyOptions, Records};
use crate::tree::copy::plan::{Refusal, Report, ZOOKEEPER_OWN};
use crate::tree::copy::read::{ReadOptions, ReadTally, SubtreeReader};
use crate::tree::copy::tally::Tally;
use crate::tree::{AclEntry, DEFAULT_PARALLEL, NodeRecord};
use crate::zk::Zk;
use crate::zk::remote::Place;

const OP: &str = "cp";
/// Records handed to the writer at once.
const HANDOFF: usize = 512;

/// Copy a znode, or a subtree with -r, with its data and ACLs.
///
/// SRC's node becomes DST (DST's parent must exist), and with -r everything below SRC goes
/// below DST. Either end may be on another cluster, `zk://host:port[,host:port]/path`
/// (reached with this session's options) or `PROFILE:/path` (a connection profile); SRC may
/// also be a snapshot, `snapshot:DIR[@ZXID|@TIME]:/path`, to restore what a data dir held. Nodes are created in multi batches; a node already
/// at the destination with the same data and ACL is skipped (so a copy that was stopped can
/// be run again to finish), one that differs is refused unless --overwrite. An ACL the server
/// hid from you (a digest entry read without ADMIN permission) is never written: that node is
/// refused. Ephemeral nodes are not copied. Copying a subtree into itself is refused. An
/// unreachable cluster fails (exit 3) before anything is written.
///
/// Example: cp -r /app/config zk://backup:2181/app/config
#[derive(Debug, Args)]
#[command(about = "Copy a znode or subtree (with data and ACLs), here or to another cluster")]
pub struct Cp {
    /// Copy the whole subtree
    #[arg(short = 'r', long)]
    pub recursive: bool,
    #[command(flatten)]
    pub write: WriteFlags,
    /// Source: a path, zk://host:port/path, PROFILE:/path or snapshot:DIR[@POINT]:/path
    #[arg(add = crate::completion::path_completer())]
    pub src: String,
    /// Destination: a path, zk://host:port/path or PROFILE:/path
    #[arg(add = crate::completion::path_completer())]
    pub dst: String,
}

/// How records are written (cp, import).
#[derive(Debug, Args)]
pub struct WriteFlags {
    /// Replace nodes that differ from the source (data and ACL) instead of refusing them
    #[arg(long)]
    pub overwrite: bool,
    /// List what would be created or changed (and refused); write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Requests in flight at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
}

/// One end of a copy: the cluster's handle and a path on it.
#[derive(Clone)]
pub struct End {
    pub zk: Zk,
    pub path: String,
    /// As the user sees it: `/a`, or `zk://host:2181/a`.
    pub shown: String,
    pub remote: bool,
}

impl End {
    /// Where `input` is: a path of this cluster (resolved against the current node), or
    /// another cluster, connected now (unreachable: exit 3, nothing done yet).
    pub async fn locate(shell: &Shell, input: &str) -> anyhow::Result<End> {
        match Place::parse(input, &shell.zk().profile_as_user())? {
            Place::Here(path) => {
                let path = shell.resolve(&path)?;
                Ok(End {
                    zk: shell.zk().clone(),
                    shown: path.clone(),
                    path,
                    remote: false,
                })
            }
            Place::Remote(remote) => Ok(End {
                zk: remote.connect().await?,
                shown: remote.shown(),
                path: remote.path,
                remote: true,
            }),
        }
    }

    pub async fn client(&self) -> anyhow::Result<Client> {
        self.zk.client().await
    }
}

/// Refuses a destination inside the source, or (`both_ways`) a source inside the
/// destination, on one cluster.
pub fn refuse_nested(op: &'static str, src: &End, dst: &End, both_ways: bool) -> anyhow::Result<()> {
    if src.remote || dst.remote {
        return Ok(());
    }
    if is_within(&dst.path, &src.path) {
        return Err(ShellError::refused(
            op,
            &dst.path,
            format!(
                "{} is inside {}: a subtree cannot be copied into itself",
                dst.path, src.path
            ),
        ));
    }
    if both_ways && is_within(&src.path, &dst.path) {
        return Err(ShellError::refused(
            op,
            &dst.path,
            format!("{} is inside {}: it would copy onto its own source", src.path, dst.path),
        ));
    }
    Ok(())
}

impl Run for Cp {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        shell.refuse_in_txn("cp cannot be part of a transaction")?;
        let src = End::locate(shell, &self.src).await?;
        crate::zk::remote::refuse_snapshot_write(OP, &self.dst)?;
        let dst = End::locate(shell, &self.dst).await?;
        if self.recursive {
            refuse_nested(OP, &src, &dst, false)?;
        } else if !src.remote && !dst.remote && src.path == dst.path {
            return Err(ShellError::refused(
                OP,
                &dst.path,
                "source and destination are the same node",
            ));
        }
        let options = apply_options(OP, &self.write, false);
        let (records, reading) = read_source(&src, self.recursive, self.write.parallel).await?;
        if options.dry_run {
            return Ok(dry_run(dst, options, records, Some(reading)));
        }
        let report = write_bulk(shell, &dst, options, records).await;
        let report = with_source_tally(report?, reading).await?;
        Ok(Reply::value(report))
    }
}

pub fn apply_options(op: &'static str, flags: &WriteFlags, parents: bool) -> ApplyOptions {
    ApplyOptions {
        op,
        overwrite: flags.overwrite,
        dry_run: flags.dry_run,
        parents,
        parallel: flags.parallel,
        prune: false,
    }
}

/// The source's records, read by a task of its own (the reader's tally comes from the
/// task): its subtree, or with `recursive` false the node alone. A source that is not there
/// fails here, before anything is written.
pub async fn read_source(
    src: &End,
    recursive: bool,
    parallel: usize,
) -> anyhow::Result<(Records, JoinHandle<anyhow::Result<ReadTally>>)> {
    let client = src.client().await?;
    let (tx, records) = mpsc::channel(4);
    if !recursive {
        let record = read_node(&src.zk, &client, &src.path).await?;
        let task = tokio::spawn(async move {
            tx.send(Ok(vec![record])).await.ok();
            Ok(ReadTally::default())
        });
        return Ok((records, task));
    }
    if src
        .zk
        .call(OP, &src.path, client.check_stat(&src.path))
        .await?
        .is_none()
    {
        return Err(ZkError::new(OP, src.path.as_str(), zookeeper_client::Error::NoNode).into());
    }
    let options = ReadOptions {
        parallel,
        include_ephemeral: false,
    };
    let mut reader = SubtreeReader::start(&src.zk, client, OP, &src.path, options);
    let task = tokio::spawn(async move {
        loop {
            match reader.next_batch().await {
                Ok(Some(batch)) => {
                    if tx.send(Ok(batch)).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    tx.send(Err(err)).await.ok();
                    break;
                }
            }
        }
        Ok(reader.tally())
    });
    Ok((records, task))
}

/// One node as a record: its data, stat and ACL.
pub async fn read_node(zk: &Zk, client: &Client, path: &str) -> anyhow::Result<NodeRecord> {
    let (data, stat) = zk.call("get", path, client.get_data(path)).await?;
    let (acl, _) = zk.call("getAcl", path, client.get_acl(path)).await?;
    Ok(NodeRecord {
        rel: String::new(),
        data,
        acl: acl.iter().map(AclEntry::from_acl).collect(),
        stat,
    })
}

/// Records from an iterator run on a thread of its own (a file being read), a batch at a time.
pub fn records_from(mut next: impl FnMut() -> anyhow::Result<Option<NodeRecord>> + Send + 'static) -> Records {
    let (tx, records) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(HANDOFF);
        loop {
            match next() {
                Ok(Some(record)) => {
                    batch.push(record);
                    if batch.len() == HANDOFF && tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    if !batch.is_empty() && tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err() {
                        return;
                    }
                    tx.blocking_send(Err(err)).ok();
                    return;
                }
            }
        }
        if !batch.is_empty() {
            tx.blocking_send(Ok(batch)).ok();
        }
    });
    records
}

/// The writer as a bulk command: a progress line, and when stopped, exactly what was written.
pub async fn write_bulk(
    shell: &mut Shell,
    dst: &End,
    options: ApplyOptions,
    records: Records,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let client = dst.client().await?;
    let (progress, tally) = (Progress::default(), Tally::default());
    shell.start_bulk_reported(BulkRun {
        op: options.op,
        path: dst.shown.clone(),
        verb: "written",
        progress: progress.clone(),
        zk: dst.zk.clone(),
        report: Some(tally.stop_report(&dst.zk, &progress)),
    });
    let _line = ProgressLine::start_since(progress.clone(), format!("{} {}", options.op, dst.shown), started);
    let apply = Apply::new(&dst.zk, &client, &dst.path, options, progress, tally);
    let report = apply.run(records).await;
    shell.finish_bulk();
    report
}

/// A dry run: each change the writer would make, as a row; the report's counts at the end.
pub fn dry_run(
    dst: End,
    options: ApplyOptions,
    records: Records,
    reading: Option<JoinHandle<anyhow::Result<ReadTally>>>,
) -> Reply {
    let op = options.op;
    let stream = RowStream::spawn(op, dst.shown.clone(), "change", move |rows| async move {
        let client = dst.client().await?;
        let report = Apply::new(
            &dst.zk,
            &client,
            &dst.path,
            options,
            Progress::default(),
            Tally::default(),
        )
        .run_shown(records, &rows)
        .await;
        let report = match reading {
            Some(reading) => with_source_tally(report?, reading).await?,
            None => report?,
        };
        let mut counts = format!(
            "would create {}, change {}, skip {} (already there), ",
            report.created, report.changed, report.skipped
        );
        if report.zookeeper_own > 0 {
            counts.push_str(&format!("skip {} ({ZOOKEEPER_OWN}), ", report.zookeeper_own));
        }
        counts.push_str(&format!("refuse {}", report.refused));
        if report.refused > 0 {
            let why = format!("--dry-run: {counts}; the refused are listed above");
            return Err(ShellError::refused(op, report.path.as_str(), why));
        }
        Ok(vec![format!("{op} --dry-run {}: {counts}", report.path)])
    });
    Reply::Stream(stream)
}

/// Adds what the source reader could not hand over (nodes it may not read) to the report.
pub async fn with_source_tally(
    mut report: Report,
    reading: JoinHandle<anyhow::Result<ReadTally>>,
) -> anyhow::Result<Report> {
    let tally = reading
        .await
        .map_err(|err| anyhow::anyhow!("{}: the source read stopped unexpectedly ({err})", report.op))??;
    if tally.unreadable.count > 0 {
        for path in &tally.unreadable.paths {
            report.refuse(Refusal {
                path: path.clone(),
                reason: "the source node may not be read here (not authorized): not copied".into(),
            });
        }
        report.refused += tally.unreadable.count - tally.unreadable.paths.len();
    }
    report.ephemeral += tally.ephemerals_skipped;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_into_its_own_source_is_refused() {
        let (events, _rx) = crate::events::channel();
        let profile = crate::zk::Profile {
            session_timeout: std::time::Duration::from_secs(4),
            connect_timeout: std::time::Duration::from_secs(1),
            request_timeout: std::time::Duration::from_secs(1),
            ..crate::zk::Profile::for_tests("127.0.0.1:1")
        };
        let zk = Zk::new(profile, events);
        let end = |path: &str| End {
            zk: zk.clone(),
            path: path.into(),
            shown: path.into(),
            remote: false,
        };
        assert!(refuse_nested(OP, &end("/a"), &end("/a/b"), false).is_err());
        assert!(refuse_nested(OP, &end("/a"), &end("/a"), false).is_err());
        assert!(refuse_nested(OP, &end("/a"), &end("/ab"), false).is_ok());
        assert!(refuse_nested(OP, &end("/a/b"), &end("/a"), false).is_ok());
        assert!(refuse_nested(OP, &end("/a/b"), &end("/a"), true).is_err());
    }
}
