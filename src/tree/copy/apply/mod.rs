//! The destination writer of `import`, `cp`, `mv` and `mirror`: node records in walk order
//! (parents before children) made to exist under a destination root. Absent nodes are
//! created with their data and ACL in multi batches, several in flight; nodes already
//! identical (data and ACL) are skipped, so a rerun after an interruption finishes the job;
//! nodes that differ are refused, or replaced with `overwrite` (setData, setACL). What the
//! destination holds is read by a walk merged with the records (`existing`). A redacted ACL
//! is never written. Afterwards, restored parents' sequential counters are advanced.

mod decide;
mod shown;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;
use zookeeper_client::{Client, CreateMode};

use decide::Checked;
use shown::Shown;

use crate::errors::ShellError;
use crate::output::RowSender;
use crate::path::{is_zookeeper_own, parent_of};
use crate::progress::Progress;
use crate::tree::batcher::Batcher;
use crate::tree::copy::existing::Existing;
use crate::tree::copy::plan::{Change, Report};
use crate::tree::copy::sequence::Counters;
use crate::tree::copy::tally::Tally;
use crate::tree::{BATCH_OPS, NodeRecord};
use crate::zk::Zk;
use crate::zk::write::{MultiError, WriteOp};

/// Records in walk order, a batch at a time; an error ends them (a bad line of a file), and
/// what came before it is still written.
pub type Records = mpsc::Receiver<anyhow::Result<Vec<NodeRecord>>>;

/// ACL reads of nodes already there, in flight at once.
const CHECK_WINDOW: usize = 512;
/// Overwrites (setData, setACL) in flight at once.
const OVERWRITE_WINDOW: usize = 64;

/// How records are written.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// The command, in errors: `import`, `cp`.
    pub op: &'static str,
    /// Replace nodes that differ (data and ACL) instead of refusing them.
    pub overwrite: bool,
    /// Decide everything, write nothing: each create or change goes to the sink.
    pub dry_run: bool,
    /// Create the destination root's missing parents.
    pub parents: bool,
    /// Multi requests in flight at once.
    pub parallel: usize,
    /// Delete what the destination holds and no record names (a mirror's sync).
    pub prune: bool,
}

type Pending<'c, T> = VecDeque<Pin<Box<dyn Future<Output = T> + Send + 'c>>>;
/// An overwrite on its way: the node, and how it went.
type Overwrite<'c> = Pin<Box<dyn Future<Output = (String, anyhow::Result<()>)> + Send + 'c>>;

/// One run of the writer.
pub struct Apply<'c> {
    zk: &'c Zk,
    client: &'c Client,
    root: String,
    options: ApplyOptions,
    progress: Progress,
    tally: Tally,
    /// Where each decision goes as it is made (a dry run's rows, mirror's lines).
    shown: Shown,
    report: Report,
    batches: Batcher,
    counters: Counters,
    /// The subtree (relative) below a refused node that is not there: nothing under it can go.
    blocked: Option<String>,
    previous: Option<String>,
    failure: Option<anyhow::Error>,
}

