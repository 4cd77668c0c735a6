//! What a copy decides and reports: one change per node written or refused (a dry run's
//! rows, mirror's lines), and the report at the end.

use std::io::Write;

use serde::Serialize;

use crate::errors::ShellError;
use crate::output::Render;

/// At most this many refused nodes are named in a report (all are counted).
const NAMED_REFUSALS: usize = 100;

/// One node written, to be written (dry run) or refused.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// `create`, `change`, `delete` or `refuse`.
    pub action: &'static str,
    pub path: String,
    /// What differs, for a change: `data`, `acl`, `data and acl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<&'static str>,
    /// Why, for a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Change {
    pub fn create(path: &str) -> Change {
        Change::new("create", path)
    }

    pub fn delete(path: &str) -> Change {
        Change::new("delete", path)
    }

    pub fn changed(path: &str, what: &'static str) -> Change {
        Change {
            what: Some(what),
            ..Change::new("change", path)
        }
    }

    pub fn refuse(path: &str, reason: &str) -> Change {
        Change {
            reason: Some(reason.to_string()),
            ..Change::new("refuse", path)
        }
    }

    fn new(action: &'static str, path: &str) -> Change {
        Change {
            action,
            path: path.to_string(),
            what: None,
            reason: None,
        }
    }
}

impl Render for Change {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match (&self.what, &self.reason) {
            (Some(what), _) => writeln!(out, "{} {} ({what})", self.action, self.path),
            (_, Some(reason)) => writeln!(out, "{} {}: {reason}", self.action, self.path),
            _ => writeln!(out, "{} {}", self.action, self.path),
        }
    }
}

/// A node not written, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub path: String,
    pub reason: String,
}

/// What a copy did (or, in a dry run, would do).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The destination root.
    pub path: String,
    pub created: usize,
    pub changed: usize,
    /// Already identical (data and ACL).
    pub skipped: usize,
    /// ZooKeeper's own nodes (`/zookeeper` and below) in the input, skipped: they are the
    /// server's, whatever they hold.
    pub zookeeper_own: usize,
    pub refused: usize,
    /// Deleted because the source does not have them (mirror only).
    #[serde(skip_serializing_if = "is_zero")]
    pub deleted: usize,
    /// The first refused nodes.
    pub refused_nodes: Vec<Refusal>,
    /// Not written because a node above them was refused and is not there.
    pub below_refused: usize,
    /// Ephemeral nodes in the input, never created (they belong to a session).
    pub ephemeral: usize,
    /// Parents whose sequential counter was advanced past the restored children.
    pub counters_advanced: usize,
    pub dry_run: bool,
    /// Said on stderr after the result (a counter left behind).
    #[serde(skip)]
    pub notes: Vec<String>,
    #[serde(skip)]
    pub op: &'static str,
}

impl Report {
    pub fn new(op: &'static str, root: &str, dry_run: bool) -> Report {
        Report {
            path: root.to_string(),
            created: 0,
            changed: 0,
            skipped: 0,
            zookeeper_own: 0,
            refused: 0,
            deleted: 0,
            refused_nodes: Vec::new(),
            below_refused: 0,
            ephemeral: 0,
            counters_advanced: 0,
            dry_run,
            notes: Vec::new(),
            op,
        }
    }

    pub fn refuse(&mut self, refusal: Refusal) {
        self.refused += 1;
        if self.refused_nodes.len() < NAMED_REFUSALS {
            self.refused_nodes.push(refusal);
        }
    }
}

