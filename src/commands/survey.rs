//! `survey [--top N] [path]`: where a subtree's nodes and bytes are — the largest subtrees,
//! the largest znodes, the nodes with the most children, ephemeral nodes by session, and
//! totals — in one pass with flat memory.

use std::io::{IsTerminal, Write};

use clap::Args;
use colored::Colorize;
use serde::Serialize;

use crate::commands::Run;
use crate::commands::walked::{Unreadable, reading, start_walk, value_reply};
use crate::output::table::{Align, Table};
use crate::output::{Render, Reply, human_bytes};
use crate::shell::Shell;
use crate::tree::DEFAULT_PARALLEL;
use crate::tree::survey::{Findings, SubtreeSize, SurveyNode, Surveyor};

/// Survey a subtree for what makes it big: the largest subtrees by nodes and by bytes, the
/// largest znodes (data length), the nodes with the most direct children, the ephemeral
/// nodes of each owning session (its id as ephemeralOwner shows it, how many, one of
/// them), and totals (nodes, bytes, ephemeral nodes, deepest level).
///
/// The largest subtrees skip wrappers, so that one big subtree is named once rather than
/// with each of its ancestors: the surveyed node itself is left out (the totals are its
/// size), and so is any node one of whose children holds 90% or more of the nodes below it
/// (for the bytes list: 90% or more of its bytes, its own data included). The list names
/// where a subtree fans out instead: `/app/jobs/queue` with its 50,000 children, not also
/// `/app/jobs` and `/app`. A node without children is a znode, not a subtree (see the
/// largest znodes).
///
/// The subtree is read once, data included; memory holds --top entries per list and one
/// tally per session, however large the tree. On a terminal each list is a titled table;
/// in a pipe each row starts with its list's name (total, subtree-nodes, subtree-bytes,
/// znode, children, session) for grep and awk. Bytes are shown in binary units (`52.3
/// KiB`); --bytes gives exact numbers. With -o json: one document with every list, bytes
/// exact.
/// A node the server will not let you read counts as one node of 0 bytes, and the command
/// ends with an error after the survey (exit 1).
///
/// Example: survey --top 5 /
#[derive(Debug, Args)]
#[command(about = "Find what makes a subtree big: largest subtrees and znodes, super nodes, ephemerals")]
pub struct Survey {
    /// Entries per list
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = parse_top)]
    pub top: usize,
    /// Exact byte counts instead of KiB/MiB
    #[arg(long)]
    pub bytes: bool,
    /// Read requests in flight at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// Parses `--top N`: 1 to 1000 entries per list.
fn parse_top(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' is not a number of entries from 1 to 1000 (try 10)")),
    }
}

/// `survey`: the findings, and how to lay them out in text.
#[derive(Debug, Serialize)]
pub struct SurveyReport {
    #[serde(flatten)]
    pub survey: Findings,
    /// Titled tables for a reader at a terminal; keyed rows for a pipe.
    #[serde(skip)]
    pub terminal: bool,
    /// Exact byte counts in text (--bytes).
    #[serde(skip)]
    pub exact: bool,
}

impl SurveyReport {
    fn size(&self, bytes: u64) -> String {
        if self.exact {
            bytes.to_string()
        } else {
            human_bytes(bytes)
        }
    }

