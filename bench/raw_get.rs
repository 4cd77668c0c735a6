//! Baseline for `bench/get.sh`: a bare zookeeper-client program that connects, reads one znode, prints its data and exits.
//!
//! Usage: `raw_get HOST:PORT PATH`
//!
//! It does the least a one-shot `get` can do with the same client library zksh uses, so its wall
//! time is the floor that zksh's one-shot mode is compared against. The session is closed
//! politely before exiting (as zksh and zkCli.sh do), so the server does not keep a dangling
//! session around until it expires.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// How long to wait for the server to acknowledge the session close before exiting anyway.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (addr, path) = match args.as_slice() {
        [_, addr, path] => (addr.as_str(), path.as_str()),
        _ => {
            eprintln!("usage: raw_get HOST:PORT PATH");
            return ExitCode::from(2);
        }
    };
    match run(addr, path).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("raw_get: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(addr: &str, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client = zookeeper_client::Client::connector()
        .connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let (data, _stat) = client.get_data(path).await.map_err(|e| format!("get {path}: {e}"))?;

    let mut out = std::io::stdout().lock();
    out.write_all(&data)?;
    out.write_all(b"\n")?;
    out.flush()?;

    // Dropping the last client handle makes the session task send CloseSession; wait until the
    // session reaches a terminal state so the close is actually delivered before the runtime
    // (and with it the session task) goes away.
    let mut state = client.state_watcher();
    drop(client);
    let closed = async {
        while !state.peek_state().is_terminated() {
            state.changed().await;
        }
    };
    // A slow close is not an error for a read: the data was already printed.
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closed).await;
    Ok(())
}
