//! For `bench/snapshot.sh`: a bare zookeeper-client program that builds a tree with one create request per znode, so the server's transaction log holds one txn per znode.
//!
//! Usage:
//!   `raw_creates HOST:PORT PATH PARENTS CHILDREN`
//!       create PATH (and its missing ancestors), PARENTS children `p0000..` under it and
//!       CHILDREN children `n0000..` under each of those, every znode's data `zksh-bench NAME`
//!       (the tree `raw_tree build` makes), each with its own create request
//!
//! `raw_tree build` packs 200 creates into each multi request: one logged transaction per 200
//! znodes. Replaying a log is measured per transaction record, so this program sends plain
//! creates instead, `WINDOW` of them in flight (the client sends a request when it is called,
//! and a session's requests are applied in the order they were sent, so a child's create may be
//! in flight behind its parent's).
//!
//! Exits 0 on success; on any error prints it and exits 1 (2 for bad usage).

use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::Duration;

use zookeeper_client::{Acls, Client, CreateMode, Error as ZkError};

/// Create requests in flight at once (the server's globalOutstandingLimit is 1 000).
const WINDOW: usize = 1000;
/// Prefix of every created znode's data, followed by the znode's name.
const DATA_PREFIX: &str = "zksh-bench ";
/// How long to wait for the server to acknowledge the session close before exiting anyway.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

type BoxError = Box<dyn std::error::Error>;

const USAGE: &str = "usage: raw_creates HOST:PORT PATH PARENTS CHILDREN";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, path, parents, children] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let (Ok(parents), Ok(children)) = (parents.parse::<usize>(), children.parse::<usize>()) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if !path.starts_with('/') || path == "/" || path.starts_with("/zookeeper") {
        eprintln!("raw_creates: refusing path '{path}'");
        return ExitCode::from(2);
    }
    match run(addr, path, parents, children).await {
        Ok(n) => {
            println!("created {n} znodes under and including {path}, one create request each");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("raw_creates: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(addr: &str, root: &str, parents: usize, children: usize) -> Result<usize, BoxError> {
    let client = Client::connector()
        .connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let result = create_all(&client, root, parents, children).await;
    // Dropping the last client handle sends CloseSession; wait until it is delivered.
    let mut state = client.state_watcher();
    drop(client);
    let closed = async {
        while !state.peek_state().is_terminated() {
            state.changed().await;
        }
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closed).await;
    result
}

async fn create_all(client: &Client, root: &str, parents: usize, children: usize) -> Result<usize, BoxError> {
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    let mut ancestor = String::new();
    for part in root.split('/').filter(|p| !p.is_empty()) {
        ancestor.push('/');
        ancestor.push_str(part);
        let data = if ancestor == root { data_of(root) } else { Vec::new() };
        match client.create(&ancestor, &data, &options).await {
            Ok(_) => {}
            Err(ZkError::NodeExists) if ancestor != root => {}
            Err(e) => return Err(format!("create {ancestor}: {e}").into()),
        }
    }
    let width = (parents.max(children).saturating_sub(1)).to_string().len().max(4);
    let parent_paths: Vec<String> = (0..parents).map(|i| format!("{root}/p{i:0width$}")).collect();
    // The request futures borrow their paths, so every path lives for the whole run.
    let paths: Vec<String> = parent_paths
        .iter()
        .cloned()
        .chain(
            parent_paths
                .iter()
                .flat_map(|p| (0..children).map(move |j| format!("{p}/n{j:0width$}"))),
        )
        .collect();
    let mut in_flight = VecDeque::with_capacity(WINDOW + 1);
    for path in &paths {
        in_flight.push_back((path, client.create(path, &data_of(path), &options)));
        if in_flight.len() > WINDOW
            && let Some((path, reply)) = in_flight.pop_front()
        {
            reply.await.map_err(|e| format!("create {path}: {e}"))?;
        }
    }
    while let Some((path, reply)) = in_flight.pop_front() {
        reply.await.map_err(|e| format!("create {path}: {e}"))?;
    }
    Ok(1 + paths.len())
}

fn data_of(path: &str) -> Vec<u8> {
    let name = path.rsplit('/').next().unwrap_or(path);
    format!("{DATA_PREFIX}{name}").into_bytes()
}