    /// Each list: its key in a pipe, its title on a terminal, and its table.
    fn sections(&self) -> Vec<(&'static str, &'static str, Table)> {
        let s = &self.survey;
        let subtrees = |list: &[SubtreeSize]| {
            let mut table = Table::new(&[("nodes", Align::Right), ("bytes", Align::Right), ("path", Align::Left)]);
            for entry in list {
                table.row(vec![
                    entry.nodes.to_string(),
                    self.size(entry.bytes),
                    entry.path.clone(),
                ]);
            }
            table
        };
        let mut znodes = Table::new(&[("bytes", Align::Right), ("path", Align::Left)]);
        for entry in &s.largest_znodes {
            znodes.row(vec![self.size(entry.data_length), entry.path.clone()]);
        }
        let mut children = Table::new(&[("children", Align::Right), ("path", Align::Left)]);
        for entry in &s.most_children {
            children.row(vec![entry.num_children.to_string(), entry.path.clone()]);
        }
        let mut sessions = Table::new(&[
            ("session", Align::Left),
            ("nodes", Align::Right),
            ("sample", Align::Left),
        ]);
        for entry in &s.ephemerals_by_session {
            sessions.row(vec![
                entry.session_id_hex.clone(),
                entry.nodes.to_string(),
                entry.sample.clone(),
            ]);
        }
        vec![
            ("total", "", self.totals()),
            (
                "subtree-nodes",
                "Largest subtrees by nodes",
                subtrees(&s.subtrees_by_nodes),
            ),
            (
                "subtree-bytes",
                "Largest subtrees by bytes",
                subtrees(&s.subtrees_by_bytes),
            ),
            ("znode", "Largest znodes", znodes),
            ("children", "Most children", children),
            ("session", "Ephemeral nodes by session", sessions),
        ]
    }

    fn totals(&self) -> Table {
        let t = &self.survey.totals;
        let mut table = Table::new(&[("name", Align::Left), ("value", Align::Left)]);
        let bytes = match self.size(t.bytes) {
            exact if exact == t.bytes.to_string() => exact,
            human => format!("{human} ({} bytes)", t.bytes),
        };
        table.row(vec!["nodes".into(), t.nodes.to_string()]);
        table.row(vec!["bytes".into(), bytes]);
        table.row(vec!["ephemerals".into(), t.ephemerals.to_string()]);
        table.row(vec!["sessions".into(), t.sessions.to_string()]);
        table.row(vec!["max-depth".into(), t.max_depth.to_string()]);
        if t.refused > 0 {
            table.row(vec!["unreadable".into(), t.refused.to_string()]);
        }
        table
    }
}

impl Render for SurveyReport {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let sections = self.sections();
        if !self.terminal {
            let width = sections.iter().map(|(key, ..)| key.len()).max().unwrap_or(0);
            for (key, _, table) in sections {
                table.write(out, &format!("{key:<width$}  "), false)?;
            }
            return Ok(());
        }
        writeln!(out, "{}", format!("Survey of {}", self.survey.path).bold())?;
        for (_, title, table) in sections {
            if title.is_empty() {
                table.write(out, "  ", false)?;
                continue;
            }
            writeln!(out)?;
            writeln!(out, "{}", title.bold())?;
            if table.is_empty() {
                writeln!(out, "  (none)")?;
            } else {
                table.write(out, "  ", true)?;
            }
        }
        Ok(())
    }
}

impl Run for Survey {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let options = reading(self.parallel, true);
        let (path, mut walk, _line) = start_walk(shell, "survey", self.path.as_deref(), options).await?;
        let mut surveyor = Surveyor::new(self.top);
        let mut unreadable = Unreadable::default();
        while let Some(batch) = walk.next_batch().await? {
            for visit in batch {
                unreadable.see(&visit);
                surveyor.visit(SurveyNode::from_visit(visit));
            }
        }
        let outcome = unreadable.outcome("survey", &path, "not surveyed");
        let report = SurveyReport {
            survey: surveyor.finish(path.clone()),
            terminal: std::io::stdout().is_terminal(),
            exact: self.bytes,
        };
        Ok(value_reply("survey", path, report, outcome))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::OutputFormat;
    use crate::output::rendered;
    use crate::tree::survey::{SessionEphemerals, Sums, SuperNode, ZnodeSize};

