//! How far a bulk command got: counters the tree engine updates, a progress line on a
//! terminal while it runs (`line`), and the sentence a Ctrl-C leaves behind.

mod line;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::errors::ShellError;
use crate::output::human_duration;
use crate::shell::stop::Stop;
use crate::zk::Zk;
pub use line::ProgressLine;

/// Nodes done out of nodes known, shared between the engine and whoever reports it.
///
/// A batch sent but not answered (a signal dropped its reply, or the connection went with
/// it) may or may not have been applied: it is "in doubt" until a re-count of what remains
/// settles it. So `done` is always a floor and `done + in_doubt` a ceiling.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    done: Arc<AtomicUsize>,
    in_doubt: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
}

impl Progress {
    /// Nodes the server confirmed.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// Nodes done, in doubt or still to do, as of the last count.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Nodes sent in batches whose answer is unknown.
    pub fn in_doubt(&self) -> usize {
        self.in_doubt.load(Ordering::Relaxed)
    }

    /// Whether any batch was ever sent: if not, the tree is as it was.
    pub fn anything_sent(&self) -> bool {
        self.done() + self.in_doubt() > 0
    }

    /// `n` nodes went out in a batch.
    pub fn sent(&self, n: usize) {
        self.in_doubt.fetch_add(n, Ordering::Relaxed);
    }

    /// The server applied a batch of `n` nodes.
    pub fn confirmed(&self, n: usize) {
        self.in_doubt.fetch_sub(n, Ordering::Relaxed);
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    /// The server refused a batch of `n` nodes: a multi request is all or nothing.
    pub fn refused(&self, n: usize) {
        self.in_doubt.fetch_sub(n, Ordering::Relaxed);
    }

    /// The walk found `known` nodes in all (done ones included): more than counted when
    /// someone adds nodes meanwhile.
    pub fn found(&self, known: usize) {
        self.total.fetch_max(known, Ordering::Relaxed);
    }

    /// `remaining` nodes are left, counted after every batch sent so far was applied or
    /// dropped: what was in doubt and went is done now. The known total, less what remains,
    /// is what went; a tree changed by someone else meanwhile can push that outside what
    /// this run could have done, so it is kept between the floor and the ceiling.
    pub fn recount(&self, remaining: usize) {
        let floor = self.done();
        let ceiling = floor + self.in_doubt();
        let went = self.total().saturating_sub(remaining).clamp(floor, ceiling);
        self.done.store(went, Ordering::Relaxed);
        self.in_doubt.store(0, Ordering::Relaxed);
        self.total.store(went + remaining, Ordering::Relaxed);
    }

    /// `N of T nodes deleted, M remain`, or with "at least" and "at most" while batches are
    /// in doubt.
    pub fn how_far(&self, verb: &str) -> String {
        let (done, total) = (self.done(), self.total());
        let remain = total.saturating_sub(done);
        if self.in_doubt() == 0 {
            format!("{done} of {total} nodes {verb}, {remain} remain")
        } else {
            format!("at least {done} of {total} nodes {verb}, at most {remain} remain")
        }
    }

    /// What a signal leaves behind, for a command that `verb`s nodes; `unsure` says why
    /// batches in doubt could not be settled.
    pub fn stopped_message(&self, verb: &str, unsure: Option<&str>) -> String {
        if !self.anything_sent() && self.total() == 0 {
            return format!("interrupted while listing the subtree: nothing was {verb}");
        }
        match unsure.filter(|_| self.in_doubt() > 0) {
            Some(why) => format!("interrupted: {} (could not re-count: {why})", self.how_far(verb)),
            None => format!("interrupted: {}", self.how_far(verb)),
        }
    }
}

/// How long a stopped bulk command may spend re-counting what remains: the user is waiting
/// for the prompt, or a supervisor for the process to end.
const RECOUNT_LIMIT: Duration = Duration::from_secs(5);

/// A bulk command under way, recorded in the session so that whoever stops it (a signal
/// drops the command's future) can still say how far it got.
#[derive(Debug, Clone)]
pub struct BulkRun {
    pub op: &'static str,
    /// The subtree worked on; what remains is counted under it.
    pub path: String,
    /// What happens to each node, for the message: "deleted".
    pub verb: &'static str,
    pub progress: Progress,
    pub zk: Zk,
    /// How a run that cannot be re-counted as "what remains of a subtree" (a copy writes
    /// into a tree that may hold more) settles its batches in doubt and words its report.
    pub report: Option<StopReport>,
}

/// A stopped run's own report: settles what it can and returns the message.
#[derive(Clone)]
pub struct StopReport(pub Arc<dyn Fn() -> Pin<Box<dyn Future<Output = String> + Send>> + Send + Sync>);

impl std::fmt::Debug for StopReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StopReport")
    }
}

