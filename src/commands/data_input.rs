//! Where the data of `create` and `set` comes from: a word on the line, `--file FILE`, or `-`
//! for stdin; base64 with `-b`. One clap struct, flattened into both commands.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use crate::errors::ShellError;
use crate::output::data::decode_base64;
use crate::shell::Shell;
use crate::zk::limits::check_size;

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
    /// decoded bytes are the data (bad base64 is a usage error). Too much data for one request
    /// is refused here, before anything is sent.
    pub fn read(&self, op: &'static str, path: &str, shell: &Shell) -> anyhow::Result<Vec<u8>> {
        let data = match (self.data.as_deref(), &self.file) {
            (Some(_), Some(_)) => {
                return Err(ShellError::usage(format!(
                    "{op} {path}: give the data or --file, not both"
                )));
            }
            (None, Some(file)) if file.as_os_str() == "-" => read_stdin(op, path, shell)?,
            (None, Some(file)) => std::fs::read(file)
                .map_err(|e| ShellError::refused(op, path, format!("cannot read --file {}: {e}", file.display())))?,
            (Some("-"), None) => read_stdin(op, path, shell)?,
            (Some(word), None) => word.as_bytes().to_vec(),
            (None, None) => Vec::new(),
        };
        let data = if self.base64 {
            decode_base64(&data)
                .map_err(|why| ShellError::usage(format!("{op} {path}: the data is {why}; nothing written")))?
        } else {
            data
        };
        check_size(op, path, data.len())?;
        Ok(data)
    }
}

fn read_stdin(op: &'static str, path: &str, shell: &Shell) -> anyhow::Result<Vec<u8>> {
    if !shell.stdin_is_free() {
        return Err(ShellError::usage(format!(
            "{op} {path}: '-' reads data from stdin, which is not available here (stdin is the terminal or the script); use --file"
        )));
    }
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut data)
        .map_err(|e| ShellError::refused(op, path, format!("cannot read stdin: {e}")))?;
    Ok(data)
}
