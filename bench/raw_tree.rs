//! Baseline for `bench/tree.sh` and `bench/copy.sh` (and the tree builder of `bench/snapshot.sh`): a bare zookeeper-client program that builds a large tree and walks it with pipelined multi-request batches.
//!
//! Usage:
//!   `raw_tree build [--single] HOST:PORT PATH PARENTS CHILDREN`
//!       create PATH (and its missing ancestors), PARENTS children `p0000..` under it and
//!       CHILDREN children `n0000..` under each of those; every znode's data is
//!       `zksh-bench NAME` (NAME: its own name, the last path segment); --single sends one
//!       create request per znode, `SINGLE_WINDOW` in flight, instead of multi batches, so the
//!       server's transaction log holds one txn per znode (`bench/snapshot.sh` replays it)
//!   `raw_tree walk [--data] [--acl [--acl-sessions N]] [--name GLOB] [--grep TEXT] [--count] HOST:PORT PATH`
//!       walk PATH and everything below it breadth first; print every path (`ls -R`), or only
//!       the paths whose name matches GLOB (`*` and `?`: `find --name`), or only those whose
//!       data contains TEXT (`grep`; implies --data); --count prints a one-line summary
//!       instead (znodes, and with --data the bytes of data: `du`, `count`, `survey`);
//!       --acl (implies --data) also reads every znode's ACL with one getACL each, `ACL_WINDOW`
//!       of them in flight per session (ACLs are not in multi-read): the floor for `export`;
//!       --acl-sessions N spreads them over N sessions (as `export` does)
//!
//! Both use multi requests of up to `BATCH_OPS` operations, `WINDOW` of them in flight: the client
//! sends a request as soon as `commit()` is called, so the next ones are sent before the oldest
//! reply is awaited. `build` sends creates in order, parents first: a session's requests are
//! applied in the order they were sent, so a child's create may be in flight behind its parent's.
//! `walk` asks for each queued path's children (and with --data its data) and queues the
//! children it gets back; output goes through one buffered stdout. No sorting, no depth-first
//! order, no flat-memory bound: this is about the least work a client can do to visit every
//! znode, so its wall time is the floor zksh's tree commands are compared against.
//!
//! Exits 0 on success; on any error prints it and exits 1 (2 for bad usage).

use std::collections::VecDeque;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use zookeeper_client::{Acls, Client, CreateMode, Error as ZkError, MultiReadResult};

/// Operations per multi request (a --data walk reads two per path).
const BATCH_OPS: usize = 200;
/// Requests in flight at once.
const WINDOW: usize = 8;
/// getACL requests in flight at once with --acl (the server's globalOutstandingLimit).
const ACL_WINDOW: usize = 1000;
/// Create requests in flight at once with `build --single` (the same limit).
const SINGLE_WINDOW: usize = 1000;
/// Prefix of every created znode's data, followed by the znode's name.
const DATA_PREFIX: &str = "zksh-bench ";
/// How long to wait for the server to acknowledge the session close before exiting anyway.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

type BoxError = Box<dyn std::error::Error>;

const USAGE: &str = "usage: raw_tree build [--single] HOST:PORT PATH PARENTS CHILDREN\n       \
                     raw_tree walk [--data] [--acl [--acl-sessions N]] [--name GLOB] [--grep TEXT] [--count] HOST:PORT PATH";

#[derive(Default)]
struct WalkOptions {
    data: bool,
    acl: bool,
    acl_sessions: usize,
    name: Option<String>,
    grep: Option<Vec<u8>>,
    count: bool,
}

enum Command {
    Build {
        parents: usize,
        children: usize,
        single: bool,
    },
    Walk(WalkOptions),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, addr, path)) = parse(&args) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if !path.starts_with('/')
        || (matches!(command, Command::Build { .. }) && (path == "/" || path.starts_with("/zookeeper")))
    {
        eprintln!("raw_tree: refusing path '{path}'");
        return ExitCode::from(2);
    }
    match run(command, &addr, &path).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("raw_tree: {err}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Option<(Command, String, String)> {
    match args {
        [cmd, rest @ ..] if cmd == "build" => {
            let (single, rest) = match rest {
                [flag, rest @ ..] if flag == "--single" => (true, rest),
                _ => (false, rest),
            };
            let [addr, path, parents, children] = rest else {
                return None;
            };
            let parents = parents.parse().ok().filter(|&n| n > 0)?;
            let children = children.parse().ok()?;
            Some((
                Command::Build {
                    parents,
                    children,
                    single,
                },
                addr.clone(),
                path.clone(),
            ))
        }
        [cmd, rest @ ..] if cmd == "walk" => {
            let mut options = WalkOptions {
                acl_sessions: 1,
                ..WalkOptions::default()
            };
            let mut positional = Vec::new();
            let mut rest = rest.iter();
            while let Some(arg) = rest.next() {
                match arg.as_str() {
                    "--data" => options.data = true,
                    "--acl" => {
                        options.acl = true;
                        options.data = true;
                    }
                    "--acl-sessions" => options.acl_sessions = rest.next()?.parse().ok().filter(|&n| n > 0)?,
                    "--count" => options.count = true,
                    "--name" => options.name = Some(rest.next()?.clone()),
                    "--grep" => {
                        options.grep = Some(rest.next()?.as_bytes().to_vec());
                        options.data = true;
                    }
                    flag if flag.starts_with("--") => return None,
                    _ => positional.push(arg.clone()),
                }
            }
            let [addr, path] = <[String; 2]>::try_from(positional).ok()?;
            Some((Command::Walk(options), addr, path))
        }
        _ => None,
    }
}

