//! `status [--all] [--watch DURATION]`: every member's mode, zxid, lag, latency and counts in
//! one table, from `srvr` and `mntr` asked of all members at once over plain TCP (no session
//! needed), and whether the ensemble is healthy (exit 1 when not).

use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use crate::cli::{OutputFormat, parse_duration};
use crate::cluster::answers::session_ids;
use crate::cluster::four_letter::ask_all;
use crate::cluster::health::{DEFAULT_MAX_BEHIND, MemberStatus, problems, survey};
use crate::cluster::members::{from_config, from_connect_string, merge};
use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::table::{Align, Table};
use crate::output::{Render, Reply, RowStream, human_bytes};
use crate::shell::Shell;
use crate::zk::Zk;

/// Show every member's status in one table: mode (leader, follower, observer, standalone,
/// read-only), zxid and how many transactions it trails the leader by, latency
/// min/avg/max in ms, connections, outstanding requests, znodes, watches, data size, version.
///
/// Members are asked `srvr` and `mntr` in parallel, each with a short timeout, over plain TCP:
/// status needs no session, and a member that does not answer is a row with its error. The
/// members are those of the connect string; with `--all`, also those /zookeeper/config lists
/// (read through a session, when one can be had), so a connect string naming one member
/// still shows the whole ensemble. `*` marks the member this shell's session is connected
/// to, when its `cons` is whitelisted.
///
/// Exit 1 when the ensemble is unhealthy: a member down or not serving, a member read-only,
/// no member serving (no leader), or a member more than `--max-behind` transactions (1000 by
/// default) behind the leader. `mntr` refused by a member's whitelist only leaves its watch
/// and data columns empty. `--watch 2s` redraws the table in place on a terminal, and
/// prints one table per refresh elsewhere (NDJSON with `-o json`).
///
/// Example: status --all
#[derive(Debug, Args)]
#[command(about = "Every member's mode, zxid, lag and load in one table, and a health verdict")]
pub struct Status {
    /// Also ask the members /zookeeper/config lists, not only the connect string's
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Refresh every DURATION until interrupted (or --count refreshes)
    #[arg(short = 'w', long, value_name = "DURATION", value_parser = parse_duration)]
    pub watch: Option<Duration>,
    /// With --watch: stop after N refreshes, exiting as the last one
    #[arg(long, value_name = "N", requires = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Transactions a member may trail the leader by and still count as healthy
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_BEHIND)]
    pub max_behind: u64,
    /// How long each member has to answer
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// The ensemble at one moment.
#[derive(Debug, Serialize)]
pub struct EnsembleStatus {
    pub members: Vec<MemberStatus>,
    pub healthy: bool,
    pub problems: Vec<String>,
    /// What could not be found out (a word not whitelisted, the config unreadable).
    pub notes: Vec<String>,
    /// `--watch` on a terminal: clear the screen before the table.
    #[serde(skip)]
    redraw: bool,
    /// `--watch`: the time of the refresh, above the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// What a refresh needs, owned: a `--watch` stream asks it again and again from its own task.
#[derive(Debug, Clone)]
struct Survey {
    zk: Zk,
    all: bool,
    max_behind: u64,
    timeout: Duration,
}

impl Survey {
    async fn take(&self) -> EnsembleStatus {
        let mut notes = Vec::new();
        let connect = from_connect_string(&self.zk.profile().server);
        let ((mut rows, note), config) = tokio::join!(survey(&connect, self.timeout), self.config());
        notes.extend(note);
        if self.all {
            match config {
                Ok(text) => {
                    let members = merge(connect.clone(), &from_config(&text));
                    let more: Vec<String> = members[connect.len()..].to_vec();
                    if !more.is_empty() {
                        let (extra, note) = survey(&more, self.timeout).await;
                        rows.extend(extra);
                        notes.extend(note);
                        // Lag is measured against the leader, wherever it was found.
                        rows = rejudge(rows);
                    }
                }
                Err(why) => notes.push(format!(
                    "other members unknown: /zookeeper/config could not be read ({why})"
                )),
            }
        }
        if let Some(note) = self.mark_connected(&mut rows).await {
            notes.push(note);
        }
        let problems = problems(&rows, self.max_behind);
        EnsembleStatus {
            healthy: problems.is_empty(),
            members: rows,
            problems,
            notes,
            redraw: false,
            time: None,
        }
    }

