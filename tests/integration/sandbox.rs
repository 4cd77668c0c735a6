//! `--sandbox`: a real throwaway server that never outlives the shell, however it ends.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(30);

fn zksh(tmp: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zksh"));
    cmd.env("TMPDIR", tmp).env("NO_COLOR", "1");
    cmd
}

/// Processes whose command line mentions `needle` (the sandbox's temp dir).
fn processes_mentioning(needle: &Path) -> Vec<String> {
    let needle = needle.to_string_lossy().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(&needle) {
                found.push(cmdline);
            }
        }
    }
    found
}

fn sandbox_dirs(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("zksh-sandbox-"))
        .collect()
}

fn wait_until(what: &str, pred: impl Fn() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < T, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_cleaned_up(tmp: &Path) {
    wait_until("the sandbox server to stop and its data to go", || {
        processes_mentioning(tmp).iter().all(|p| !p.contains("QuorumPeerMain")) && sandbox_dirs(tmp).is_empty()
    });
}

/// Starts `zksh --sandbox -c 'sleep 60'` in its own process group and waits until the
/// server of its sandbox runs.
fn start_long_sandbox(tmp: &Path) -> Child {
    let mut child = zksh(tmp)
        .args(["--sandbox", "-c", "create /alive yes; sleep 60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn zksh");
    wait_until("the sandbox server to start", || {
        processes_mentioning(tmp).iter().any(|p| p.contains("QuorumPeerMain"))
    });
    // The first command's output: the shell is connected and now sleeps.
    let mut first = String::new();
    let stdout = child.stdout.as_mut().expect("piped stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).expect("read stdout");
    assert_eq!(first, "/alive\n");
    child
}

fn signal(pid: u32, sig: i32) {
    let pid = i32::try_from(pid).expect("pid fits");
    // SAFETY: kill(2) on a child we spawned.
    unsafe {
        libc::kill(pid, sig);
    }
}

#[test]
fn sandbox_runs_a_script_and_removes_everything() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = zksh(tmp.path())
        .args(["--sandbox", "-c", "create /node2 'a value'; get /node2; ls /"])
        .output()
        .expect("run zksh");
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/node2\na value\nnode2\nzookeeper\n"
    );
    assert_cleaned_up(tmp.path());
}

#[test]
fn sandbox_goes_when_the_shell_is_killed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut child = start_long_sandbox(tmp.path());
    signal(child.id(), libc::SIGKILL);
    child.wait().expect("reap");
    assert_cleaned_up(tmp.path());
}

#[test]
fn sandbox_goes_on_sigterm_and_ctrl_c() {
    for (sig, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut child = start_long_sandbox(tmp.path());
        // To the whole group, as a terminal's Ctrl-C would.
        let pgid = -i32::try_from(child.id()).expect("pid fits");
        // SAFETY: kill(2) on the process group of a child we spawned.
        unsafe {
            libc::kill(pgid, sig);
        }
        let status = child.wait().expect("wait");
        // The session closed and the sandbox gone, zksh ends as the signal would have ended
        // it (so a shell loop around it stops too): a parent shell sees 128 + signal.
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(sig), "ended by signal {sig}: {status:?}");
        assert_eq!(128 + sig, code);
        // Cleaned up before the shell exited, not eventually.
        assert!(
            sandbox_dirs(tmp.path()).is_empty(),
            "sandbox dir removed before exit (signal {sig})"
        );
        assert_cleaned_up(tmp.path());
    }
}

#[test]
fn sandbox_without_java_says_how_to_install() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = zksh(tmp.path())
        .args(["--sandbox", "-c", "ls /"])
        .env("PATH", "/nonexistent")
        .env_remove("JAVA_HOME")
        .env_remove("ZOOKEEPER_HOME")
        .output()
        .expect("run zksh");
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Java not found"), "stderr: {stderr}");
    assert!(stderr.contains("apt-get install zookeeper"), "stderr: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}
