//! `mirror SRC DST`: DST made a copy of SRC (created, changed, and what SRC lacks deleted),
//! then kept in step by a persistent recursive watch on SRC, one line per change applied; a
//! gap in the watch (a reconnect, a new session) is followed by a full sync again.

use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;
use zookeeper_client::AddWatchMode;

use crate::cli::parse_duration;
use crate::commands::Run;
use crate::commands::cp::{End, read_source, refuse_nested, with_source_tally};
use crate::errors::ShellError;
use crate::output::{Reply, RowSender, RowStream};
use crate::path::is_zookeeper_own;
use crate::path::{child_path, is_within};
use crate::progress::Progress;
use crate::shell::Shell;
use crate::tree::DEFAULT_PARALLEL;
use crate::tree::copy::apply::{Apply, ApplyOptions};
use crate::tree::copy::mirror::{Side, copy_node, delete_node};
use crate::tree::copy::plan::{Change, Report, ZOOKEEPER_OWN};
use crate::tree::copy::read::relative;
use crate::tree::copy::tally::Tally;
use crate::watch::tasks::{Watched, run_persistent};
use crate::watch::{Emitter, EventName, WatchEvent, WatchKind, WatchSink};

const OP: &str = "mirror";
/// Source events waiting to be applied.
const EVENT_BUFFER: usize = 1024;

/// Keep a copy of a subtree in step with it, live.
///
/// DST (a path, or zk://host:port/path on another cluster) is first made equal to SRC:
/// nodes created, changed (data, ACL) and those SRC lacks deleted. Then a persistent
/// recursive watch on SRC applies each create, change and delete as it happens, one line
/// per change (NDJSON with -o json), until Ctrl-C, --count changes or --timeout. After a
/// reconnect or a new session the watch may have missed events: DST is synced in full again
/// (a `synced` line says so). --once syncs and stops. DST inside SRC, or SRC inside DST, is
/// refused. ACLs the server hid from you are never written (that node is refused), and
/// ephemeral nodes are not copied.
///
/// Example: mirror /app zk://standby:2181/app
#[derive(Debug, Args)]
#[command(about = "Keep a copy of a subtree in step with it, live (here or on another cluster)")]
pub struct Mirror {
    /// Sync once and stop
    #[arg(long)]
    pub once: bool,
    /// Stop after N changes applied after the first sync
    #[arg(long, value_name = "N", conflicts_with = "once")]
    pub count: Option<u64>,
    /// Stop after this long, e.g. 10m
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", conflicts_with = "once")]
    pub timeout: Option<Duration>,
    /// Requests in flight at once (syncs)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Source: a path, zk://host:port/path or PROFILE:/path
    #[arg(add = crate::completion::path_completer())]
    pub src: String,
    /// Destination: a path, zk://host:port/path or PROFILE:/path
    #[arg(add = crate::completion::path_completer())]
    pub dst: String,
}

