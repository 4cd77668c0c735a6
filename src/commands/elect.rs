//! `elect PATH [--id ID] [--timeout D] -- COMMAND`: leader election as Kazoo's `Election` (a `Lock` whose
//! contender data is the candidate's id); `elect --list PATH`: the candidates in order.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::commands::lock::{Holding, default_id};
use crate::errors::{ShellError, ZkError};
use crate::output::table::{Align, Table};
use crate::output::{Render, Reply};
use crate::recipes::child::OnLost;
use crate::recipes::contenders;
use crate::recipes::lock::Kind;
use crate::shell::Shell;

/// Stand for leader under PATH: wait until elected, run COMMAND as leader, and give up the
/// leadership when it exits (exit with its code).
///
/// Interoperates with Kazoo's Election on the same path: candidates are Kazoo lock contenders
/// (`<uuid>__lock__<seq>`, data the candidate's id), led by the first in line. While the
/// command runs, signals to zksh are passed on to it; if the session is lost, another
/// candidate may lead, so zksh says so and by default sends the command SIGTERM (--on-lost).
/// With --timeout, zksh withdraws its candidacy and exits 1 if it is not elected in time.
/// `elect --list PATH` prints the candidates in order, the leader first.
///
/// Example: elect /election/scheduler --id "$(hostname)" --timeout 5m -- ./scheduler
///
/// Example: elect --list /election/scheduler
#[derive(Debug, Args)]
#[command(about = "Run a command as elected leader (Kazoo's Election); --list shows candidates")]
pub struct Elect {
    /// Election path (created if missing)
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
    /// This candidate's id, stored as its node's data (default: host:pid)
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Withdraw (exit 1) if not elected within this long (e.g. 30s, 5m)
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::parse_duration)]
    pub timeout: Option<Duration>,
    /// List the candidates in order, marking the leader, instead of standing
    #[arg(long)]
    pub list: bool,
    /// What to do to the command if the session holding the leadership is lost
    #[arg(long, value_enum, value_name = "ACTION", default_value = "term")]
    pub on_lost: OnLost,
    /// The command to run as leader, after `--`
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

impl Run for Elect {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let path = shell.resolve(&self.path)?;
        if self.list {
            if !self.command.is_empty() || self.id.is_some() || self.timeout.is_some() {
                return Err(ShellError::usage(
                    "elect --list: takes only the PATH (no --id, --timeout or command)",
                ));
            }
            return Ok(Reply::value(candidates(shell, &path).await?));
        }
        if self.command.is_empty() {
            return Err(ShellError::usage(format!(
                "elect {path}: give the command to run as leader after `--` (elect {path} -- COMMAND)"
            )));
        }
        let holding = Holding {
            op: "elect",
            path,
            kind: Kind::Leader,
            id: self.id.unwrap_or_else(default_id),
            timeout: self.timeout,
            on_lost: self.on_lost,
        };
        holding.run(shell, &self.command).await
    }
}

/// The candidates under `path` in order (Kazoo's `Election.contenders()`), with their ids.
async fn candidates(shell: &Shell, path: &str) -> anyhow::Result<Candidates> {
    let (path, client) = shell.target(path).await?;
    let zk = shell.zk();
    let children = match client.list_children(&path).await {
        Ok(children) => children,
        // No election there yet: nobody stands.
        Err(zookeeper_client::Error::NoNode) => Vec::new(),
        Err(err) => return Err(ZkError::new("elect", &path, err).into()),
    };
    let mut rows = Vec::new();
    for node in contenders::in_order(&children, &[contenders::WRITE]) {
        let node_path = format!("{}/{node}", path.trim_end_matches('/'));
        match zk.call("get", &node_path, client.get_data(&node_path)).await {
            Ok((data, _)) => rows.push(Candidate {
                id: String::from_utf8_lossy(&data).into_owned(),
                leader: rows.is_empty(),
                node: node_path,
            }),
            // Gone since the listing: no longer a candidate.
            Err(err) if is_no_node(&err) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(Candidates(rows))
}

fn is_no_node(err: &anyhow::Error) -> bool {
    err.downcast_ref::<ZkError>()
        .is_some_and(|e| matches!(e.source, zookeeper_client::Error::NoNode))
}

/// `elect --list`: a JSON array, leader first.
#[derive(Debug, Serialize)]
pub struct Candidates(Vec<Candidate>);

#[derive(Debug, Serialize)]
pub struct Candidate {
    pub id: String,
    pub leader: bool,
    pub node: String,
}

impl Render for Candidates {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut table = Table::new(&[("ID", Align::Left), ("ROLE", Align::Left), ("NODE", Align::Left)]);
        for candidate in &self.0 {
            let role = if candidate.leader { "leader" } else { "waiting" };
            table.row(vec![candidate.id.clone(), role.into(), candidate.node.clone()]);
        }
        table.write(out, "", false)
    }
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::output::both;

    #[test]
    fn candidates_are_rows_leader_first() {
        let list = Candidates(vec![
            Candidate {
                id: "web-1".into(),
                leader: true,
                node: "/e/5b__lock__0000000004".into(),
            },
            Candidate {
                id: "scheduler-b".into(),
                leader: false,
                node: "/e/9a__lock__0000000007".into(),
            },
        ]);
        assert_snapshot!(both(&list), @r#"
        --- text
        web-1        leader   /e/5b__lock__0000000004
        scheduler-b  waiting  /e/9a__lock__0000000007
        --- json
        [{"id":"web-1","leader":true,"node":"/e/5b__lock__0000000004"},{"id":"scheduler-b","leader":false,"node":"/e/9a__lock__0000000007"}]
        "#);
        assert_snapshot!(both(&Candidates(vec![])), @"
        --- text
        --- json
        []
        ");
    }
}