async fn run(command: Command, addr: &str, path: &str) -> Result<(), BoxError> {
    let client = Client::connector()
        .connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let result = match command {
        Command::Build {
            parents,
            children,
            single,
        } => build(&client, path, parents, children, single).await.map(|n| {
            let how = if single { ", one create request each" } else { "" };
            println!("created {n} znodes under and including {path}{how}")
        }),
        Command::Walk(options) => walk(&client, addr, path, &options).await,
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

fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn data_of(path: &str) -> Vec<u8> {
    format!("{DATA_PREFIX}{}", base_name(path)).into_bytes()
}

/// Creates the tree; returns how many znodes were created below and including `root`.
async fn build(client: &Client, root: &str, parents: usize, children: usize, single: bool) -> Result<usize, BoxError> {
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
    // Names sort in creation order: p0000.., n0000.. (wider when the counts need it).
    let width = (parents.max(children).saturating_sub(1)).to_string().len().max(4);
    let parent_paths: Vec<String> = (0..parents)
        .map(|i| child_path(root, &format!("p{i:0width$}")))
        .collect();
    let mut paths = parent_paths.clone().into_iter().chain(
        parent_paths
            .iter()
            .flat_map(|p| (0..children).map(move |j| child_path(p, &format!("n{j:0width$}")))),
    );
    if single {
        // The request futures borrow their paths, so every path lives for the whole run.
        let paths: Vec<String> = paths.collect();
        let mut in_flight = VecDeque::with_capacity(SINGLE_WINDOW + 1);
        for path in &paths {
            in_flight.push_back((path, client.create(path, &data_of(path), &options)));
            if in_flight.len() > SINGLE_WINDOW
                && let Some((path, reply)) = in_flight.pop_front()
            {
                reply.await.map_err(|e| format!("create {path}: {e}"))?;
            }
        }
        while let Some((path, reply)) = in_flight.pop_front() {
            reply.await.map_err(|e| format!("create {path}: {e}"))?;
        }
        return Ok(1 + paths.len());
    }
    let mut created = 1;
    let mut in_flight = VecDeque::with_capacity(WINDOW);
    loop {
        while in_flight.len() < WINDOW {
            let batch: Vec<String> = paths.by_ref().take(BATCH_OPS).collect();
            let Some(first) = batch.first().cloned() else { break };
            let mut writer = client.new_multi_writer();
            for path in &batch {
                writer
                    .add_create(path, &data_of(path), &options)
                    .map_err(|e| format!("create {path}: {e}"))?;
            }
            in_flight.push_back((first, batch.len(), writer.commit()));
        }
        let Some((first, len, reply)) = in_flight.pop_front() else {
            break;
        };
        reply
            .await
            .map_err(|e| format!("multi-create of {len} znodes from {first}: {e}"))?;
        created += len;
    }
    Ok(created)
}

/// `*` matches any run of characters, `?` any one character; everything else itself.
fn glob_matches(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Walks the subtree under `root` breadth first and prints what `options` ask for.
async fn walk(client: &Client, addr: &str, root: &str, options: &WalkOptions) -> Result<(), BoxError> {
    let ops_per_path = if options.data { 2 } else { 1 };
    let paths_per_batch = BATCH_OPS / ops_per_path;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let (mut znodes, mut bytes, mut acl_entries) = (0usize, 0usize, 0usize);
    // More sessions for the getACL requests (--acl-sessions N): the server answers one
    // session's reads in order, several sessions' side by side.
    let mut extra = Vec::new();
    for _ in 1..options.acl_sessions {
        extra.push(Client::connector().connect(addr).await?);
    }
    let clients: Vec<&Client> = std::iter::once(client).chain(extra.iter()).collect();
    let window = ACL_WINDOW * clients.len();
    let mut acls = VecDeque::with_capacity(window + 1);
    let mut queue: VecDeque<String> = VecDeque::from([root.to_string()]);
    let mut in_flight = VecDeque::with_capacity(WINDOW);
    loop {
        while in_flight.len() < WINDOW && !queue.is_empty() {
            let batch: Vec<String> = queue.drain(..paths_per_batch.min(queue.len())).collect();
            let mut reader = client.new_multi_reader();
            for path in &batch {
                if options.data {
                    reader.add_get_data(path).map_err(|e| format!("get {path}: {e}"))?;
                }
                reader.add_get_children(path).map_err(|e| format!("list {path}: {e}"))?;
            }
            in_flight.push_back((batch, reader.commit()));
        }
        let Some((batch, reply)) = in_flight.pop_front() else {
            break;
        };
        let results = reply
            .await
            .map_err(|e| format!("multi-read from {}: {e}", batch.first().map_or("", String::as_str)))?;
        if results.len() != batch.len() * ops_per_path {
            return Err(format!("multi-read of {} paths returned {} results", batch.len(), results.len()).into());
        }
        let mut results = results.into_iter();
        for path in batch {
            let data = if options.data { results.next() } else { None };
            let data = match data {
                None => None,
                Some(MultiReadResult::Data { data, .. }) => Some(data),
                Some(MultiReadResult::Error { err: ZkError::NoNode }) if path != root => {
                    results.next();
                    continue;
                }
                Some(MultiReadResult::Error { err: ZkError::NoNode }) => {
                    return Err(format!("{root}: no such znode").into());
                }
                Some(MultiReadResult::Error { err }) => return Err(format!("get {path}: {err}").into()),
                Some(other) => return Err(format!("get {path}: unexpected result {other:?}").into()),
            };
            let children = match results.next() {
                Some(MultiReadResult::Children { children }) => children,
                // Deleted meanwhile (the root is checked below).
                Some(MultiReadResult::Error { err: ZkError::NoNode }) if path != root => continue,
                Some(MultiReadResult::Error { err: ZkError::NoNode }) => {
                    return Err(format!("{root}: no such znode").into());
                }
                Some(MultiReadResult::Error { err }) => return Err(format!("list {path}: {err}").into()),
                other => return Err(format!("list {path}: unexpected result {other:?}").into()),
            };
            znodes += 1;
            bytes += data.as_ref().map_or(0, Vec::len);
            if options.acl {
                acls.push_back((path.clone(), clients[znodes % clients.len()].get_acl(&path)));
                while acls.len() > window {
                    acl_entries += acl_reply(acls.pop_front()).await?;
                }
            }
            let shown = if options.count {
                false
            } else if let Some(text) = &options.grep {
                data.as_deref().is_some_and(|d| contains(d, text))
            } else if let Some(glob) = &options.name {
                glob_matches(glob.as_bytes(), base_name(&path).as_bytes())
            } else {
                true
            };
            if shown {
                out.write_all(path.as_bytes())?;
                out.write_all(b"\n")?;
            }
            queue.extend(children.iter().map(|name| child_path(&path, name)));
        }
    }
    while !acls.is_empty() {
        acl_entries += acl_reply(acls.pop_front()).await?;
    }
    if options.count {
        if options.acl {
            writeln!(out, "{znodes} znodes, {bytes} bytes of data, {acl_entries} ACL entries")?;
        } else if options.data {
            writeln!(out, "{znodes} znodes, {bytes} bytes of data")?;
        } else {
            writeln!(out, "{znodes} znodes")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The number of entries of one getACL reply (a node deleted meanwhile has none).
async fn acl_reply<F>(request: Option<(String, F)>) -> Result<usize, BoxError>
where
    F: std::future::Future<Output = Result<(Vec<zookeeper_client::Acl>, zookeeper_client::Stat), ZkError>>,
{
    let Some((path, request)) = request else { return Ok(0) };
    match request.await {
        Ok((acl, _)) => Ok(acl.len()),
        Err(ZkError::NoNode) => Ok(0),
        Err(err) => Err(format!("getACL {path}: {err}").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn glob() {
        assert!(glob_matches(b"n0004*", b"n0004"));
        assert!(glob_matches(b"n0004*", b"n00041"));
        assert!(!glob_matches(b"n0004*", b"n0005"));
        assert!(glob_matches(b"*4", b"n0004"));
        assert!(glob_matches(b"n?00*4", b"n0004"));
        assert!(!glob_matches(b"*5", b"n0004"));
        assert!(glob_matches(b"*", b""));
    }
}