impl Run for Mirror {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        shell.refuse_in_txn("mirror cannot be part of a transaction")?;
        let src = End::locate(shell, &self.src).await?;
        crate::zk::remote::refuse_snapshot_write(OP, &self.dst)?;
        let dst = End::locate(shell, &self.dst).await?;
        refuse_nested(OP, &src, &dst, true)?;
        let client = src.client().await?;
        if src
            .zk
            .call(OP, &src.path, client.check_stat(&src.path))
            .await?
            .is_none()
        {
            let err = zookeeper_client::Error::NoNode;
            return Err(crate::errors::ZkError::new(OP, src.path.as_str(), err).into());
        }
        // Placed before the first sync, so that nothing changed during it is missed.
        let events = if self.once {
            None
        } else {
            let watcher = src
                .zk
                .call(
                    "watch",
                    &src.path,
                    client.watch(&src.path, AddWatchMode::PersistentRecursive),
                )
                .await?;
            let (tx, rx) = mpsc::channel(EVENT_BUFFER);
            src.zk.connection().set_renew(true);
            let emit = Emitter::new(0, WatchKind::Recursive, WatchSink::Stream(tx));
            let conn = src.zk.connection().clone();
            let task = tokio::spawn(run_persistent(
                conn,
                src.path.clone(),
                AddWatchMode::PersistentRecursive,
                emit,
                (client, watcher),
                Watched::Raw(None),
            ));
            Some((rx, task))
        };
        let (parallel, count) = (self.parallel, self.count);
        let (abort, events) = match events {
            Some((rx, task)) => (Some(task.abort_handle()), Some(rx)),
            None => (None, None),
        };
        let stream = RowStream::spawn(OP, dst.shown.clone(), "change", move |rows| async move {
            let report = sync(&src, &dst, parallel, &rows).await?;
            let Some(mut events) = events else {
                let mut counts = format!(
                    "{OP} --once {}: {} created, {} changed, {} deleted, ",
                    dst.shown, report.created, report.changed, report.deleted
                );
                if report.zookeeper_own > 0 {
                    counts.push_str(&format!("{} skipped ({ZOOKEEPER_OWN}), ", report.zookeeper_own));
                }
                counts.push_str(&format!("{} refused", report.refused));
                return Ok(vec![counts]);
            };
            follow(&src, &dst, parallel, count, &mut events, &rows).await
        });
        let stream = stream.with_limit(self.timeout);
        Ok(Reply::Stream(match abort {
            Some(abort) => stream.on_end(move || abort.abort()),
            None => stream,
        }))
    }
}

/// A full sync: DST made equal to SRC; each change a row, then a `synced` row.
async fn sync(src: &End, dst: &End, parallel: usize, rows: &RowSender) -> anyhow::Result<Report> {
    if !dst.remote && !src.remote && is_within(&dst.path, &src.path) {
        return Err(ShellError::refused(OP, &dst.path, "inside the source"));
    }
    let (records, reading) = read_source(src, true, parallel).await?;
    let client = dst.client().await?;
    let options = ApplyOptions {
        op: OP,
        overwrite: true,
        dry_run: false,
        parents: false,
        parallel,
        prune: true,
    };
    let report = Apply::new(
        &dst.zk,
        &client,
        &dst.path,
        options,
        Progress::default(),
        Tally::default(),
    )
    .run_shown(records, rows)
    .await;
    let report = with_source_tally(report?, reading).await?;
    rows.send(Change {
        action: "synced",
        path: dst.shown.clone(),
        what: None,
        reason: None,
    })
    .await;
    Ok(report)
}

/// Applies SRC's events to DST until `count` changes, the watch ends, or the stream goes.
async fn follow(
    src: &End,
    dst: &End,
    parallel: usize,
    count: Option<u64>,
    events: &mut mpsc::Receiver<WatchEvent>,
    rows: &RowSender,
) -> anyhow::Result<Vec<String>> {
    let mut applied = 0u64;
    while count != Some(applied) {
        let Some(event) = events.recv().await else {
            return Ok(Vec::new());
        };
        let (from_client, to_client) = (src.client().await?, dst.client().await?);
        let from = Side {
            zk: &src.zk,
            client: &from_client,
        };
        let to = Side {
            zk: &dst.zk,
            client: &to_client,
        };
        let dest = match relative(&src.path, &event.path) {
            "" => dst.path.clone(),
            rel => child_path(&dst.path, rel),
        };
        if is_zookeeper_own(&dest) {
            // The destination server's own, as in a full sync (a quota set on the source).
            continue;
        }
        let change = match &event.event {
            EventName::Created | EventName::Changed => copy_node(&from, &event.path, &to, &dest).await?,
            EventName::Deleted => delete_node(&to, &dest, parallel).await?,
            EventName::Gap | EventName::Resync => {
                sync(src, dst, parallel, rows).await?;
                None
            }
            EventName::Failed(why) => return Err(ShellError::refused(OP, &src.shown, why.clone())),
            EventName::Current | EventName::Absent | EventName::ChildrenChanged => None,
        };
        if let Some(change) = change {
            if !rows.send(change).await {
                return Ok(Vec::new());
            }
            applied += 1;
        }
    }
    Ok(Vec::new())
}