    fn sample(terminal: bool) -> SurveyReport {
        let subtree = |path: &str, nodes, bytes| SubtreeSize {
            path: path.into(),
            nodes,
            bytes,
        };
        SurveyReport {
            survey: Findings {
                path: "/app".into(),
                top: 10,
                totals: Sums {
                    nodes: 1045,
                    bytes: 1_100_000,
                    ephemerals: 3,
                    sessions: 2,
                    max_depth: 4,
                    refused: 0,
                },
                subtrees_by_nodes: vec![subtree("/app/jobs/queue", 1001, 4000), subtree("/app/locks", 4, 3)],
                subtrees_by_bytes: vec![subtree("/app/config", 12, 1_050_000)],
                largest_znodes: vec![ZnodeSize {
                    path: "/app/config/blob".into(),
                    data_length: 1_000_000,
                }],
                most_children: vec![SuperNode {
                    path: "/app/jobs/queue".into(),
                    num_children: 1000,
                }],
                ephemerals_by_session: vec![SessionEphemerals {
                    session_id: 0x1000a2b3c,
                    session_id_hex: "0x1000a2b3c".into(),
                    nodes: 2,
                    sample: "/app/locks/l1".into(),
                }],
            },
            terminal,
            exact: false,
        }
    }

    #[test]
    fn a_terminal_gets_titled_tables() {
        let mut report = sample(true);
        report.survey.ephemerals_by_session.clear();
        insta::assert_snapshot!(rendered(&report, OutputFormat::Text), @"
        Survey of /app
          nodes       1045
          bytes       1.0 MiB (1100000 bytes)
          ephemerals  3
          sessions    2
          max-depth   4

        Largest subtrees by nodes
          nodes    bytes  path
           1001  3.9 KiB  /app/jobs/queue
              4      3 B  /app/locks

        Largest subtrees by bytes
          nodes    bytes  path
             12  1.0 MiB  /app/config

        Largest znodes
              bytes  path
          976.6 KiB  /app/config/blob

        Most children
          children  path
              1000  /app/jobs/queue

        Ephemeral nodes by session
          (none)
        ");
    }

    #[test]
    fn a_pipe_gets_keyed_rows_and_json_one_document() {
        let exact = SurveyReport {
            exact: true,
            ..sample(false)
        };
        insta::assert_snapshot!(rendered(&exact, OutputFormat::Text), @"
        total          nodes       1045
        total          bytes       1100000
        total          ephemerals  3
        total          sessions    2
        total          max-depth   4
        subtree-nodes  1001  4000  /app/jobs/queue
        subtree-nodes     4     3  /app/locks
        subtree-bytes  12  1050000  /app/config
        znode          1000000  /app/config/blob
        children       1000  /app/jobs/queue
        session        0x1000a2b3c  2  /app/locks/l1
        ");
        insta::assert_snapshot!(rendered(&sample(false), OutputFormat::Text), @"
        total          nodes       1045
        total          bytes       1.0 MiB (1100000 bytes)
        total          ephemerals  3
        total          sessions    2
        total          max-depth   4
        subtree-nodes  1001  3.9 KiB  /app/jobs/queue
        subtree-nodes     4      3 B  /app/locks
        subtree-bytes  12  1.0 MiB  /app/config
        znode          976.6 KiB  /app/config/blob
        children       1000  /app/jobs/queue
        session        0x1000a2b3c  2  /app/locks/l1
        ");
        insta::assert_snapshot!(rendered(&sample(false), OutputFormat::Json), @r#"{"ephemeralsBySession":[{"nodes":2,"sample":"/app/locks/l1","sessionId":4295633724,"sessionIdHex":"0x1000a2b3c"}],"largestZnodes":[{"dataLength":1000000,"path":"/app/config/blob"}],"mostChildren":[{"numChildren":1000,"path":"/app/jobs/queue"}],"path":"/app","subtreesByBytes":[{"bytes":1050000,"nodes":12,"path":"/app/config"}],"subtreesByNodes":[{"bytes":4000,"nodes":1001,"path":"/app/jobs/queue"},{"bytes":3,"nodes":4,"path":"/app/locks"}],"top":10,"totals":{"bytes":1100000,"ephemerals":3,"maxDepth":4,"nodes":1045,"refused":0,"sessions":2}}"#);
    }

    #[test]
    fn top_is_at_least_one() {
        assert_eq!(parse_top("5"), Ok(5));
        assert!(parse_top("0").is_err());
        assert!(parse_top("1001").is_err());
    }
}
