//! `diff A B [--stat]`: two subtrees (of this cluster, another one, a snapshot, or an export file)
//! compared node by node: what only one side has, and the nodes whose data or ACL differ.
//! The compare itself is `tree::copy::compare`; this is its command and its rows.

use std::io::Write;
use std::path::Path;

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::stream::Unmet;
use crate::output::{Render, Reply, RowStream};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::DEFAULT_PARALLEL;
use crate::tree::copy::{AclCompared, Compare, Difference, ExportReader, ReadOptions, Source, SubtreeReader};
use crate::zk::Zk;
use crate::zk::remote::Place;

const OP: &str = "diff";
/// What marks an export file among diff's arguments.
const FILE_PREFIX: &str = "file:";

/// Compare two subtrees node by node: added, removed and changed nodes (data, ACL).
///
/// Each side is a znode path of this cluster, a path on another cluster
/// (`zk://host:port/path`, or `PROFILE:/path` for a connection profile), a snapshot of a
/// data dir at a point in time (`snapshot:DIR[@ZXID|@TIME]:/path`), or an export file
/// written by `export` (`file:PATH`, gzip or not: the `file:` prefix is what makes it a
/// file, so no znode path is ever taken for one).
/// Paths are compared relative to each side's root, so `/app` can be compared with
/// `/app-copy`. A row per difference: `-` only A has the node, `+` only B has it, `~` both
/// have it and its data, its ACL or both differ (ACLs compared as sets). Stat fields
/// (versions, times) are not compared. The server hides digest ACL hashes from a client
/// without ADMIN permission: where that leaves two ACLs possibly equal, the row says `acl?`
/// (cannot be compared) instead of guessing. Ephemeral nodes are left out on both sides.
/// Exit 0 when the trees are the same, 1 when they differ (or an ACL could not be compared),
/// as diff(1). Both sides are read as streams, merged: memory stays flat.
///
/// Example: diff /app file:app-backup.ndjson.gz
#[derive(Debug, Args)]
#[command(about = "Compare two subtrees (or a subtree and an export file) node by node")]
pub struct Diff {
    /// Counts only: added, removed, changed
    #[arg(long)]
    pub stat: bool,
    /// Read requests in flight at once (for each live side)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// A: znode path, zk://host:port/path, or file:EXPORT
    #[arg(add = crate::completion::path_completer())]
    pub a: String,
    /// B: znode path, zk://host:port/path, or file:EXPORT
    #[arg(add = crate::completion::path_completer())]
    pub b: String,
}

/// One node that differs.
#[derive(Debug, Serialize)]
pub struct DiffRow {
    /// Relative to the compared roots ("" is the root itself).
    pub path: String,
    /// `added` (only in B), `removed` (only in A), `changed`.
    pub change: &'static str,
    /// For `changed`: whether the data differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<bool>,
    /// For `changed`: `same`, `different`, or `uncomparable` (redacted on a side).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acl: Option<&'static str>,
}

impl Render for DiffRow {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let path = if self.path.is_empty() { "." } else { &self.path };
        match self.change {
            "added" => writeln!(out, "+ {path}"),
            "removed" => writeln!(out, "- {path}"),
            _ => {
                let mut what = Vec::new();
                if self.data == Some(true) {
                    what.push("data");
                }
                match self.acl {
                    Some("different") => what.push("acl"),
                    Some("uncomparable") => what.push("acl? (redacted: cannot compare)"),
                    _ => {}
                }
                writeln!(out, "~ {path}  {}", what.join(", "))
            }
        }
    }
}

impl DiffRow {
    fn of(difference: &Difference) -> DiffRow {
        let path = difference.rel().to_string();
        match difference {
            Difference::Added(_) => DiffRow {
                path,
                change: "added",
                data: None,
                acl: None,
            },
            Difference::Removed(_) => DiffRow {
                path,
                change: "removed",
                data: None,
                acl: None,
            },
            Difference::Changed { data, acl, .. } => DiffRow {
                path,
                change: "changed",
                data: Some(*data),
                acl: Some(match acl {
                    AclCompared::Same => "same",
                    AclCompared::Different => "different",
                    AclCompared::Uncomparable => "uncomparable",
                }),
            },
        }
    }
}

/// `diff --stat`: the counts.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffStat {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub data_changed: usize,
    pub acl_changed: usize,
    pub acl_uncomparable: usize,
    pub same: usize,
}

impl DiffStat {
    fn count(&mut self, row: &DiffRow) {
        match row.change {
            "added" => self.added += 1,
            "removed" => self.removed += 1,
            _ => {
                self.changed += 1;
                self.data_changed += usize::from(row.data == Some(true));
                self.acl_changed += usize::from(row.acl == Some("different"));
                self.acl_uncomparable += usize::from(row.acl == Some("uncomparable"));
            }
        }
    }

    fn differs(&self) -> bool {
        self.added + self.removed + self.changed > 0
    }

