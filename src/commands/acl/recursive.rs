//! `setAcl -R`: one ACL on every node of a subtree, on the tree engine (the walk lists the
//! subtree; each batch it hands out gets its setACL requests pipelined), with an exact
//! account of the nodes the server refused, and of those it changed when a signal stops it.

use std::io::Write;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use zookeeper_client::{self as zk, Acl, Client};

use crate::commands::walked::{Unreadable, reading, start_walk, value_reply};
use crate::errors::{ShellError, ZkError, is_connection_error};
use crate::output::{Render, Reply};
use crate::progress::{BulkRun, Progress, StopReport};
use crate::shell::Shell;

const OP: &str = "setAcl -R";

/// A node whose ACL the server would not change, and why.
#[derive(Debug, Serialize)]
pub struct Refusal {
    pub path: String,
    pub reason: String,
}

/// `setAcl -R`: how many nodes now carry the ACL, and each one that does not.
#[derive(Debug, Serialize)]
pub struct AclsSet {
    pub path: String,
    pub set: usize,
    pub refused: Vec<Refusal>,
}

impl Render for AclsSet {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for refusal in &self.refused {
            writeln!(out, "refused  {}  {}", refusal.path, refusal.reason)?;
        }
        let nodes = if self.set == 1 { "node" } else { "nodes" };
        writeln!(out, "ACL set on {} {nodes}, {} refused", self.set, self.refused.len())
    }
}

/// Sets `acls` on `input` and everything below it.
pub async fn set_subtree(shell: &mut Shell, input: &str, acls: Vec<Acl>, parallel: usize) -> anyhow::Result<Reply> {
    let (path, mut walk, _line) = start_walk(shell, OP, Some(input), reading(parallel, false)).await?;
    let client = shell.zk().client().await?;
    let deadline = shell.zk().request_timeout();
    let mut done = AclsSet {
        path: path.clone(),
        set: 0,
        refused: Vec::new(),
    };
    // A signal drops this future with a batch in flight: the runner then asks the server
    // which of that batch carry the ACL, so the report counts only what is there.
    let tally = StopTally::default();
    shell.start_bulk_reported(BulkRun {
        op: OP,
        path: path.clone(),
        verb: "given the ACL",
        progress: Progress::default(),
        zk: shell.zk().clone(),
        report: Some(tally.report(&client, &acls, deadline)),
    });
    let mut unlisted = Unreadable::default();
    while let Some(batch) = walk.next_batch().await? {
        tally.in_flight(batch.iter().map(|visit| visit.path.clone()).collect());
        // Each request is sent when made: making them all first puts the batch in flight.
        let requests: Vec<_> = batch
            .iter()
            .map(|visit| client.set_acl(&visit.path, &acls, None))
            .collect();
        for (visit, request) in batch.iter().zip(requests) {
            unlisted.see(visit);
            let answer = tokio::time::timeout(deadline, request).await;
            tally.answered(&visit.path, matches!(answer, Ok(Ok(_))));
            match answer {
                Ok(Ok(_)) => done.set += 1,
                // Deleted since the walk listed it: nothing to change.
                Ok(Err(zk::Error::NoNode)) => {}
                Ok(Err(err)) if is_connection_error(&err) => return Err(cut_short(&done, &visit.path, err)),
                Ok(Err(err)) => done.refused.push(Refusal {
                    path: visit.path.clone(),
                    reason: ZkError::new("setAcl", &visit.path, err).reason(),
                }),
                Err(_) => return Err(cut_short(&done, &visit.path, zk::Error::ConnectionLoss)),
            }
        }
    }
    let outcome = match (done.refused.len(), unlisted.outcome(OP, &path, "unchanged")) {
        (0, outcome) => outcome,
        (n, listed) => {
            let mut message = format!("{n} of {} nodes refused (listed above)", n + done.set);
            if let Err(unlisted) = listed {
                // Both: the listing's own sentence, without its "op path: " prefix.
                let text = unlisted.to_string();
                let prefix = format!("{OP} {path}: ");
                message = format!("{message}; {}", text.strip_prefix(&prefix).unwrap_or(&text));
            }
            Err(ShellError::refused(OP, &path, message))
        }
    };
    shell.finish_bulk();
    Ok(value_reply(OP, path, done, outcome))
}

