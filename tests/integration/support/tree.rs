//! Test trees built fast: straight from a zookeeper-client session (the same library zksh
//! uses, against the same real server), creates in multi batches with several in flight, so
//! that a test tree of 200,000 nodes takes seconds, not a script of thousands of commands.

use std::time::Duration;

use zookeeper_client as zk;

use super::ZkServer;

/// Creates per multi request (short test paths keep it far below the request-size limit).
const BATCH: usize = 200;
/// Multi requests in flight at once.
const WINDOW: usize = 8;

/// Creates `paths` in order (parents before children; parents must exist or come earlier),
/// each with empty data.
pub fn create_all(server: &ZkServer, paths: &[String]) {
    create_all_at(&server.connect_string(), paths);
}

/// As [`create_all`], on any connect string (an ensemble's, say).
pub fn create_all_at(connect: &str, paths: &[String]) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime for the tree builder");
    runtime.block_on(async {
        let client = zk::Client::connector()
            .with_session_timeout(Duration::from_secs(30))
            .connect(connect)
            .await
            .expect("the tree builder connects");
        let options = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
        let batches: Vec<&[String]> = paths.chunks(BATCH).collect();
        for window in batches.chunks(WINDOW) {
            // All sent before the first is awaited; one session's requests apply in order,
            // so a batch's parents, created by an earlier batch, are there when it lands.
            let mut pending = Vec::with_capacity(window.len());
            for batch in window {
                let mut writer = client.new_multi_writer();
                for path in batch.iter() {
                    writer.add_create(path, b"", &options).expect("a valid test path");
                }
                pending.push((batch[0].clone(), writer.commit()));
            }
            for (first, reply) in pending {
                if let Err(err) = reply.await {
                    panic!("building the test tree failed at the batch starting {first}: {err}");
                }
            }
        }
    });
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