    /// /zookeeper/config, through the shell's session (made for it, under a short bound, when
    /// there is none yet); not asked without `--all`.
    async fn config(&self) -> Result<String, String> {
        if !self.all {
            return Ok(String::new());
        }
        let bound = self.timeout.max(Duration::from_secs(1)) * 2;
        let read = async {
            let client = self.zk.client().await.map_err(|e| format!("{e:#}"))?;
            let (data, _) = client.get_config().await.map_err(|e| e.to_string())?;
            Ok(String::from_utf8_lossy(&data).into_owned())
        };
        tokio::time::timeout(bound, read)
            .await
            .unwrap_or_else(|_| Err(format!("no session within {}", crate::output::human_duration(bound))))
    }

    /// Marks the member whose `cons` lists this shell's session; a note when none can say.
    async fn mark_connected(&self, rows: &mut [MemberStatus]) -> Option<String> {
        let client = self.zk.connection().current()?;
        if client.state().is_terminated() {
            return None;
        }
        let session = client.session_id().0;
        let serving: Vec<String> = rows.iter().filter(|r| r.serves()).map(|r| r.member.clone()).collect();
        let answers = ask_all(&serving, "cons", self.timeout).await;
        let mut any_answered = false;
        for (member, answer) in serving.iter().zip(answers) {
            let Some(text) = answer.text() else { continue };
            any_answered = true;
            if session_ids(text).contains(&session) {
                if let Some(row) = rows.iter_mut().find(|r| &r.member == member) {
                    row.connected = true;
                }
            }
        }
        (!any_answered).then(|| {
            "which member this session uses is unknown: cons is not whitelisted (allow it with \
             `4lw.commands.whitelist=srvr,cons`)"
                .to_string()
        })
    }
}

/// Recomputes lag once rows from two surveys are together.
fn rejudge(mut rows: Vec<MemberStatus>) -> Vec<MemberStatus> {
    crate::cluster::health::fill_behind(&mut rows);
    rows
}

impl Run for Status {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let survey = Survey {
            zk: shell.zk().clone(),
            all: self.all,
            max_behind: self.max_behind,
            timeout: self.timeout,
        };
        let Some(every) = self.watch else {
            return Ok(Reply::value(survey.take().await));
        };
        if every.is_zero() {
            return Err(ShellError::usage("status --watch: the interval must be more than 0"));
        }
        let redraw =
            shell.output_format() == OutputFormat::Text && std::io::IsTerminal::is_terminal(&std::io::stdout());
        let server = shell.zk().profile().server.clone();
        let count = self.count;
        Ok(Reply::Stream(RowStream::spawn(
            "status",
            server,
            "refresh",
            move |rows| async move {
                let mut done = 0;
                loop {
                    let mut status = survey.take().await;
                    status.redraw = redraw;
                    status.time = Some(chrono::Local::now().format("%H:%M:%S").to_string());
                    let unmet = status.unmet();
                    if !rows.send(status).await {
                        return Ok(Vec::new());
                    }
                    done += 1;
                    if count.is_some_and(|count| done >= count) {
                        return unmet.map_or(Ok(Vec::new()), Err);
                    }
                    tokio::time::sleep(every).await;
                }
            },
        )))
    }
}

fn cell<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

