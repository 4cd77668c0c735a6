//! Baseline for `bench/delete.sh`: a bare zookeeper-client program that deletes a whole subtree with pipelined batches (and builds the tree to delete).
//!
//! Usage:
//!   `raw_delete HOST:PORT PATH`             delete PATH and everything below it
//!   `raw_delete --create N HOST:PORT PATH`  create PATH with 100 children, each having N/100
//!                                            children (missing ancestors of PATH are created too)
//!
//! Deleting lists the subtree level by level with multi-reads (`add_get_children`, up to
//! `BATCH_OPS` paths per request), then deletes it deepest level first with multi-writes (up to
//! `BATCH_OPS` deletes per request). In both phases up to `WINDOW` requests are in flight at once:
//! the client sends a request as soon as `commit()` is called, so the next futures are created
//! before the oldest one is awaited. A session's requests are applied in the order they were
//! sent, so a parent's delete may be in flight behind its children's without waiting for them.
//! This is about the least work a client can do for a recursive delete, so its wall time is the
//! floor that zksh's `delete -r` is compared against.
//!
//! On success it prints how many znodes it deleted (or created) and exits 0; on any error it
//! prints the error and exits 1 (2 for bad usage).

use std::collections::VecDeque;
use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use zookeeper_client::{Acls, Client, CreateMode, Error as ZkError, MultiReadResult};

/// Operations per multi request: small enough to stay far below the server's 1 MB request
/// limit, large enough that per-request overhead does not dominate.
const BATCH_OPS: usize = 200;
/// Upper bound on the paths' bytes in one multi-write request, in case paths are long.
const BATCH_BYTES: usize = 256 * 1024;
/// Requests in flight at once.
const WINDOW: usize = 8;
/// Children of the subtree root when creating; each of them gets N / FANOUT children.
const FANOUT: usize = 100;
/// Data of every created znode.
const DATA: &[u8] = b"zksh-bench";
/// How long to wait for the server to acknowledge the session close before exiting anyway.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

type BoxError = Box<dyn std::error::Error>;

const USAGE: &str = "usage: raw_delete HOST:PORT PATH\n       raw_delete --create N HOST:PORT PATH";