impl BulkRun {
    /// The error a signal turns this run into. Batches already sent still land after the
    /// command's future is dropped, so unless nothing was sent, what remains is counted
    /// again: the server applies one session's requests in order, so a count sent now sees
    /// every batch sent before it. A further signal, or a server that does not answer within
    /// `RECOUNT_LIMIT`, leaves the bounds as they are.
    pub async fn stopped(&self, stop: &mut Stop) -> ShellError {
        if let Some(StopReport(report)) = &self.report {
            let message = tokio::select! {
                message = tokio::time::timeout(RECOUNT_LIMIT, report()) => message.unwrap_or_else(|_| {
                    let why = format!("no answer within {}", human_duration(RECOUNT_LIMIT));
                    self.progress.stopped_message(self.verb, Some(&why))
                }),
                _ = stop.cancelled() => self.progress.stopped_message(self.verb, Some("a second signal")),
            };
            return ShellError::Stopped {
                op: self.op,
                path: self.path.clone(),
                message,
            };
        }
        let mut unsure = None;
        if self.progress.anything_sent() {
            let counted = tokio::select! {
                counted = tokio::time::timeout(RECOUNT_LIMIT, self.count_remaining()) => match counted {
                    Ok(counted) => counted.map_err(|e| format!("{e:#}")),
                    Err(_) => Err(format!("no answer within {}", human_duration(RECOUNT_LIMIT))),
                },
                _ = stop.cancelled() => Err("a second signal".to_string()),
            };
            match counted {
                Ok(remaining) => self.progress.recount(remaining),
                Err(why) => unsure = Some(why),
            }
        }
        ShellError::Stopped {
            op: self.op,
            path: self.path.clone(),
            message: self.progress.stopped_message(self.verb, unsure.as_deref()),
        }
    }

    async fn count_remaining(&self) -> anyhow::Result<usize> {
        let client = self.zk.client().await?;
        crate::tree::count_remaining(&self.zk, &client, &self.path).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_how_far_it_got() {
        let p = Progress::default();
        assert!(p.stopped_message("deleted", None).contains("nothing was deleted"));
        p.recount(10);
        p.sent(4);
        p.confirmed(4);
        assert_eq!(
            p.stopped_message("deleted", None),
            "interrupted: 4 of 10 nodes deleted, 6 remain"
        );
    }

    #[test]
    fn batches_in_doubt_are_bounds_until_a_recount() {
        let p = Progress::default();
        p.recount(1000);
        p.sent(600);
        p.confirmed(200);
        p.refused(200);
        assert_eq!(
            p.how_far("deleted"),
            "at least 200 of 1000 nodes deleted, at most 800 remain"
        );
        assert_eq!(
            p.stopped_message("deleted", Some("no answer within 5s")),
            "interrupted: at least 200 of 1000 nodes deleted, at most 800 remain (could not re-count: no answer within 5s)"
        );
        // The 200 still in doubt landed.
        p.recount(600);
        assert_eq!(p.how_far("deleted"), "400 of 1000 nodes deleted, 600 remain");
    }

    #[test]
    fn a_recount_stays_within_what_this_run_could_have_done() {
        // Someone else added nodes meanwhile: no fewer than confirmed.
        let p = Progress::default();
        p.recount(100);
        p.sent(50);
        p.confirmed(30);
        p.recount(90);
        assert_eq!(p.how_far("deleted"), "30 of 120 nodes deleted, 90 remain");
        // Someone else deleted nodes too: no more than was sent.
        let p = Progress::default();
        p.recount(100);
        p.sent(50);
        p.recount(10);
        assert_eq!(p.how_far("deleted"), "50 of 60 nodes deleted, 10 remain");
    }
}
