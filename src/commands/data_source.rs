//! Where a command's data comes from: a word on the line, `--file FILE`, or `-` for stdin;
//! and the size check that keeps an oversized write from costing the connection.

use std::io::Read;
use std::path::PathBuf;

use crate::errors::ShellError;
use crate::render::data::decode_base64;
use crate::session::Session;

/// ZooKeeper's default jute.maxbuffer: the largest packet a server accepts (0xfffff bytes).
/// A bigger request makes the server drop the connection, so it is refused before sending.
pub const MAX_PACKET: usize = 0xfffff;
/// Room left in a packet for the header and path of a create or set request.
const REQUEST_OVERHEAD: usize = 256;

/// Reads the data for `op` on `path` from the argument or the file; with `base64`, what was
/// given is base64 and the decoded bytes are the data (bad base64 is a usage error).
pub fn read_data(
    op: &'static str,
    path: &str,
    word: Option<&str>,
    file: Option<&PathBuf>,
    base64: bool,
    session: &Session,
) -> anyhow::Result<Vec<u8>> {
    let data = match (word, file) {
        (Some(_), Some(_)) => {
            return Err(ShellError::usage(format!(
                "{op} {path}: give the data or --file, not both"
            )));
        }
        (None, Some(file)) if file.as_os_str() == "-" => read_stdin(op, path, session)?,
        (None, Some(file)) => std::fs::read(file)
            .map_err(|e| ShellError::refused(op, path, format!("cannot read --file {}: {e}", file.display())))?,
        (Some("-"), None) => read_stdin(op, path, session)?,
        (Some(word), None) => word.as_bytes().to_vec(),
        (None, None) => Vec::new(),
    };
    let data = if base64 {
        decode_base64(&data)
            .map_err(|why| ShellError::usage(format!("{op} {path}: the data is {why}; nothing written")))?
    } else {
        data
    };
    check_size(op, path, data.len())?;
    Ok(data)
}

fn read_stdin(op: &'static str, path: &str, session: &Session) -> anyhow::Result<Vec<u8>> {
    if !session.stdin_is_free {
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

pub fn check_size(op: &'static str, path: &str, len: usize) -> anyhow::Result<()> {
    let limit = MAX_PACKET - REQUEST_OVERHEAD - path.len();
    if len > limit {
        return Err(ShellError::refused(
            op,
            path,
            format!(
                "data is {len} bytes; the server's limit is about {limit} bytes for this path (jute.maxbuffer = {MAX_PACKET}); nothing was written"
            ),
        ));
    }
    Ok(())
}