impl<'c> Apply<'c> {
    pub fn new(
        zk: &'c Zk,
        client: &'c Client,
        root: &str,
        options: ApplyOptions,
        progress: Progress,
        tally: Tally,
    ) -> Apply<'c> {
        let profile = zk.profile();
        Apply {
            zk,
            client,
            root: root.to_string(),
            progress,
            tally,
            shown: Shown::default(),
            report: Report::new(options.op, root, options.dry_run),
            batches: Batcher::new(
                BATCH_OPS,
                profile.max_request_size,
                profile.chroot().map_or(0, str::len),
            ),
            counters: Counters::default(),
            blocked: None,
            previous: None,
            failure: None,
            options,
        }
    }

    /// Runs, each change it makes (or would make) sent as a row of `rows` as it happens
    /// (`cp --dry-run`, `mirror`), no faster than the rows are read. A reader gone stops the
    /// rows, not the writing.
    pub async fn run_shown(mut self, records: Records, rows: &RowSender) -> anyhow::Result<Report> {
        self.shown = Shown::new(rows.clone());
        self.run(records).await
    }

    /// Checks (and with `parents`, creates) the destination root's parent: nothing is
    /// written before this succeeds.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        if self.root == "/" {
            return Ok(());
        }
        let parent = parent_of(&self.root);
        let op = self.options.op;
        if self
            .zk
            .call(op, parent, self.client.check_stat(parent))
            .await?
            .is_some()
        {
            return Ok(());
        }
        if !self.options.parents {
            return Err(ShellError::refused(
                op,
                &self.root,
                format!("parent {parent} does not exist (-p creates it)"),
            ));
        }
        if self.options.dry_run {
            return Ok(());
        }
        let options = CreateMode::Persistent.with_acls(zookeeper_client::Acls::anyone_all());
        self.zk.call(op, parent, self.client.mkdir(parent, &options)).await
    }

    /// Writes `records` and returns what was done. An error after anything was written says
    /// how much.
    pub async fn run(mut self, mut records: Records) -> anyhow::Result<Report> {
        self.prepare().await?;
        let op = self.options.op;
        let mut existing = match self.zk.call(op, &self.root, self.client.check_stat(&self.root)).await? {
            Some(_) => Existing::start(self.zk, self.client.clone(), op, &self.root, self.options.parallel),
            None => Existing::empty(&self.root),
        };
        if self.options.prune {
            existing = existing.keeping_extras();
        }
        let (zk, client) = (self.zk, self.client);
        let mut creates: Pending<'c, (Vec<WriteOp>, u64, Result<(), MultiError>)> = VecDeque::new();
        let mut checks: Pending<'c, Checked> = VecDeque::new();
        let mut overwrites: Pending<'c, (String, anyhow::Result<()>)> = VecDeque::new();
        let mut input_error = None;
        let mut input_open = true;
        loop {
            while creates.len() < self.options.parallel.max(1)
                && let Some(ops) = self.batches.full.pop_front()
            {
                match zk.send_multi(client, &ops) {
                    Ok(pending) => {
                        let last = ops.last().map_or("", WriteOp::path);
                        let id = self.tally.sent(last, ops.len());
                        creates.push_back(Box::pin(async move {
                            let answer = zk.finish_multi(&ops, pending).await.map(|_| ());
                            (ops, id, answer)
                        }));
                    }
                    Err(err) => self.fail(err.into_error(zk, op, &ops, false)),
                }
            }
            if self.failure.is_some() {
                input_open = false;
                self.batches.clear();
            }
            let room = self.batches.full.len() < self.options.parallel
                && checks.len() < CHECK_WINDOW
                && overwrites.len() < OVERWRITE_WINDOW
                && !self.shown.backed_up();
            let showing = self.shown.in_flight();
            let idle = input_open && creates.is_empty() && !self.batches.current.is_empty();
            tokio::select! {
                biased;
                (ops, id, answer) = oldest(&mut creates), if !creates.is_empty() => {
                    creates.pop_front();
                    // A batch whose connection broke may or may not have landed: it stays
                    // in doubt until settled below.
                    if !answer.as_ref().is_err_and(MultiError::left_in_doubt) {
                        self.tally.answered(id, answer.is_ok());
                    }
                    match answer {
                        Ok(()) => self.progress.confirmed(ops.len()),
                        Err(err) => {
                            self.progress.refused(ops.len());
                            self.fail(err.into_error(zk, op, &ops, false));
                        }
                    }
                }
                checked = oldest(&mut checks), if !checks.is_empty() => {
                    checks.pop_front();
                    if let Some(write) = self.decide(checked) {
                        overwrites.push_back(write);
                    }
                }
                (dest, done) = oldest(&mut overwrites), if !overwrites.is_empty() => {
                    overwrites.pop_front();
                    match done {
                        Ok(()) => {
                            self.tally.changed.fetch_add(1, Ordering::Relaxed);
                            self.progress.confirmed(1);
                        }
                        Err(err) => {
                            self.progress.refused(1);
                            self.fail(err.context(format!("{op} {dest}: could not replace it")));
                        }
                    }
                }
                batch = records.recv(), if input_open && room => match batch {
                    Some(Ok(batch)) => {
                        for record in batch {
                            match self.take(record, &mut existing).await {
                                Ok(Some(check)) => checks.push_back(check),
                                Ok(None) => {}
                                Err(err) => {
                                    self.fail(err);
                                    break;
                                }
                            }
                        }
                    }
                    Some(Err(err)) => {
                        input_error = Some(err);
                        input_open = false;
                        self.batches.cut();
                    }
                    None => {
                        input_open = false;
                        self.batches.cut();
                    }
                },
                () = self.shown.sent(), if showing => {}
                // Nothing in flight and no record ready: what is waiting goes now.
                () = std::future::ready(()), if idle => self.batches.cut(),
                else => break,
            }
        }
        if let Some(err) = self.failure.take().or(input_error) {
            // After a reconnect the server can say which batches in doubt landed.
            let settled = self.tally.settle(self.zk).await;
            let written = self.tally.summary(!settled);
            return Err(err.context(format!("{written} before this")));
        }
        if self.options.prune {
            self.prune(existing).await?;
        }
        self.shown.flush().await;
        self.finish().await
    }

    /// The counters, and the report.
    async fn finish(mut self) -> anyhow::Result<Report> {
        if !self.counters.is_empty() {
            if self.options.dry_run {
                self.report.counters_advanced = self.counters.behind(self.zk, self.client).await?.len();
            } else {
                let advanced = self.counters.advance(self.zk, self.client, self.options.parallel).await;
                let advanced =
                    advanced.map_err(|err| err.context(format!("{} before this", self.tally.summary(false))))?;
                self.report.counters_advanced = advanced.parents;
                self.report.notes.extend(advanced.left);
            }
        }
        self.report.created = self.tally.created();
        self.report.changed = self.tally.changed();
        self.report.skipped = self.tally.skipped();
        self.report.zookeeper_own = self.tally.zookeeper_own();
        Ok(self.report)
    }

    /// Deletes what no record named, children first, a multi batch at a time.
    async fn prune(&mut self, existing: Existing) -> anyhow::Result<()> {
        let extras = existing.extras().await?;
        let profile = self.zk.profile();
        let mut batches = Batcher::new(
            BATCH_OPS,
            profile.max_request_size,
            profile.chroot().map_or(0, str::len),
        );
        // The destination's own /zookeeper is its server's: no source record names it.
        for path in extras.into_iter().rev().filter(|path| !is_zookeeper_own(path)) {
            batches.push(WriteOp::Delete { path, version: None });
        }
        batches.cut();
        for ops in batches.full {
            for delete in &ops {
                self.emit(Change::delete(delete.path()));
            }
            self.shown.flush().await;
            if !self.options.dry_run {
                self.zk.commit(self.options.op, &ops).await?;
            }
            self.report.deleted += ops.len();
        }
        Ok(())
    }

    fn fail(&mut self, err: anyhow::Error) {
        self.failure.get_or_insert(err);
    }
}

/// Whether relative path `rel` is below `above` (not equal to it).
fn is_below(rel: &str, above: &str) -> bool {
    above.is_empty() && !rel.is_empty() || rel.strip_prefix(above).is_some_and(|rest| rest.starts_with('/'))
}

/// The oldest future of a queue, awaited (pending forever when there is none).
async fn oldest<T>(queue: &mut Pending<'_, T>) -> T {
    match queue.front_mut() {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_means_strictly_inside() {
        assert!(is_below("a/b", "a"));
        assert!(!is_below("a", "a"));
        assert!(!is_below("ab", "a"));
        assert!(is_below("a", ""));
        assert!(!is_below("", ""));
    }
}
