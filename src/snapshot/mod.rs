//! Forensics on a server's data dir: snapshot files and transaction logs decoded (`snapfile`,
//! `txnlog`, `txn`), replayed into a compact in-memory tree at a point in time (`replay`,
//! `apply`, `tree`), to be opened read-only by the shell.

pub mod apply;
pub mod jute;
pub mod point;
pub mod replay;
pub mod snapfile;
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

/// A zxid as zkCli prints it.
pub fn hex(zxid: i64) -> String {
    format!("0x{:x}", zxid)
}
