//! Forensics on a server's data dir: snapshot files and transaction logs decoded (`snapfile`,
//! `txnlog`, `txn`), replayed into a compact in-memory tree at a point in time (`replay`,
//! `apply`, `tree`), and served read-only to the shell (`serve`, `readonly`).

pub mod apply;
pub mod changes;
pub mod jute;
pub mod point;
pub mod readonly;
pub mod replay;
pub mod serve;
pub mod snapfile;
pub mod source;
pub mod stream;
pub mod tree;
pub mod txn;
pub mod txnlog;

use std::fmt;
use std::path::{Path, PathBuf};

pub use replay::{Replayed, open};

/// A file that cannot be read as what it should be: the file, and where and why.
#[derive(Debug)]
pub struct FormatError {
    pub file: PathBuf,
    /// Byte offset of the damage (in the decompressed stream of a compressed snapshot).
    pub offset: Option<u64>,
    pub message: String,
}

impl FormatError {
    pub fn io(file: &Path, err: std::io::Error) -> FormatError {
        FormatError {
            file: file.to_path_buf(),
            offset: None,
            message: err.to_string(),
        }
    }

    pub fn decode(file: &Path, err: jute::DecodeError, offset_note: &str) -> FormatError {
        let message = match err.kind {
            jute::DecodeErrorKind::Truncated => "truncated".to_string(),
            jute::DecodeErrorKind::Invalid(what) => what,
            jute::DecodeErrorKind::Io(e) => format!("read error: {e}"),
        };
        FormatError {
            file: file.to_path_buf(),
            offset: Some(err.offset),
            message: format!("{message} (at byte {}{offset_note})", err.offset),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

impl std::error::Error for FormatError {}

/// Replays `source` and serves it on a loopback port for the shell to connect to; says on
/// stderr what was loaded (interactive runs), and where a lenient replay stopped.
pub async fn open_for_shell(source: &crate::config::SnapshotSource, interactive: bool) -> anyhow::Result<String> {
    let (path, point, lenient) = (source.path.clone(), source.point, source.lenient);
    let replayed = tokio::task::spawn_blocking(move || open(&path, point, lenient))
        .await
        .map_err(|e| anyhow::anyhow!("snapshot loader failed: {e}"))??;
    let label = serve::Opened {
        zxid: replayed.zxid,
        time: replayed.time,
        ..Default::default()
    }
    .label();
    if let Some(damage) = &replayed.damaged_snapshot {
        eprintln!(
            "warning: {damage}; opened the older {} instead",
            replayed.snapshot.display()
        );
    }
    if let Some(damage) = &replayed.stopped {
        eprintln!("warning: {damage}; replay stopped there: the tree is {label}");
    }
    if let point::Point::Zxid(asked) = point
        && asked > replayed.zxid
        && replayed.stopped.is_none()
    {
        eprintln!("note: the logs end before 0x{asked:x}: the tree is {label}");
    }
    if interactive {
        eprintln!(
            "{} {} + {} transactions replayed, read-only",
            label,
            replayed.snapshot.display(),
            replayed.applied
        );
    }
    let address = serve::start(replayed, source.path.clone()).await?;
    Ok(address.to_string())
}

/// A zxid as zkCli prints it.
pub fn hex(zxid: i64) -> String {
    format!("0x{:x}", zxid)
}
