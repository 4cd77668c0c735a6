//! Request size limits: a request larger than the server's packet limit makes it drop the
//! connection, so it is refused before it is sent.

use crate::errors::ShellError;

/// ZooKeeper's default jute.maxbuffer: the largest packet a server accepts (0xfffff bytes).
pub const MAX_PACKET: usize = 0xfffff;
/// Room left in a packet for the header and path of a create or set request.
const REQUEST_OVERHEAD: usize = 256;

/// Refuses data too large for one create or set of `path`.
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
