//! `--sandbox`: a throwaway local ZooKeeper that lives exactly as long as the shell.
//!
//! The server is not our child: a watchdog process (this binary, `--sandbox-watchdog DIR`)
//! starts it and waits for its stdin, a pipe from the shell, to close. A pipe closes however
//! the shell ends (exit, Ctrl-C, SIGTERM, SIGKILL), so the watchdog then stops the server and
//! removes its directory: no orphan java process, no leftover data.

pub mod server;
pub mod watchdog;

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use server::{ServerFiles, ZkInstall, ensure_serving, free_port, write_server_files};

/// The config every sandbox starts from, the same file the README shows.
pub const CONFIG_TEMPLATE: &str = include_str!("../../zoo.cfg.example");

pub struct Sandbox {
    port: u16,
    dir: PathBuf,
    watchdog: Child,
    lifeline: Option<ChildStdin>,
}

impl Sandbox {
    /// Starts the server and waits until it serves.
    pub async fn start() -> anyhow::Result<Sandbox> {
        // Fail early, with install advice, before creating anything.
        ZkInstall::locate()?;
        let dir = tempfile::Builder::new()
            .prefix("zksh-sandbox-")
            .tempdir()
            .context("cannot create a temporary directory for the sandbox")?
            .keep();
        let port = free_port().context("cannot find a free port")?;
        let files = write_server_files(&dir, CONFIG_TEMPLATE, port, &[])?;
        let exe = std::env::current_exe().context("cannot find the zksh executable")?;
        let mut watchdog = Command::new(exe)
            .arg("--sandbox-watchdog")
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: the terminal's Ctrl-C goes to the shell, which then
            // stops the sandbox in order, rather than killing the watchdog mid-way.
            .process_group(0)
            .spawn()
            .context("cannot start the sandbox watchdog")?;
        let lifeline = watchdog.stdin.take();
        let sandbox = Sandbox {
            port,
            dir,
            watchdog,
            lifeline,
        };
        let ready = tokio::task::spawn_blocking(move || ensure_serving(port, &files, Duration::from_secs(60)));
        ready.await.context("sandbox start-up was interrupted")??;
        Ok(sandbox)
    }

    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Closes the lifeline and waits (bounded) for the watchdog to stop the server and clean up.
    pub fn stop(&mut self) {
        drop(self.lifeline.take());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            match self.watchdog.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The files of a sandbox directory, as the watchdog finds them.
pub fn sandbox_files(dir: &std::path::Path) -> ServerFiles {
    ServerFiles {
        dir: dir.to_path_buf(),
        config: dir.join("zoo.cfg"),
        log: dir.join("server.log"),
    }
}
