//! Test harness: a real ZooKeeper server per test binary (or per test), a builder that runs
//! the `zksh` binary, and a namespace per test so tests can share one server.

pub mod ensemble;
pub mod run;
pub mod server;
pub mod tree;

use std::sync::atomic::{AtomicUsize, Ordering};

pub use ensemble::Ensemble;
pub use run::{Output, Zksh};
pub use server::{ZkServer, shared_server};

/// A znode path no other test (and no earlier run on a long-lived server) uses:
/// `/t-<name>-<pid>-<counter>`. The node itself is not created.
pub fn unique_root(name: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("/t-{name}-{}-{n}", std::process::id())
}

/// `127.0.0.1:<port>` where nothing listens, and no server of this test binary will.
pub fn closed_address() -> String {
    format!("127.0.0.1:{}", server::reserve_port())
}

/// A fresh namespace on the shared server, created (empty) and returned with the server.
pub fn namespace(name: &str) -> (&'static ZkServer, String) {
    let server = shared_server();
    let root = unique_root(name);
    Zksh::new(server).args(["create", &root]).run().success();
    (server, root)
}
