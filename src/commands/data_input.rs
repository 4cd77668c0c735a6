//! Where the data of `create` and `set` comes from: a word on the line, `--file FILE`, or `-`
//! for stdin; base64 with `-b`. One clap struct, flattened into both commands.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use crate::errors::ShellError;
use crate::output::data::decode_base64;
use crate::shell::Shell;

#[derive(Debug, Args)]
pub struct DataInput {
    /// Read the data from FILE ('-' for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The data (or the file) is base64: write the decoded bytes
    #[arg(short = 'b', long)]
    pub base64: bool,
    /// Data ('-' reads stdin); may start with '-'
    #[arg(index = 2, allow_hyphen_values = true)]
    pub data: Option<String>,
}

impl DataInput {
    /// The bytes to write for `op` on `path`; with `base64`, what was given is base64 and the
    /// decoded bytes are the data (bad base64 is a usage error). A file or stdin is read no
    /// further than a request could carry; the write path measures the request itself.
    pub fn read(&self, op: &'static str, path: &str, shell: &Shell) -> anyhow::Result<Vec<u8>> {
        let data = match (self.data.as_deref(), &self.file) {
            (Some(_), Some(_)) => {
                return Err(ShellError::usage(format!(
                    "{op} {path}: give the data or --file, not both"
                )));
            }
            (None, Some(file)) if file.as_os_str() == "-" => read_stdin(op, path, self.base64, shell)?,
            (None, Some(file)) => {
                let opened = std::fs::File::open(file).map_err(|e| {
                    ShellError::refused(op, path, format!("cannot read --file {}: {e}", file.display()))
                })?;
                let what = format!("--file {}", file.display());
                // A regular file says its size up front: refuse it whole, naming the size.
                let size = opened.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
                let most = readable_most(self.base64, shell);
                if let Some(size) = size.filter(|size| *size > most as u64) {
                    return Err(too_much(op, path, &format!("{what} is {size} bytes")));
                }
                read_bounded(op, path, opened, self.base64, &what, shell)?
            }
            (Some("-"), None) => read_stdin(op, path, self.base64, shell)?,
            (Some(word), None) => word.as_bytes().to_vec(),
            (None, None) => Vec::new(),
        };
        let data = if self.base64 {
            decode_base64(&data)
                .map_err(|why| ShellError::usage(format!("{op} {path}: the data is {why}; nothing written")))?
        } else {
            data
        };
        Ok(data)
    }
}

fn read_stdin(op: &'static str, path: &str, base64: bool, shell: &Shell) -> anyhow::Result<Vec<u8>> {
    if !shell.stdin_is_free() {
        return Err(ShellError::usage(format!(
            "{op} {path}: '-' reads data from stdin, which is not available here (stdin is the terminal or the script); use --file"
        )));
    }
    read_bounded(op, path, std::io::stdin().lock(), base64, "stdin", shell)
}

/// The most bytes worth reading for one write: what a request can carry (base64 takes four
/// characters for three bytes, plus line breaks).
fn readable_most(base64: bool, shell: &Shell) -> usize {
    let limit = shell.zk().profile().max_request_size;
    if base64 { limit / 3 * 4 + limit / 64 } else { limit }
}

fn too_much(op: &'static str, path: &str, what: &str) -> anyhow::Error {
    ShellError::refused(
        op,
        path,
        format!("{what}, more than a request to the server can carry (--max-request-size); nothing was written"),
    )
}

/// Reads `source` to its end, or stops one byte past the most a request could carry and
/// refuses: `--file /dev/zero` must not fill memory before anything says no.
fn read_bounded(
    op: &'static str,
    path: &str,
    source: impl Read,
    base64: bool,
    what: &str,
    shell: &Shell,
) -> anyhow::Result<Vec<u8>> {
    let most = readable_most(base64, shell);
    let limit = u64::try_from(most).unwrap_or(u64::MAX) + 1;
    let mut data = Vec::new();
    source
        .take(limit)
        .read_to_end(&mut data)
        .map_err(|e| ShellError::refused(op, path, format!("cannot read {what}: {e}")))?;
    if data.len() > most {
        return Err(too_much(op, path, &format!("{what} holds more than {most} bytes")));
    }
    Ok(data)
}
