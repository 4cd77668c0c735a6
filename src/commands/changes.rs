//! `changes [PATH] [--since] [--until] [-R] [-p]`: on a snapshot, every logged transaction
//! that touched a node: when, zxid, session, operation, version, data size, and with -p the
//! data before and after.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::data::{Payload, one_line_data};
use crate::output::stat::{readable_time, rfc3339};
use crate::output::{Render, Reply, RowStream};
use crate::shell::Shell;
use crate::snapshot::changes::{Change, Query, scan};
use crate::snapshot::point::Point;
use crate::snapshot::serve::opened;

/// List the transactions that touched a znode (or, with -R, its subtree), oldest first, from
/// the transaction logs of the data dir the shell was opened on (`zksh --snapshot DIR`).
///
/// Each line: time, zxid, session, ZooKeeper's operation name (create, create2,
/// createContainer, createTTL, delete, setData, setACL, check, closeSession...), the path,
/// the version written and the data size. Operations of a multi are marked `multi`, a failed
/// multi changed nothing and is not listed. --since and --until take a zxid (0x1a2b) or a time;
/// --until defaults to the point the shell was opened at. -p also shows the data before and
/// after, from the tree replayed alongside (slower: from the snapshot before --since).
///
/// Example: changes /app/config --since '2026-11-25 14:00' -p
#[derive(Debug, Args)]
#[command(about = "List the logged changes to a znode or subtree (on a snapshot)")]
pub struct Changes {
    /// Include every node below the path
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Show the data before and after each change
    #[arg(short = 'p', long = "data")]
    pub data: bool,
    /// From this zxid or time on
    #[arg(long, value_name = "ZXID|TIME", value_parser = parse_point)]
    pub since: Option<Point>,
    /// Up to this zxid or time (default: the point the shell is at)
    #[arg(long, value_name = "ZXID|TIME", value_parser = parse_point)]
    pub until: Option<Point>,
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

fn parse_point(value: &str) -> Result<Point, String> {
    value.parse()
}

/// One change, as a row.
#[derive(Debug, Serialize)]
pub struct ChangeRow {
    pub time: String,
    pub zxid: i64,
    pub session: i64,
    pub op: &'static str,
    pub path: String,
    pub version: Option<i32>,
    #[serde(rename = "dataLength")]
    pub data_length: Option<usize>,
    pub multi: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Option<Payload>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Option<Payload>>,
    #[serde(skip)]
    millis: i64,
}

impl ChangeRow {
    fn new(c: Change, with_data: bool) -> ChangeRow {
        ChangeRow {
            time: rfc3339(c.time),
            millis: c.time,
            zxid: c.zxid,
            session: c.session,
            op: c.op,
            path: c.path,
            version: c.version,
            data_length: c.data_length,
            multi: c.in_multi,
            before: with_data.then(|| c.before.map(Payload::new)),
            after: with_data.then(|| c.after.map(Payload::new)),
        }
    }
}

impl Render for ChangeRow {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut line = format!(
            "{}  0x{:x}  0x{:x}  {}{}  {}",
            readable_time(self.millis),
            self.zxid,
            self.session,
            self.op,
            if self.multi { " (multi)" } else { "" },
            self.path
        );
        if let Some(v) = self.version {
            line.push_str(&format!("  version={v}"));
        }
        if let Some(n) = self.data_length {
            line.push_str(&format!("  {n} bytes"));
        }
        writeln!(out, "{line}")?;
        let shown = |data: &Option<Payload>| {
            data.as_ref()
                .map_or("(absent)".to_string(), |d| one_line_data(&d.bytes))
        };
        if let (Some(before), Some(after)) = (&self.before, &self.after) {
            writeln!(out, "    before: {}", shown(before))?;
            writeln!(out, "    after:  {}", shown(after))?;
        }
        Ok(())
    }
}

impl Run for Changes {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let Some(snapshot) = opened() else {
            return Err(ShellError::refused(
                "changes",
                "",
                "only a data dir's transaction logs know who changed what: open one with zksh --snapshot DIR",
            ));
        };
        let path = match &self.path {
            Some(p) => shell.resolve(p)?,
            None => shell.cwd().to_string(),
        };
        let query = Query {
            path: path.clone(),
            recursive: self.recursive,
            since: self.since,
            until: self.until.unwrap_or(Point::Zxid(snapshot.zxid)),
            with_data: self.data,
        };
        let source = snapshot.source.clone();
        let with_data = self.data;
        let stream = RowStream::spawn("changes", path, "change", move |rows| async move {
            let (tx, mut rx) = tokio::sync::mpsc::channel(256);
            let scanning = tokio::task::spawn_blocking(move || {
                scan(&source, &query, |c| {
                    tx.blocking_send(ChangeRow::new(c, with_data)).is_ok()
                })
            });
            while let Some(row) = rx.recv().await {
                if !rows.send(row).await {
                    break;
                }
            }
            drop(rx);
            match scanning.await {
                Ok(result) => result.map(|()| Vec::new()),
                Err(e) => Err(anyhow::anyhow!("changes: the log reader failed: {e}")),
            }
        });
        Ok(Reply::Stream(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;
    use insta::assert_snapshot;

    #[test]
    fn text_and_json() {
        let change = Change {
            time: 1_764_079_277_123,
            zxid: 0x1a2b,
            session: 0x1000_0abc_0000_0001,
            op: "setData",
            path: "/app/config".into(),
            version: Some(3),
            data_length: Some(2),
            in_multi: false,
            before: Some(b"v1".to_vec()),
            after: Some(b"v2".to_vec()),
        };
        assert_snapshot!(both(&ChangeRow::new(change.clone(), false)), @r#"
        --- text
        2025-11-25 14:01:17.123 +00:00  0x1a2b  0x10000abc00000001  setData  /app/config  version=3  2 bytes
        --- json
        {"dataLength":2,"multi":false,"op":"setData","path":"/app/config","session":1152933307176976385,"time":"2025-11-25T14:01:17.123Z","version":3,"zxid":6699}
        "#);
        assert_snapshot!(both(&ChangeRow::new(change, true)), @r#"
        --- text
        2025-11-25 14:01:17.123 +00:00  0x1a2b  0x10000abc00000001  setData  /app/config  version=3  2 bytes
            before: v1
            after:  v2
        --- json
        {"after":{"data":"v2"},"before":{"data":"v1"},"dataLength":2,"multi":false,"op":"setData","path":"/app/config","session":1152933307176976385,"time":"2025-11-25T14:01:17.123Z","version":3,"zxid":6699}
        "#);
    }
}
