//! Test trees built fast: many nodes per transaction line, run as one zksh script. Any test
//! that needs thousands of nodes builds them here rather than one `create` per process.

use std::time::Duration;

use super::{ZkServer, Zksh};

/// Nodes per transaction line of the build script (well within the request-size limit for
/// the short names tests use).
const PER_TXN: usize = 500;

/// Creates `paths` in order (parents before children; parents must exist or come earlier),
/// each with empty data, many per transaction.
pub fn create_all(server: &ZkServer, paths: &[String]) {
    let mut script = String::new();
    for chunk in paths.chunks(PER_TXN) {
        script.push_str("txn");
        for path in chunk {
            script.push_str(&format!(" 'create {path}'"));
        }
        script.push('\n');
    }
    Zksh::new(server)
        .stdin(script)
        .timeout(Duration::from_secs(120))
        .run()
        .success();
}

/// `root` (which must exist), `branches` branches `b000`.. under it and `leaves` leaves
/// `n000`.. under each. Returns the number of nodes, `root` included.
pub fn build_tree(server: &ZkServer, root: &str, branches: usize, leaves: usize) -> usize {
    let mut paths = Vec::with_capacity(branches * (leaves + 1));
    for b in 0..branches {
        paths.push(format!("{root}/b{b:03}"));
        for l in 0..leaves {
            paths.push(format!("{root}/b{b:03}/n{l:03}"));
        }
    }
    create_all(server, &paths);
    1 + branches * (1 + leaves)
}