enum Mode {
    Delete,
    Create(usize),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (mode, addr, path) = match args.as_slice() {
        [_, flag, n, addr, path] if flag == "--create" => match n.parse::<usize>() {
            Ok(n) if n > 0 => (Mode::Create(n), addr.as_str(), path.as_str()),
            _ => {
                eprintln!("raw_delete: --create wants a positive number of znodes, got '{n}'\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        [_, addr, path] if !addr.starts_with('-') => (Mode::Delete, addr.as_str(), path.as_str()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if path == "/" || path == "/zookeeper" || path.starts_with("/zookeeper/") || !path.starts_with('/') {
        eprintln!("raw_delete: refusing path '{path}' (absolute, not / nor under /zookeeper)");
        return ExitCode::from(2);
    }
    match run(mode, addr, path).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("raw_delete: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(mode: Mode, addr: &str, path: &str) -> Result<(), BoxError> {
    let client = Client::connector()
        .connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let result = match mode {
        Mode::Delete => delete_tree(&client, path)
            .await
            .map(|n| println!("deleted {n} znodes under and including {path}")),
        Mode::Create(n) => create_tree(&client, path, n)
            .await
            .map(|n| println!("created {n} znodes under and including {path}")),
    };

    // Dropping the last client handle makes the session task send CloseSession; wait until the
    // session reaches a terminal state so the close is delivered before the runtime goes away.
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

/// Awaits futures in the order they were started, keeping at most `WINDOW` of them started and
/// not yet awaited; `start` is called once per item and must send its request right away.
async fn pipelined<I, T, F, Fut, R>(
    items: I,
    mut start: F,
    mut finish: impl FnMut(T, R) -> Result<(), BoxError>,
) -> Result<(), BoxError>
where
    I: IntoIterator<Item = T>,
    F: FnMut(&T) -> Result<Fut, BoxError>,
    Fut: Future<Output = R>,
{
    let mut in_flight: VecDeque<(T, Fut)> = VecDeque::with_capacity(WINDOW);
    for item in items {
        if in_flight.len() == WINDOW {
            if let Some((done, fut)) = in_flight.pop_front() {
                finish(done, fut.await)?;
            }
        }
        let fut = start(&item)?;
        in_flight.push_back((item, fut));
    }
    while let Some((done, fut)) = in_flight.pop_front() {
        finish(done, fut.await)?;
    }
    Ok(())
}

/// The first path of a batch, for error messages.
fn first(batch: &[String]) -> &str {
    batch.first().map_or("", String::as_str)
}

fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Lists the subtree under `root` breadth first; returns its levels, `root` alone first.
async fn list_tree(client: &Client, root: &str) -> Result<Vec<Vec<String>>, BoxError> {
    match client.check_stat(root).await.map_err(|e| format!("stat {root}: {e}"))? {
        Some(_) => {}
        None => return Err(format!("{root}: no such znode").into()),
    }
    let mut levels = vec![vec![root.to_string()]];
    loop {
        let mut next = Vec::new();
        let Some(level) = levels.last() else { break };
        let batches: Vec<&[String]> = level.chunks(BATCH_OPS).collect();
        pipelined(
            batches,
            |batch| {
                let mut reader = client.new_multi_reader();
                for path in batch.iter() {
                    reader.add_get_children(path).map_err(|e| format!("list {path}: {e}"))?;
                }
                Ok(reader.commit())
            },
            |batch, result| {
                let results = result.map_err(|e| format!("multi-read: {e}"))?;
                if results.len() != batch.len() {
                    return Err(
                        format!("multi-read of {} paths returned {} results", batch.len(), results.len()).into(),
                    );
                }
                for (parent, result) in batch.iter().zip(results) {
                    match result {
                        MultiReadResult::Children { children } => {
                            next.extend(children.iter().map(|name| child_path(parent, name)));
                        }
                        // Deleted meanwhile: nothing left to list below it.
                        MultiReadResult::Error { err: ZkError::NoNode } => {}
                        MultiReadResult::Error { err } => return Err(format!("list {parent}: {err}").into()),
                        other => return Err(format!("list {parent}: unexpected result {other:?}").into()),
                    }
                }
                Ok(())
            },
        )
        .await?;
        if next.is_empty() {
            break;
        }
        levels.push(next);
    }
    Ok(levels)
}

/// Splits `paths` into multi-write batches of at most `BATCH_OPS` paths and `BATCH_BYTES` bytes.
fn write_batches(paths: &[String]) -> Vec<&[String]> {
    let mut batches = Vec::new();
    let mut start = 0;
    while start < paths.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < paths.len() && end - start < BATCH_OPS && (end == start || bytes + paths[end].len() <= BATCH_BYTES)
        {
            bytes += paths[end].len();
            end += 1;
        }
        batches.push(&paths[start..end]);
        start = end;
    }
    batches
}

/// Deletes `root` and everything below it; returns how many znodes were deleted.
async fn delete_tree(client: &Client, root: &str) -> Result<usize, BoxError> {
    let levels = list_tree(client, root).await?;
    // Deepest level first; all batches go through one window, in order.
    let batches: Vec<&[String]> = levels.iter().rev().flat_map(|level| write_batches(level)).collect();
    let mut deleted = 0;
    pipelined(
        batches,
        |batch| {
            let mut writer = client.new_multi_writer();
            for path in batch.iter() {
                writer
                    .add_delete(path, None)
                    .map_err(|e| format!("delete {path}: {e}"))?;
            }
            Ok(writer.commit())
        },
        |batch, result| {
            result.map_err(|e| format!("multi-delete of {} znodes from {}: {e}", batch.len(), first(batch)))?;
            deleted += batch.len();
            Ok(())
        },
    )
    .await?;
    Ok(deleted)
}

/// Creates `root` (and its missing ancestors), `FANOUT` children `p1..` under it and `n / FANOUT`
/// children `c1..` under each of those; returns how many znodes were created below and including
/// `root`.
async fn create_tree(client: &Client, root: &str, n: usize) -> Result<usize, BoxError> {
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    let mut ancestor = String::new();
    for part in root.split('/').filter(|p| !p.is_empty()) {
        ancestor.push('/');
        ancestor.push_str(part);
        let data = if ancestor == root { DATA } else { &[][..] };
        match client.create(&ancestor, data, &options).await {
            Ok(_) => {}
            Err(ZkError::NodeExists) if ancestor != root => {}
            Err(e) => return Err(format!("create {ancestor}: {e}").into()),
        }
    }
    let per_parent = (n / FANOUT).max(1);
    let parents: Vec<String> = (1..=FANOUT).map(|i| child_path(root, &format!("p{i}"))).collect();
    let leaves: Vec<String> = parents
        .iter()
        .flat_map(|p| (1..=per_parent).map(move |j| child_path(p, &format!("c{j}"))))
        .collect();
    let mut created = 1;
    // Parents before leaves, through one window: the session applies them in order.
    let batches: Vec<&[String]> = write_batches(&parents)
        .into_iter()
        .chain(write_batches(&leaves))
        .collect();
    pipelined(
        batches,
        |batch| {
            let mut writer = client.new_multi_writer();
            for path in batch.iter() {
                writer
                    .add_create(path, DATA, &options)
                    .map_err(|e| format!("create {path}: {e}"))?;
            }
            Ok(writer.commit())
        },
        |batch, result| {
            result.map_err(|e| format!("multi-create of {} znodes from {}: {e}", batch.len(), first(batch)))?;
            created += batch.len();
            Ok(())
        },
    )
    .await?;
    Ok(created)
}