/// What a stopped `setAcl -R` can say for sure: the nodes the server confirmed, and the
/// requests of the batch in flight, whose answers the signal dropped.
#[derive(Debug, Clone, Default)]
struct StopTally {
    inner: Arc<Mutex<TallyState>>,
}

#[derive(Debug, Default)]
struct TallyState {
    set: usize,
    unanswered: Vec<String>,
}

impl StopTally {
    fn state(&self) -> std::sync::MutexGuard<'_, TallyState> {
        // A count and a list, never left half-updated.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn in_flight(&self, paths: Vec<String>) {
        self.state().unanswered = paths;
    }

    fn answered(&self, path: &str, set: bool) {
        let mut state = self.state();
        state.set += usize::from(set);
        if let Some(at) = state.unanswered.iter().position(|p| p == path) {
            state.unanswered.swap_remove(at);
        }
    }

    /// The report a signal leaves: the confirmed count plus those of the unanswered batch
    /// the server now shows with the ACL (it answers one session's requests in order, so a
    /// getACL sent now sees every setACL sent before it).
    fn report(&self, client: &Client, acls: &[Acl], deadline: Duration) -> StopReport {
        let (tally, client, acls) = (self.clone(), client.clone(), acls.to_vec());
        StopReport(Arc::new(move || {
            let (tally, client, acls) = (tally.clone(), client.clone(), acls.clone());
            Box::pin(async move {
                let (confirmed, unanswered) = {
                    let state = tally.state();
                    (state.set, state.unanswered.clone())
                };
                let checks: Vec<_> = unanswered.iter().map(|path| client.get_acl(path)).collect();
                let mut landed = 0;
                for check in checks {
                    match tokio::time::timeout(deadline, check).await {
                        Ok(Ok((now, _))) => landed += usize::from(same_acl(&now, &acls)),
                        Ok(Err(zk::Error::NoNode)) => {}
                        _ => {
                            return format!(
                                "interrupted: ACL set on at least {confirmed} nodes, at most {} \
                                 (could not check the last batch); nodes not reached keep their ACL",
                                confirmed + unanswered.len()
                            );
                        }
                    }
                }
                format!(
                    "interrupted: ACL set on {} nodes; nodes not reached keep their ACL",
                    confirmed + landed
                )
            })
        }))
    }
}

/// Whether a node's ACL is `wanted`, in any order.
fn same_acl(now: &[Acl], wanted: &[Acl]) -> bool {
    now.len() == wanted.len() && wanted.iter().all(|acl| now.contains(acl))
}

/// The error for a session lost midway: what was done, and that the rest is in doubt.
fn cut_short(done: &AclsSet, path: &str, err: zk::Error) -> anyhow::Error {
    ZkError::new("setAcl", path, err)
        .framed(
            format!("{OP} {}: ACL set on {} nodes, then", done.path, done.set),
            "the nodes not yet answered may or may not have it",
        )
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn refusals_come_before_the_count() {
        let done = AclsSet {
            path: "/app".into(),
            set: 41,
            refused: vec![Refusal {
                path: "/app/locked".into(),
                reason: "not authorized (needs ADMIN)".into(),
            }],
        };
        insta::assert_snapshot!(both(&done), @r#"
        --- text
        refused  /app/locked  not authorized (needs ADMIN)
        ACL set on 41 nodes, 1 refused
        --- json
        {"path":"/app","refused":[{"path":"/app/locked","reason":"not authorized (needs ADMIN)"}],"set":41}
        "#);
    }
}
