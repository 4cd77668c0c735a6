//! `export [path] [--out FILE]`: a subtree, losslessly, as an export file (NDJSON: data,
//! ACLs, stat; `tree::copy::file`), streamed to stdout or written to a file that gets its
//! name only once complete.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use serde::Serialize;

use crate::commands::Run;
use crate::errors::ShellError;
use crate::output::{Render, Reply, RowSender, RowStream};
use crate::progress::ProgressLine;
use crate::shell::Shell;
use crate::tree::DEFAULT_PARALLEL;
use crate::tree::copy::file::{ExportFile, Header, Trailer, ZxidRange, gzip_name, lines};
use crate::tree::copy::{ExportWriter, ReadOptions, ReadTally, SubtreeReader};

const OP: &str = "export";

/// Export a subtree, losslessly: every node's data, ACL and stat, one JSON line per node.
///
/// The file starts with a header (format version, source connect string, root, time) and
/// ends with an end line (node counts, the zxid range seen); a file without its end line was
/// cut short, and `import` and `diff` say so. Node paths are relative to the exported root,
/// so the file can be imported anywhere. Data is base64; ACL entries keep their scheme, id
/// and permissions. Without --out the file goes to stdout (`--gzip`: pipe it through gzip
/// instead); with --out it is written beside FILE under a temporary name and renamed once
/// complete, gzip-compressed with --gzip or a name ending in `.gz`.
///
/// Ephemeral nodes belong to their sessions: they are skipped and counted, unless
/// --include-ephemeral (then marked `"ephemeral": true`). The server hides the hash of a
/// digest ACL from a client without ADMIN permission on the node (`digest:alice:x`); such a
/// file could not restore the ACL, so export names those nodes and fails (exit 1): run it
/// after `addauth` as a user who may read them, or pass --allow-redacted to export them
/// marked `"redacted": true` (import never writes a redacted entry). A node the server will
/// not let you read fails the export too. Memory stays flat however large the subtree.
///
/// Example: export /app --out app-backup.ndjson.gz
#[derive(Debug, Args)]
#[command(about = "Export a subtree (data, ACLs, stat) to an NDJSON file")]
pub struct Export {
    /// Write to FILE (default: stdout); a name ending in .gz is compressed
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Compress with gzip (needs --out)
    #[arg(long)]
    pub gzip: bool,
    /// Keep ephemeral nodes, marked (default: skip and count them)
    #[arg(long)]
    pub include_ephemeral: bool,
    /// Export nodes whose digest ACLs came back redacted, marked, instead of failing
    #[arg(long)]
    pub allow_redacted: bool,
    /// Read requests in flight at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = crate::cli::parse_parallel)]
    pub parallel: usize,
    /// Znode path (default: the current node)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
}

/// One line of an export streamed to stdout (the header, a node, the end line).
#[derive(Debug)]
pub struct ExportLine(pub String);

impl Serialize for ExportLine {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // With -o json the file is still the file: each line is one JSON document already.
        let value: serde_json::Value = serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        value.serialize(serializer)
    }
}

impl Render for ExportLine {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(self.0.as_bytes())?;
        out.write_all(b"\n")
    }
}

/// `export --out FILE`: what was written (in JSON; the text is the note on stderr).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub file: String,
    pub root: String,
    pub nodes: u64,
    pub ephemerals_skipped: u64,
    pub redacted: u64,
    pub gzip: bool,
}

impl Render for Exported {}

impl Run for Export {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        let (root, client) = shell.target(self.path.as_deref().unwrap_or(".")).await?;
        let gzip = self.gzip || self.out.as_deref().is_some_and(gzip_name);
        if gzip && self.out.is_none() {
            return Err(ShellError::usage(
                "export --gzip needs --out FILE (to stdout, pipe it through gzip)",
            ));
        }
        let header = Header::new(&shell.zk().profile().server, &root, self.include_ephemeral);
        let options = ReadOptions {
            parallel: self.parallel,
            include_ephemeral: self.include_ephemeral,
        };
        let reader = SubtreeReader::start(shell.zk(), client, OP, &root, options);
        let line = ProgressLine::walking(reader.seen(), format!("{OP} {root}"));
        let written = Arc::new(AtomicUsize::new(0));
        let job = Job {
            root: root.clone(),
            allow_redacted: self.allow_redacted,
            written: Arc::clone(&written),
        };
        let stream = match self.out {
            None => RowStream::spawn(OP, root, "line", move |rows| job.stream_out(reader, header, rows)),
            Some(out) => {
                let file = ExportFile::create(&out, gzip).map_err(|err| {
                    ShellError::refused(OP, out.display().to_string(), format!("cannot write: {err}"))
                })?;
                let name = out.display().to_string();
                let stopped = format!("interrupted: nothing written to {name}");
                RowStream::spawn(OP, root, "node", move |rows| {
                    job.write_file(reader, header, file, name, gzip, rows)
                })
                .on_stop(move |_| {
                    let nodes = written.load(Ordering::Relaxed);
                    format!("{stopped} ({nodes} nodes had been read; the partial file was removed)")
                })
            }
        };
        Ok(Reply::Stream(stream.with_progress(line)))
    }
}

/// The export in its task.
struct Job {
    root: String,
    allow_redacted: bool,
    written: Arc<AtomicUsize>,
}

