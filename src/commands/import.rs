//! `import FILE [path]`: an export file written back into a tree, its root mapped onto
//! `path` (default: the root it was exported from), by the same writer as `cp`.

use std::path::PathBuf;

use clap::Args;

use crate::commands::Run;
use crate::commands::cp::{
    End, WriteFlags, apply_options, dry_run, read_source, records_from, with_source_tally, write_bulk,
};
use crate::output::Reply;
use crate::shell::Shell;
use crate::tree::copy::ExportReader;

const OP: &str = "import";
const SNAPSHOT: &str = crate::snapshot::source::SCHEME;

/// Write an export file (from `export`) back into a tree.
///
/// The exported root becomes PATH (default: the path it was exported from), parents before
/// children, in multi batches. A node already there with the same data and ACL is skipped, so
/// an import that was stopped can be run again to finish; one that differs is refused
/// (listed, exit 1) unless --overwrite. Entries the file marks redacted are never written:
/// that node is refused. PATH's parent must exist unless -p. Afterwards every restored
/// parent's sequential counter is advanced past its restored children, so the next
/// `create -s` there gets a number above theirs. A damaged file stops the import at the
/// line named; what was written before it is reported. gzip files are read as such.
///
/// FILE may also be a snapshot, `snapshot:DIR[@ZXID|@TIME]:/path`: that subtree as it was
/// then, with its real ACLs (PATH defaults to the same path).
///
/// Example: import backup.ndjson.gz /restore/app
#[derive(Debug, Args)]
#[command(about = "Write an export file back into a tree (data, ACLs, sequential counters)")]
pub struct Import {
    /// The export file (gzip or not), or snapshot:DIR[@ZXID|@TIME]:/path
    pub file: PathBuf,
    /// Where the exported root goes (default: where it was exported from)
    #[arg(add = crate::completion::path_completer())]
    pub path: Option<String>,
    #[command(flatten)]
    pub write: WriteFlags,
    /// Create PATH's missing parents
    #[arg(short = 'p', long)]
    pub parents: bool,
}

impl Run for Import {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        shell.refuse_in_txn("import cannot be part of a transaction")?;
        if let Some(source) = self.file.to_str().filter(|f| f.starts_with(SNAPSHOT)) {
            return from_snapshot(shell, source.to_string(), self.path, &self.write, self.parents).await;
        }
        // The header is read now: a file of another format writes nothing.
        let mut reader = ExportReader::open(OP, &self.file)?;
        let target = self.path.unwrap_or_else(|| reader.header().root.clone());
        let dst = End::locate(shell, &target).await?;
        let options = apply_options(OP, &self.write, self.parents);
        let records = records_from(move || reader.next_record());
        if options.dry_run {
            return Ok(dry_run(dst, options, records, None));
        }
        Ok(Reply::value(write_bulk(shell, &dst, options, records).await?))
    }
}

/// `import snapshot:DIR@POINT:/path [PATH]`: the subtree read from the snapshot's loopback
/// server, written by the same writer as a file's records.
async fn from_snapshot(
    shell: &mut Shell,
    source: String,
    path: Option<String>,
    flags: &WriteFlags,
    parents: bool,
) -> anyhow::Result<Reply> {
    let src = End::locate(shell, &source).await?;
    let target = path.unwrap_or_else(|| src.path.clone());
    crate::zk::remote::refuse_snapshot_write(OP, &target)?;
    let dst = End::locate(shell, &target).await?;
    let options = apply_options(OP, flags, parents);
    let (records, reading) = read_source(&src, true, flags.parallel).await?;
    if options.dry_run {
        return Ok(dry_run(dst, options, records, Some(reading)));
    }
    let report = write_bulk(shell, &dst, options, records).await?;
    Ok(Reply::value(with_source_tally(report, reading).await?))
}