impl Render for Report {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let verb = if self.dry_run { "would be " } else { "" };
        write!(
            out,
            "{}: {} created, {} changed, {} skipped (already there), ",
            self.path, self.created, self.changed, self.skipped
        )?;
        if self.zookeeper_own > 0 {
            write!(out, "{} skipped ({ZOOKEEPER_OWN}), ", self.zookeeper_own)?;
        }
        write!(out, "{verb}")?;
        writeln!(out, "{} refused", self.refused)?;
        for refusal in &self.refused_nodes {
            writeln!(out, "refused {}: {}", refusal.path, refusal.reason)?;
        }
        if self.refused > self.refused_nodes.len() {
            writeln!(out, "... and {} more refused", self.refused - self.refused_nodes.len())?;
        }
        if self.below_refused > 0 {
            writeln!(out, "{} nodes below refused ones not written", self.below_refused)?;
        }
        if self.ephemeral > 0 {
            writeln!(
                out,
                "{} ephemeral nodes not created (they belong to a session)",
                self.ephemeral
            )?;
        }
        if self.counters_advanced > 0 {
            let advanced = if self.dry_run { "would be advanced" } else { "advanced" };
            let counters = match self.counters_advanced {
                1 => "the sequential counter of 1 parent".to_string(),
                n => format!("the sequential counters of {n} parents"),
            };
            writeln!(out, "{counters} {advanced} past the restored children")?;
        }
        for note in &self.notes {
            writeln!(out, "note: {note}")?;
        }
        Ok(())
    }

    fn unmet(&self) -> Option<anyhow::Error> {
        (self.refused > 0).then(|| {
            let nodes = if self.refused == 1 { "node was" } else { "nodes were" };
            ShellError::refused(
                self.op,
                self.path.as_str(),
                format!("{} {nodes} refused (listed above)", self.refused),
            )
        })
    }
}

/// What the nodes counted in [`Report::zookeeper_own`] are, in a summary line.
pub const ZOOKEEPER_OWN: &str = "ZooKeeper's own /zookeeper";

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `data`, `acl`, or `data and acl`: what differs.
pub fn differences(same_data: bool, same_acl: bool) -> &'static str {
    match (same_data, same_acl) {
        (false, false) => "data and acl",
        (false, true) => "data",
        _ => "acl",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn a_change_is_one_line_or_one_object() {
        insta::assert_snapshot!(both(&Change::changed("/b/x", "data")), @r#"
        --- text
        change /b/x (data)
        --- json
        {"action":"change","path":"/b/x","what":"data"}
        "#);
        insta::assert_snapshot!(both(&Change::refuse("/b/y", "it differs (acl)")), @r#"
        --- text
        refuse /b/y: it differs (acl)
        --- json
        {"action":"refuse","path":"/b/y","reason":"it differs (acl)"}
        "#);
    }

    #[test]
    fn a_report_counts_and_names_the_refused() {
        let mut report = Report::new("import", "/restore", false);
        report.created = 120;
        report.skipped = 3;
        report.counters_advanced = 1;
        report.refuse(Refusal {
            path: "/restore/a".into(),
            reason: "it differs (data); --overwrite replaces it".into(),
        });
        insta::assert_snapshot!(both(&report), @r#"
        --- text
        /restore: 120 created, 0 changed, 3 skipped (already there), 1 refused
        refused /restore/a: it differs (data); --overwrite replaces it
        the sequential counter of 1 parent advanced past the restored children
        --- json
        {"belowRefused":0,"changed":0,"countersAdvanced":1,"created":120,"dryRun":false,"ephemeral":0,"path":"/restore","refused":1,"refusedNodes":[{"path":"/restore/a","reason":"it differs (data); --overwrite replaces it"}],"skipped":3,"zookeeperOwn":0}
        "#);
        assert!(report.unmet().is_some());
    }

    #[test]
    fn zookeeper_own_nodes_are_not_counted_as_already_there() {
        let mut report = Report::new("import", "/", false);
        report.created = 2;
        report.skipped = 1;
        report.zookeeper_own = 3;
        insta::assert_snapshot!(both(&report), @r#"
        --- text
        /: 2 created, 0 changed, 1 skipped (already there), 3 skipped (ZooKeeper's own /zookeeper), 0 refused
        --- json
        {"belowRefused":0,"changed":0,"countersAdvanced":0,"created":2,"dryRun":false,"ephemeral":0,"path":"/","refused":0,"refusedNodes":[],"skipped":1,"zookeeperOwn":3}
        "#);
    }
}