impl Job {
    /// The file as rows on stdout: the end line goes out only when the export succeeded.
    async fn stream_out(
        self,
        mut reader: SubtreeReader,
        header: Header,
        rows: RowSender,
    ) -> anyhow::Result<Vec<String>> {
        if !rows.send(ExportLine(lines::header_line(&header))).await {
            return Ok(Vec::new());
        }
        let mut nodes = 0u64;
        while let Some(batch) = reader.next_batch().await? {
            nodes += batch.len() as u64;
            self.written.fetch_add(batch.len(), Ordering::Relaxed);
            let lines = batch.iter().map(|record| ExportLine(lines::node_line(record)));
            if !rows.send_all(lines.collect::<Vec<_>>()).await {
                return Ok(Vec::new());
            }
        }
        let tally = reader.tally();
        self.check(&tally)?;
        let trailer = trailer(&tally, nodes);
        rows.send(ExportLine(lines::end_line(&trailer))).await;
        Ok(self.notes(&tally, None))
    }

    async fn write_file(
        self,
        mut reader: SubtreeReader,
        header: Header,
        file: ExportFile,
        name: String,
        gzip: bool,
        rows: RowSender,
    ) -> anyhow::Result<Vec<String>> {
        let cannot = |err: std::io::Error| ShellError::refused(OP, &name, format!("cannot write: {err}"));
        let mut writer = ExportWriter::new(file, &header).map_err(cannot)?;
        while let Some(batch) = reader.next_batch().await? {
            for record in &batch {
                writer.write(record).map_err(cannot)?;
            }
            self.written.fetch_add(batch.len(), Ordering::Relaxed);
        }
        let tally = reader.tally();
        // Failing here drops the file under its temporary name, which removes it.
        self.check(&tally)?;
        let nodes = writer.nodes();
        let file = writer.finish(trailer(&tally, nodes)).map_err(cannot)?;
        file.commit().map_err(cannot)?;
        let exported = Exported {
            file: name.clone(),
            root: self.root.clone(),
            nodes,
            ephemerals_skipped: tally.ephemerals_skipped as u64,
            redacted: tally.redacted.count as u64,
            gzip,
        };
        rows.send(exported).await;
        Ok(self.notes(&tally, Some(&name)))
    }

    /// Fails an export that could not be lossless: nodes it could not read, or (unless
    /// allowed) ACLs the server redacted.
    fn check(&self, tally: &ReadTally) -> anyhow::Result<()> {
        if tally.unreadable.count > 0 {
            return Err(ShellError::refused(
                OP,
                &self.root,
                format!(
                    "{} could not be read (not authorized): {}",
                    nodes(tally.unreadable.count),
                    tally.unreadable.listed()
                ),
            ));
        }
        if tally.redacted.count > 0 && !self.allow_redacted {
            return Err(ShellError::refused(
                OP,
                &self.root,
                format!(
                    "the server redacted digest ACLs of {} (addauth as a user with ADMIN permission, or --allow-redacted): {}",
                    nodes(tally.redacted.count),
                    tally.redacted.listed()
                ),
            ));
        }
        Ok(())
    }

    fn notes(&self, tally: &ReadTally, file: Option<&str>) -> Vec<String> {
        let mut note = format!("exported {}", nodes(tally.records));
        if let Some(file) = file {
            note.push_str(&format!(" to {file}"));
        }
        if tally.ephemerals_skipped > 0 {
            let plural = if tally.ephemerals_skipped == 1 { "" } else { "s" };
            note.push_str(&format!(
                "; skipped {} ephemeral node{plural} (--include-ephemeral keeps them)",
                tally.ephemerals_skipped
            ));
        }
        if tally.redacted.count > 0 {
            note.push_str(&format!(
                "; {} with redacted ACL entries, marked: {}",
                nodes(tally.redacted.count),
                tally.redacted.listed()
            ));
        }
        if tally.vanished > 0 {
            note.push_str(&format!("; {} deleted while read", nodes(tally.vanished)));
        }
        vec![note]
    }
}

fn trailer(tally: &ReadTally, nodes: u64) -> Trailer {
    Trailer {
        nodes,
        ephemerals_skipped: tally.ephemerals_skipped as u64,
        redacted: tally.redacted.count as u64,
        zxids: tally.zxids.map(|(min, max)| ZxidRange { min, max }),
    }
}

/// `1 node`, `3 nodes`.
fn nodes(n: usize) -> String {
    if n == 1 {
        "1 node".to_string()
    } else {
        format!("{n} nodes")
    }
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::output::both;

    #[test]
    fn a_file_export_says_what_it_wrote_in_json_only() {
        let exported = Exported {
            file: "app.ndjson.gz".into(),
            root: "/app".into(),
            nodes: 1200,
            ephemerals_skipped: 3,
            redacted: 0,
            gzip: true,
        };
        assert_snapshot!(both(&exported), @r#"
        --- text
        --- json
        {"ephemeralsSkipped":3,"file":"app.ndjson.gz","gzip":true,"nodes":1200,"redacted":0,"root":"/app"}
        "#);
        assert_snapshot!(both(&ExportLine(r#"{"path":"a","data":""}"#.into())), @r#"
        --- text
        {"path":"a","data":""}
        --- json
        {"data":"","path":"a"}
        "#);
    }
}
