//! Request size limits. A server drops the connection of a client that sends a packet longer
//! than its jute.maxbuffer (0xfffff bytes unless configured), which costs the session its
//! requests in flight: so every write, alone or in a multi, is measured as the server will
//! see it (jute encoding, chroot included) and refused before it is sent when too large.

use crate::errors::ShellError;
use crate::zk::write::WriteOp;

/// ZooKeeper's default jute.maxbuffer: the longest packet a server reads.
pub const DEFAULT_MAX_REQUEST: usize = 0xfffff;

/// A request's header: xid and op code.
const REQUEST_HEADER: usize = 4 + 4;
/// Before each operation of a multi, and once at its end: op code, done flag, error code.
const MULTI_HEADER: usize = 4 + 1 + 4;

/// A jute string or buffer: its length, then its bytes.
fn field(len: usize) -> usize {
    4 + len
}

/// The encoded body of one operation; paths reach the server with the chroot in front.
fn body(op: &WriteOp, chroot: usize) -> usize {
    let path = field(chroot + op.path().len());
    match op {
        WriteOp::Check { .. } | WriteOp::Delete { .. } => path + 4,
        WriteOp::Set { data, .. } => path + field(data.len()) + 4,
        WriteOp::Create(node) => {
            let acls: usize = node
                .acls
                .iter()
                .map(|acl| 4 + field(acl.scheme().len()) + field(acl.id().len()))
                .sum();
            let ttl = if node.ttl.is_some() { 8 } else { 0 };
            path + field(node.data.len()) + 4 + acls + 4 + ttl
        }
    }
}

/// The packet length of `op` sent alone.
pub fn request_size(op: &WriteOp, chroot: usize) -> usize {
    REQUEST_HEADER + body(op, chroot)
}

/// The packet length of `ops` sent as one multi request.
pub fn multi_size(ops: &[WriteOp], chroot: usize) -> usize {
    REQUEST_HEADER + ops.iter().map(|op| MULTI_HEADER + body(op, chroot)).sum::<usize>() + MULTI_HEADER
}

/// What one operation of a multi costs, as `multi_size` counts it.
pub fn multi_op_size(op: &WriteOp, chroot: usize) -> usize {
    MULTI_HEADER + body(op, chroot)
}

/// What a getChildren of `path` costs in a multi-read: the path and the watch flag.
pub fn children_read_size(path: &str, chroot: usize) -> usize {
    MULTI_HEADER + field(chroot + path.len()) + 1
}

/// Cuts `items` into consecutive batches of at most `most_ops` each whose multi request stays
/// within `limit` bytes, `cost` being what one item adds. An item too large even alone gets a
/// batch of its own (the write path then refuses it, naming it).
pub fn batches<T>(items: &[T], most_ops: usize, limit: usize, cost: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let room = limit.saturating_sub(REQUEST_HEADER + MULTI_HEADER);
    let mut batches = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < items.len() && end - start < most_ops {
            let next = cost(&items[end]);
            if end > start && bytes + next > room {
                break;
            }
            bytes += next;
            end += 1;
        }
        batches.push(&items[start..end]);
        start = end;
    }
    batches
}

/// Refuses a request of `size` bytes over `limit`: `what` names it, `outcome` says that
/// nothing happened in the words of the command.
pub fn check(op: &'static str, path: &str, what: &str, size: usize, limit: usize, outcome: &str) -> anyhow::Result<()> {
    if size <= limit {
        return Ok(());
    }
    Err(too_large(op, path, what, size, limit, outcome))
}

/// The refusal of a request of `size` bytes over `limit`.
pub fn too_large(op: &'static str, path: &str, what: &str, size: usize, limit: usize, outcome: &str) -> anyhow::Error {
    ShellError::refused(
        op,
        path,
        format!(
            "{what} is {size} bytes encoded, over the server's limit of {limit} bytes (jute.maxbuffer; \
             --max-request-size follows a server configured for more); {outcome}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use zookeeper_client::{Acls, CreateMode};

    use super::*;
    use crate::zk::write::NewNode;

    fn create(path: &str, len: usize) -> WriteOp {
        WriteOp::Create(NewNode {
            path: path.into(),
            data: vec![b'x'; len],
            mode: CreateMode::Persistent,
            acls: Acls::anyone_all().to_vec(),
            ttl: None,
        })
    }

    #[test]
    fn a_create_is_measured_as_the_server_reads_it() {
        // Header 8, path 4+2, data 4+n, ACL vector 4 + one world:anyone 4+(4+5)+(4+6), flags 4.
        assert_eq!(request_size(&create("/x", 10), 0), 8 + 6 + 14 + 4 + 23 + 4);
        // The largest node Kazoo wrote to a default server at /x: 1,048,519 bytes of data.
        assert!(request_size(&create("/x", 1_048_519), 0) <= DEFAULT_MAX_REQUEST);
        assert_eq!(request_size(&create("/x", 1_048_526), 0), DEFAULT_MAX_REQUEST);
        assert!(request_size(&create("/x", 1_048_527), 0) > DEFAULT_MAX_REQUEST);
        // A chroot lengthens every path.
        assert_eq!(
            request_size(&create("/x", 10), 4),
            request_size(&create("/x", 10), 0) + 4
        );
    }

    #[test]
    fn batches_are_cut_by_count_and_by_encoded_size() {
        let paths: Vec<String> = (0..10).map(|i| format!("/{}", "p".repeat(i * 100))).collect();
        let cost = |p: &String| children_read_size(p, 0);
        let by_count = batches(&paths, 4, DEFAULT_MAX_REQUEST, cost);
        assert_eq!(by_count.iter().map(|b| b.len()).collect::<Vec<_>>(), [4, 4, 2]);
        // A limit that takes about two of the longer paths at a time.
        let by_size = batches(&paths, 100, 2_000, cost);
        assert_eq!(by_size.len(), 3, "split where the next path would not fit");
        for batch in &by_size {
            let size = 8 + batch.iter().map(cost).sum::<usize>() + 9;
            assert!(size <= 2_000 || batch.len() == 1, "{size}");
        }
        assert_eq!(by_size.concat(), paths, "every item once, in order");
    }

    #[test]
    fn a_multi_adds_a_header_per_operation_and_one_at_the_end() {
        let ops = [create("/a", 600_000), create("/b", 600_000)];
        let alone: usize = ops.iter().map(|op| request_size(op, 0) - 8).sum();
        assert_eq!(multi_size(&ops, 0), 8 + alone + 2 * 9 + 9);
        assert!(
            check(
                "txn commit",
                "",
                "the transaction",
                multi_size(&ops, 0),
                DEFAULT_MAX_REQUEST,
                "nothing was applied"
            )
            .is_err()
        );
    }
}