    fn summary(&self) -> String {
        let mut text = format!(
            "{} added, {} removed, {} changed ({} data, {} acl)",
            self.added, self.removed, self.changed, self.data_changed, self.acl_changed
        );
        if self.acl_uncomparable > 0 {
            text.push_str(&format!(
                ", {} with ACLs that cannot be compared (redacted)",
                self.acl_uncomparable
            ));
        }
        text.push_str(&format!(", {} same", self.same));
        text
    }
}

impl Render for DiffStat {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.summary())
    }
}

impl Run for Diff {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let options = ReadOptions {
            parallel: self.parallel,
            include_ephemeral: false,
        };
        let (a, a_shown, a_cluster) = open(shell, &self.a, &options).await?;
        let (b, b_shown, b_cluster) = open(shell, &self.b, &options).await?;
        let shown = format!("{a_shown} {b_shown}");
        // On a terminal, after a second: the nodes read so far from a live side.
        let line = match (&a, &b) {
            (Source::Live(reader), _) | (_, Source::Live(reader)) => {
                ProgressLine::walking(reader.seen(), format!("{OP} {shown}"))
            }
            _ => ProgressLine::hidden(),
        };
        let only_stat = self.stat;
        let stream = RowStream::spawn(OP, shown.clone(), "difference", move |rows| async move {
            let _clusters = (a_cluster, b_cluster);
            let mut compare = Compare::new(a, b);
            let mut stat = DiffStat::default();
            while let Some(difference) = compare.next().await? {
                let row = DiffRow::of(&difference);
                stat.count(&row);
                if !only_stat && !rows.send(row).await {
                    return Ok(Vec::new());
                }
            }
            stat.same = compare.same;
            let (a, b) = compare.sources();
            for (side, shown) in [(a, &a_shown), (b, &b_shown)] {
                if let Some(tally) = side.tally()
                    && tally.unreadable.count > 0
                {
                    return Err(ShellError::refused(
                        OP,
                        shown.clone(),
                        format!(
                            "{} nodes could not be read (not authorized), so the compare is incomplete: {}",
                            tally.unreadable.count,
                            tally.unreadable.listed()
                        ),
                    ));
                }
            }
            let notes = if only_stat { Vec::new() } else { vec![stat.summary()] };
            let differs = stat.differs();
            if only_stat {
                rows.send(stat).await;
            }
            if differs {
                let error = ShellError::refused(OP, shown, "the trees differ");
                return Err(Unmet { error, notes }.into());
            }
            Ok(notes)
        });
        Ok(Reply::Stream(stream.with_progress(line)))
    }
}

/// One side: its records, how it is named in messages, and the handle on another cluster
/// (kept for as long as the compare reads from it).
async fn open(shell: &mut Shell, input: &str, options: &ReadOptions) -> anyhow::Result<(Source, String, Option<Zk>)> {
    if let Some(file) = input.strip_prefix(FILE_PREFIX) {
        if file.is_empty() {
            return Err(ShellError::usage("diff: file: needs a file name (file:backup.ndjson)"));
        }
        let reader = ExportReader::open(OP, Path::new(file))?;
        return Ok((Source::File(Box::new(reader)), input.to_string(), None));
    }
    match Place::parse(input, &shell.zk().profile_as_user())? {
        Place::Here(path) => {
            let (root, client) = shell.target(&path).await?;
            let reader = SubtreeReader::start(shell.zk(), client, OP, &root, options.clone());
            Ok((Source::Live(reader), root, None))
        }
        Place::Remote(remote) => {
            // Unreachable: exit 3 before anything is compared.
            let zk = remote.connect().await?;
            let client = zk.client().await?;
            let reader = SubtreeReader::start(&zk, client, OP, &remote.path, options.clone());
            Ok((Source::Live(reader), remote.shown(), Some(zk)))
        }
    }
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::output::both;

    #[test]
    fn rows_read_as_diff_does_and_counts_say_what_changed() {
        let rows = [
            DiffRow {
                path: "a/new".into(),
                change: "added",
                data: None,
                acl: None,
            },
            DiffRow {
                path: "old".into(),
                change: "removed",
                data: None,
                acl: None,
            },
            DiffRow {
                path: "".into(),
                change: "changed",
                data: Some(true),
                acl: Some("uncomparable"),
            },
        ];
        let shown: Vec<String> = rows.iter().map(|row| both(row)).collect();
        assert_snapshot!(shown.join(""), @r#"
        --- text
        + a/new
        --- json
        {"change":"added","path":"a/new"}
        --- text
        - old
        --- json
        {"change":"removed","path":"old"}
        --- text
        ~ .  data, acl? (redacted: cannot compare)
        --- json
        {"acl":"uncomparable","change":"changed","data":true,"path":""}
        "#);
        let mut stat = DiffStat::default();
        rows.iter().for_each(|row| stat.count(row));
        stat.same = 7;
        assert_snapshot!(both(&stat), @r#"
        --- text
        1 added, 1 removed, 1 changed (1 data, 0 acl), 1 with ACLs that cannot be compared (redacted), 7 same
        --- json
        {"aclChanged":0,"aclUncomparable":1,"added":1,"changed":1,"dataChanged":1,"removed":1,"same":7}
        "#);
    }
}
