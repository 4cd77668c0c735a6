//! The sandbox watchdog: runs the server while its stdin (the shell's lifeline) stays open,
//! then stops it and removes the sandbox directory.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::exit::ExitCode;
use crate::sandbox::sandbox_files;
use crate::sandbox::server::{ZkInstall, server_command, spawn_server};

pub fn run(dir: &Path) -> ExitCode {
    let files = sandbox_files(dir);
    let server = ZkInstall::locate().and_then(|install| {
        let mut command = server_command(&install, &files, &[]);
        // SAFETY: prctl is async-signal-safe; it asks the kernel to kill the server if this
        // watchdog dies without cleaning up (SIGKILL of the watchdog itself).
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        spawn_server(command, &files)
    });
    // Block until the shell's end of the pipe closes, however the shell ended.
    let mut sink = [0u8; 64];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    if let Ok(child) = server {
        stop_server(child);
    }
    std::fs::remove_dir_all(dir).ok();
    ExitCode::Success
}

/// SIGTERM, a few seconds of grace, then SIGKILL.
fn stop_server(mut child: Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().ok();
    child.wait().ok();
}