impl Render for EnsembleStatus {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.redraw {
            write!(out, "\x1b[H\x1b[2J")?;
        }
        if let Some(time) = &self.time {
            writeln!(out, "{time}")?;
        }
        let mut table = Table::new(&[
            ("MEMBER", Align::Left),
            ("MODE", Align::Left),
            ("ZXID", Align::Left),
            ("BEHIND", Align::Right),
            ("LATENCY", Align::Left),
            ("CONNS", Align::Right),
            ("OUTSTANDING", Align::Right),
            ("ZNODES", Align::Right),
            ("WATCHES", Align::Right),
            ("DATA", Align::Right),
            ("VERSION", Align::Left),
        ]);
        for row in &self.members {
            let member = if row.connected {
                format!("{} *", row.member)
            } else {
                row.member.clone()
            };
            let mode = match (&row.mode, &row.error) {
                (Some(mode), _) => mode.clone(),
                (None, _) => "down".to_string(),
            };
            table.row(vec![
                member,
                mode,
                cell(row.zxid.map(|z| format!("0x{z:x}"))),
                cell(row.behind),
                cell(row.latency.map(|l| format!("{}/{}/{}", l.min, l.avg, l.max))),
                cell(row.connections),
                cell(row.outstanding),
                cell(row.znodes),
                cell(row.watches),
                cell(row.data_size.map(human_bytes)),
                cell(row.version.clone()),
            ]);
        }
        table.write(out, "", true)?;
        for note in &self.notes {
            writeln!(out, "note: {note}")?;
        }
        if self.healthy {
            writeln!(out, "healthy")
        } else {
            writeln!(out, "unhealthy: {}", self.problems.join("; "))
        }
    }

    fn unmet(&self) -> Option<anyhow::Error> {
        (!self.healthy).then(|| ShellError::refused("status", "", format!("unhealthy: {}", self.problems.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::health::Latency;
    use crate::output::both;

    #[test]
    fn a_table_of_members_and_a_verdict() {
        let leader = MemberStatus {
            member: "127.0.0.1:2181".into(),
            mode: Some("leader".into()),
            zxid: Some(0x1_0000_0020),
            behind: Some(0),
            latency: Some(Latency {
                min: 0.0,
                avg: 0.5,
                max: 3.0,
            }),
            connections: Some(2),
            outstanding: Some(0),
            znodes: Some(12),
            watches: Some(3),
            data_size: Some(2048),
            version: Some("3.8.0".into()),
            connected: true,
            error: None,
        };
        let down = MemberStatus {
            member: "127.0.0.1:2182".into(),
            error: Some("connection refused (nothing listens there)".into()),
            ..MemberStatus::default()
        };
        let members = vec![leader, down];
        let problems = problems(&members, DEFAULT_MAX_BEHIND);
        let status = EnsembleStatus {
            healthy: problems.is_empty(),
            members,
            problems,
            notes: vec![],
            redraw: false,
            time: None,
        };
        insta::assert_snapshot!(both(&status), @r#"
        --- text
        MEMBER            MODE    ZXID         BEHIND  LATENCY  CONNS  OUTSTANDING  ZNODES  WATCHES     DATA  VERSION
        127.0.0.1:2181 *  leader  0x100000020       0  0/0.5/3      2            0      12        3  2.0 KiB  3.8.0
        127.0.0.1:2182    down    -                 -  -            -            -       -        -        -  -
        unhealthy: 127.0.0.1:2182 is down: connection refused (nothing listens there)
        --- json
        {"healthy":false,"members":[{"behind":0,"connected":true,"connections":2,"data_size":2048,"latency":{"avg":0.5,"max":3.0,"min":0.0},"member":"127.0.0.1:2181","mode":"leader","outstanding":0,"version":"3.8.0","watches":3,"znodes":12,"zxid":4294967328},{"behind":null,"connected":false,"connections":null,"data_size":null,"error":"connection refused (nothing listens there)","latency":null,"member":"127.0.0.1:2182","mode":null,"outstanding":null,"version":null,"watches":null,"znodes":null,"zxid":null}],"notes":[],"problems":["127.0.0.1:2182 is down: connection refused (nothing listens there)"]}
        "#);
        assert!(status.unmet().is_some());
    }
}
